/**
 * A guardian who already has an account adds a second child (or another) with a guardian join code, on /family.
 * In one transaction: the code is checked like at sign-up (exists, is a guardian code, not revoked, not expired,
 * uses left), the link is recorded (made by the code's creator) and the use is counted.
 */
import { and, eq } from 'drizzle-orm';
import { joinCodeInputSchema, joinCodeState } from '../core/accounts.ts';
import { PotluckError, forbidden } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { guardianLinks, joinCodes, users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { insertGuardianLink } from '../server/families/guardians.ts';
import { activeStudent } from './accountRegistrar.ts';

const problem = (message: string) => new PotluckError('VALIDATION', message, { issues: [{ field: 'code', message }] });

/** Links the signed-in guardian `userId` to the student a guardian code names; returns that student. */
export function linkGuardianWithCode(app: AppContext, props: { userId: string; code: string }): { id: string; handle: string; name: string } {
  const parsed = joinCodeInputSchema.safeParse(props.code);
  if (!parsed.success) throw problem(parsed.error.issues[0]?.message ?? 'That is not a join code (it looks like ABCD-EFGH-JKMN).');
  return inTransaction(app, () => {
    const guardian = app.db.select().from(users).where(eq(users.id, props.userId)).get();
    if (!guardian || guardian.disabledAt) throw new PotluckError('UNAUTHENTICATED', 'Sign in first.');
    if (guardian.role !== 'guardian') throw forbidden('Family codes link guardian accounts to a student. Your account is not a guardian account.');
    const code = app.db.select().from(joinCodes).where(eq(joinCodes.code, parsed.data)).get();
    if (!code) throw problem('That join code does not exist. Check it with the school (it looks like ABCD-EFGH-JKMN).');
    if (code.role !== 'guardian' || !code.studentId) throw problem('That join code is not a family code. Ask your child’s teacher or the school for one.');
    const state = joinCodeState(code, app.now());
    if (state === 'revoked') throw problem('That join code has been withdrawn. Ask the school for a new one.');
    if (state === 'expired') throw problem('That join code has expired. Ask the school for a new one.');
    if (state === 'used-up') throw problem('That join code has been used as many times as it allows. Ask the school for a new one.');
    if (!activeStudent(app, code.studentId)) throw problem('The student this family code was made for no longer has an active account. Ask the school for a new code.');
    const student = app.db.select({ id: users.id, handle: users.handle, name: users.name }).from(users).where(eq(users.id, code.studentId)).get()!;
    const already = app.db
      .select({ studentId: guardianLinks.studentId })
      .from(guardianLinks)
      .where(and(eq(guardianLinks.guardianId, guardian.id), eq(guardianLinks.studentId, student.id)))
      .get();
    // Not counted as a use: the code is still good for the person it was meant for.
    if (already) throw problem(`You are already linked to ${student.name}.`);
    insertGuardianLink(app, { guardian: { id: guardian.id, handle: guardian.handle }, studentId: student.id, linkedBy: code.createdBy });
    app.db.update(joinCodes).set({ uses: code.uses + 1 }).where(eq(joinCodes.code, code.code)).run();
    return student;
  });
}
