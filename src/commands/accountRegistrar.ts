/**
 * Sign-up with a join code. In one transaction: the code is checked (exists, not revoked, not expired, uses left),
 * the account is created with the code's role, the use is counted, and the hub membership (if the code names a hub)
 * is recorded — so a code with one use left can never make two accounts, and no account exists without its hub.
 * A guardian code makes a guardian account linked to the code's student (the link made by the code's creator).
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { emailSchema, handleSchema, joinCodeInputSchema, joinCodeState, nameSchema, passwordSchema } from '../core/accounts.ts';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, hubs, joinCodes, users, type User } from '../server/db/schema.ts';
import { insertGuardianLink } from '../server/families/guardians.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertStrongPassword } from '../server/auth/passwordStrength.ts';
import { SIGNUP_ADDRESS_RULE, releaseAttempt, reserveAttempt, signUpAddressKey } from '../server/auth/rateLimit.ts';
import { insertUser, prepareNewUser } from './userCreator.ts';
import { notifyMemberJoinedById } from '../server/notifications/hubEvents.ts';

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
  student: 'The student this family code was made for no longer has an active account. Ask the school for a new code.',
} as const;

function codeProblem(problem: keyof typeof CODE_PROBLEMS): PotluckError {
  const message = CODE_PROBLEMS[problem];
  return new PotluckError('VALIDATION', message, { issues: [{ field: 'code', message }] });
}

/**
 * Said when the handle or the email belongs to an account already, the same for both, so that sign-up cannot be used
 * to learn whose email has an account. A student learns what to change from it: handles are public (every account
 * has /@handle/), so one that is taken can be seen there; and an email in use means they have an account already,
 * or they leave the field empty (it is optional) and ask an admin, who sees both accounts at /admin.
 */
export const TAKEN_MESSAGE =
  'That handle or email is already in use. Choose another handle (yours would be at /@handle/), or leave the email empty; if you already have an account, sign in instead.';

/** Creates an account from a join code; returns the new account (the caller signs it in). */
export async function registerAccount(app: AppContext, input: Registration, options: { address?: string } = {}): Promise<User> {
  const parsed = registrationSchema.safeParse(input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const data = parsed.data;
  await assertStrongPassword(app, data.password, { handle: data.handle, name: data.name, email: data.email });

  // Counted before the code and the names are looked at, and given back when an account is made: only attempts that
  // fail count, and many of them from one address (guessing codes, testing emails) are refused for an hour.
  const limitKey = signUpAddressKey(options.address || 'unknown');
  if (!reserveAttempt(app, limitKey, SIGNUP_ADDRESS_RULE)) {
    throw new PotluckError(
      'RATE_LIMITED',
      'Too many sign-up attempts from this network. Wait an hour and try again, or ask your teacher to help you join.',
    );
  }
  const user = await createFromCode(app, data);
  releaseAttempt(app, limitKey);
  return user;
}

async function createFromCode(app: AppContext, data: z.output<typeof registrationSchema>): Promise<User> {
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
    if (code.role === 'guardian' && !activeStudent(app, code.studentId)) throw codeProblem('student');
    let user: User;
    try {
      user = insertUser(app, { data: { ...prepared.data, role: code.role }, passwordHash: prepared.passwordHash });
    } catch (error) {
      if (!(error instanceof PotluckError && error.code === 'CONFLICT')) throw error;
      throw new PotluckError('CONFLICT', TAKEN_MESSAGE, { issues: [{ field: 'handle', message: TAKEN_MESSAGE }] });
    }
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
      notifyMemberJoinedById(app, code.hubId, user.id, 'join_code');
    }
    if (code.role === 'guardian' && code.studentId) {
      insertGuardianLink(app, { guardian: { id: user.id, handle: user.handle }, studentId: code.studentId, linkedBy: code.createdBy });
    }
    return user;
  });
}

/** Whether `studentId` names an active student account (what a guardian code links to). */
export function activeStudent(app: AppContext, studentId: string | null): boolean {
  if (!studentId) return false;
  const row = app.db.select({ role: users.role, disabledAt: users.disabledAt }).from(users).where(eq(users.id, studentId)).get();
  return row !== undefined && row.role === 'student' && row.disabledAt === null;
}
