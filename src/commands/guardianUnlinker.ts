/**
 * An admin (or the operator at a shell) removes a guardian's link to a student: the guardian stops reading the
 * child's class-only work and feedback at once. The guardian account stays (it may have other children).
 */
import { and, eq } from 'drizzle-orm';
import { handleSchema } from '../core/accounts.ts';
import { PotluckError, invalid } from '../core/errors.ts';
import { authorize, type Actor } from '../core/policy.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import type { AppContext } from '../server/context.ts';
import { guardianLinks, users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { schoolSubject } from '../server/policyFacts.ts';

export interface UnlinkGuardianProps {
  /** Each person by handle (the CLI) or by id (the admin page). */
  guardian: { handle?: string; id?: string };
  student: { handle?: string; id?: string };
  /** Who asks; null for the operator at a shell. */
  actor: (Actor & { handle?: string }) | null;
}

function findAccount(app: AppContext, who: { handle?: string; id?: string }, field: string) {
  if (who.handle !== undefined) {
    const handle = handleSchema.safeParse(who.handle.trim().replace(/^@/, '').toLowerCase());
    if (!handle.success) throw invalid([{ field, message: `"${who.handle}" is not a handle.` }]);
    const row = app.db.select({ id: users.id, handle: users.handle }).from(users).where(eq(users.handle, handle.data)).get();
    if (!row) throw new PotluckError('NOT_FOUND', `No account has the handle "${handle.data}". Check the spelling.`);
    return row;
  }
  const row = who.id ? app.db.select({ id: users.id, handle: users.handle }).from(users).where(eq(users.id, who.id)).get() : undefined;
  if (!row) throw new PotluckError('NOT_FOUND', 'That account no longer exists. Reload the page to see the current list.');
  return row;
}

/** Removes the link; returns the two handles. A link that does not exist is a NOT_FOUND that says so. */
export function unlinkGuardian(app: AppContext, props: UnlinkGuardianProps): { guardian: string; student: string } {
  if (props.actor) authorize(props.actor, 'administer', schoolSubject, 'Only an admin can remove a guardian’s link to a student.');
  return inTransaction(app, () => {
    const guardian = findAccount(app, props.guardian, 'guardian');
    const student = findAccount(app, props.student, 'student');
    const removed = app.db
      .delete(guardianLinks)
      .where(and(eq(guardianLinks.guardianId, guardian.id), eq(guardianLinks.studentId, student.id)))
      .returning({ guardianId: guardianLinks.guardianId })
      .all();
    if (removed.length === 0) throw new PotluckError('NOT_FOUND', `@${guardian.handle} is not linked to @${student.handle}.`);
    recordAudit(app, {
      action: 'guardian.unlinked',
      actor: props.actor ? { id: props.actor.id } : null,
      subject: { type: 'user', id: student.id },
      subjectUser: { id: student.id },
      details: { guardian: guardian.handle, student: student.handle },
    });
    return { guardian: guardian.handle, student: student.handle };
  });
}
