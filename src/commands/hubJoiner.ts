/**
 * Joining a hub with a join code, for someone who already has an account (sign-up with a code does the same for a
 * new one, in accountRegistrar). A code counts a use per join, so a code for one student is not a code for a class.
 * Only staff accounts join as teachers, whatever code they use.
 */
import { and, eq } from 'drizzle-orm';
import { joinCodeInputSchema, joinCodeState } from '../core/accounts.ts';
import { PotluckError } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, hubs, joinCodes, users, type Hub } from '../server/db/schema.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { inTransaction } from '../server/db/tx.ts';
import { membershipOf } from '../server/hubs/access.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { notifyMemberJoined } from '../server/notifications/hubEvents.ts';

const problem = (message: string) => new PotluckError('VALIDATION', message, { issues: [{ field: 'code', message }] });

/** Joins the hub a code names; returns the hub and the role joined with. */
export function joinHubWithCode(app: AppContext, props: { userId: string; code: string }): { hub: Hub; role: 'teacher' | 'student' } {
  const parsed = joinCodeInputSchema.safeParse(props.code);
  if (!parsed.success) throw problem(parsed.error.issues[0]?.message ?? 'That is not a join code (it looks like ABCD-EFGH-JKMN).');
  return inTransaction(app, () => {
    const code = app.db.select().from(joinCodes).where(eq(joinCodes.code, parsed.data)).get();
    if (!code) throw problem('That join code does not exist. Check it with your teacher (it looks like ABCD-EFGH-JKMN).');
    const state = joinCodeState(code, app.now());
    if (state === 'revoked') throw problem('That join code has been withdrawn. Ask your teacher for a new one.');
    if (state === 'expired') throw problem('That join code has expired. Ask your teacher for a new one.');
    if (state === 'used-up') throw problem('That join code has been used as many times as it allows. Ask your teacher for a new one.');
    if (!code.hubId) throw problem('That join code is for signing up, not for a course hub. Ask your teacher for the hub’s code.');
    const hub = app.db.select().from(hubs).where(eq(hubs.id, code.hubId)).get();
    if (!hub) throw problem('The course this join code was made for no longer exists. Ask your teacher for a new code.');
    const user = app.db.select().from(users).where(eq(users.id, props.userId)).get();
    if (!user || user.disabledAt) throw new PotluckError('UNAUTHENTICATED', 'Sign in first.');
    // Guardians read their child's work through the family link, never as members of a hub.
    if (user.role === 'guardian') throw new PotluckError('FORBIDDEN', 'Guardian accounts do not join course hubs. Your children’s work is on your Family page (/family).');
    const current = membershipOf(app, hub.id, user.id);
    if (current && current.enrolment !== 'invited') throw problem(`You are already in ${hub.title}.`);
    const role = code.role !== 'student' && user.role !== 'student' ? 'teacher' : 'student';
    // A code used while an invitation is open is the person's own choice too: the invitation becomes the membership.
    if (current) {
      app.db
        .update(hubMembers)
        .set({ role, joinedAt: app.now(), enrolment: 'join_code' })
        .where(and(eq(hubMembers.hubId, hub.id), eq(hubMembers.userId, user.id)))
        .run();
    } else {
      app.db.insert(hubMembers).values({ hubId: hub.id, userId: user.id, role, joinedAt: app.now(), enrolment: 'join_code' }).run();
    }
    app.db.update(joinCodes).set({ uses: code.uses + 1 }).where(eq(joinCodes.code, code.code)).run();
    const who = { id: user.id, handle: user.handle };
    recordAudit(app, { action: 'hub.member.added', actor: who, subject: { type: 'hub', id: hub.id }, subjectUser: who, details: { hub: hub.slug, role, enrolment: 'join_code' } });
    bumpContentVersion(app, user.id);
    notifyMemberJoined(app, hub, user.id, 'join_code');
    return { hub, role };
  });
}
