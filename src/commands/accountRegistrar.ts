/**
 * Sign-up with a join code. In one transaction: the code is checked (exists, not revoked, not expired, uses left),
 * the account is created with the code's role, the use is counted, and the hub membership (if the code names a hub)
 * is recorded — so a code with one use left can never make two accounts, and no account exists without its hub.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { emailSchema, handleSchema, joinCodeInputSchema, joinCodeState, nameSchema, passwordSchema } from '../core/accounts.ts';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, hubs, joinCodes, type User } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { insertUser, prepareNewUser } from './userCreator.ts';

export const registrationSchema = z.object({
  code: joinCodeInputSchema,
  handle: handleSchema,
  name: nameSchema,
  /** Optional: an empty field means no email. */
  email: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), emailSchema.optional()),
  password: passwordSchema,
});
export type Registration = z.input<typeof registrationSchema>;

const CODE_PROBLEMS = {
  missing: 'That join code does not exist. Check it with your teacher (it looks like ABCD-EFGH-JKMN).',
  revoked: 'That join code has been withdrawn. Ask your teacher for a new one.',
  expired: 'That join code has expired. Ask your teacher for a new one.',
  'used-up': 'That join code has been used as many times as it allows. Ask your teacher for a new one.',
  hub: 'The course this join code was made for no longer exists. Ask your teacher for a new code.',
} as const;

function codeProblem(problem: keyof typeof CODE_PROBLEMS): PotluckError {
  const message = CODE_PROBLEMS[problem];
  return new PotluckError('VALIDATION', message, { issues: [{ field: 'code', message }] });
}

/** Creates an account from a join code; returns the new account (the caller signs it in). */
export async function registerAccount(app: AppContext, input: Registration): Promise<User> {
  const parsed = registrationSchema.safeParse(input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const data = parsed.data;

  // Cheap check first, so a mistyped code does not cost a password hash; repeated inside the transaction.
  const early = app.db.select().from(joinCodes).where(eq(joinCodes.code, data.code)).get();
  if (!early) throw codeProblem('missing');

  // Hashing is slow and asynchronous, so it happens before the (synchronous) transaction.
  const prepared = await prepareNewUser({ handle: data.handle, name: data.name, email: data.email, password: data.password, role: early.role });

  return inTransaction(app, () => {
    const code = app.db.select().from(joinCodes).where(eq(joinCodes.code, data.code)).get();
    if (!code) throw codeProblem('missing');
    const state = joinCodeState(code, app.now());
    if (state !== 'active') throw codeProblem(state);
    if (code.hubId && !app.db.select({ id: hubs.id }).from(hubs).where(eq(hubs.id, code.hubId)).get()) {
      throw codeProblem('hub');
    }
    const user = insertUser(app, { data: { ...prepared.data, role: code.role }, passwordHash: prepared.passwordHash });
    app.db.update(joinCodes).set({ uses: code.uses + 1 }).where(eq(joinCodes.code, code.code)).run();
    if (code.hubId) {
      app.db
        .insert(hubMembers)
        .values({
          hubId: code.hubId,
          userId: user.id,
          role: code.role === 'student' ? 'student' : 'teacher',
          joinedAt: app.now(),
          enrolment: 'join_code',
        })
        .run();
      const who = { id: user.id, handle: user.handle };
      recordAudit(app, { action: 'hub.member.added', actor: who, subject: { type: 'hub', id: code.hubId }, subjectUser: who, details: { enrolment: 'join_code', role: code.role } });
    }
    return user;
  });
}
