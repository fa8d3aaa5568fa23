/**
 * A signed-in person changes their password. The current password is required (a borrowed, still signed-in laptop
 * must not be enough) and wrong guesses count against the same per-account limit as sign-in. Optionally every other
 * session of the account ends — the usual reason for changing a password is that someone else may know it.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { passwordSchema } from '../core/accounts.ts';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { hashPassword, verifyPassword } from '../server/auth/passwords.ts';
import { assertStrongPassword } from '../server/auth/passwordStrength.ts';
import {
  SIGNIN_ACCOUNT_RULE,
  reserveAttempt,
  signInAccountKey,
  clearRateLimit,
  type RateRule,
} from '../server/auth/rateLimit.ts';
import { invalidateUserSessions } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

export const changePasswordSchema = z.object({
  currentPassword: z.string({ error: 'Enter your current password.' }).min(1, 'Enter your current password.'),
  newPassword: passwordSchema,
  /** Sign out every other device (HTML checkboxes send "on" or nothing). */
  endOtherSessions: z
    .union([z.boolean(), z.enum(['on', 'true', '1'])])
    .optional()
    .transform((v) => v !== undefined && v !== false),
});

export interface ChangePasswordProps {
  userId: string;
  /** The session in use, kept when other sessions end. */
  currentSessionId: string | null;
  currentPassword: string;
  newPassword: string;
  endOtherSessions?: boolean | string;
  accountRule?: RateRule;
  /** The client's address, for the audit log. */
  address?: string;
}

/** Checks the current password, stores the new one and, if asked, ends the account's other sessions. */
export async function changePassword(app: AppContext, props: ChangePasswordProps): Promise<{ endedSessions: number }> {
  const parsed = changePasswordSchema.safeParse(props);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const data = parsed.data;
  const user = app.db.select().from(users).where(eq(users.id, props.userId)).get();
  if (!user || user.disabledAt) throw new PotluckError('UNAUTHENTICATED', 'Sign in again to change your password.');

  const key = signInAccountKey(user.id);
  if (!reserveAttempt(app, key, props.accountRule ?? SIGNIN_ACCOUNT_RULE)) {
    throw new PotluckError(
      'RATE_LIMITED',
      'Too many wrong passwords for this account. Wait 15 minutes and try again, or ask your teacher to reset your password.',
    );
  }
  const matches = user.passwordHash !== null && (await verifyPassword(user.passwordHash, data.currentPassword));
  if (!matches) {
    const message = 'That is not your current password. Type the password you signed in with.';
    throw new PotluckError('VALIDATION', message, { issues: [{ field: 'currentPassword', message }] });
  }
  clearRateLimit(app, key);
  if (data.newPassword === data.currentPassword) {
    const message = 'The new password is the same as the current one; choose a different one.';
    throw new PotluckError('VALIDATION', message, { issues: [{ field: 'newPassword', message }] });
  }
  await assertStrongPassword(app, data.newPassword, { handle: user.handle, name: user.name, email: user.email }, 'newPassword');

  const passwordHash = await hashPassword(data.newPassword);
  return inTransaction(app, () => {
    app.db.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
    const endedSessions = data.endOtherSessions
      ? invalidateUserSessions(app, user.id, props.currentSessionId ?? undefined)
      : 0;
    recordAudit(app, {
      action: 'password.changed',
      actor: { id: user.id, handle: user.handle },
      subject: { type: 'user', id: user.id },
      subjectUser: { id: user.id, handle: user.handle },
      address: props.address ?? null,
      details: { endedSessions },
    });
    return { endedSessions };
  });
}
