/**
 * Proving it is still you, on a session that is already signed in: before an admin resets a password, disables or
 * deletes someone (within the last ten minutes), and before two-factor is turned off. Wrong passwords and codes count
 * against the account's own limit, like changing the password does.
 */
import { eq } from 'drizzle-orm';
import { PotluckError } from '../../core/errors.ts';
import type { AppContext } from '../context.ts';
import { users } from '../db/schema.ts';
import { verifyPassword } from './passwords.ts';
import { SIGNIN_ACCOUNT_RULE, clearRateLimit, reserveAttempt, signInAccountKey, type RateRule } from './rateLimit.ts';
import type { SessionInfo } from './sessions.ts';
import { hasTwoFactor, useSecondFactor } from './twoFactor.ts';

/** How long a re-authentication lasts for admin actions. */
export const REAUTH_WINDOW_MS = 10 * 60 * 1000;

/** Whether the session proved who it is within the last ten minutes. */
export function recentlyAuthenticated(app: AppContext, session: SessionInfo | null): boolean {
  const at = session?.reauthenticatedAt?.getTime();
  return at !== undefined && app.now().getTime() - at < REAUTH_WINDOW_MS;
}

function fieldError(field: string, message: string): PotluckError {
  return new PotluckError('VALIDATION', message, { issues: [{ field, message }] });
}

/**
 * Checks a signed-in person's own password, and their two-factor code when two-factor is on; throws a VALIDATION
 * error naming the field (or RATE_LIMITED) otherwise. Says whether a recovery code was spent.
 */
export async function verifyOwnCredentials(
  app: AppContext,
  userId: string,
  input: { password: string; code?: string; address?: string },
  rule: RateRule = SIGNIN_ACCOUNT_RULE,
): Promise<{ usedRecoveryCode: boolean }> {
  const user = app.db.select().from(users).where(eq(users.id, userId)).get();
  if (!user || user.disabledAt) throw new PotluckError('UNAUTHENTICATED', 'Sign in again first.');
  const key = signInAccountKey(user.id);
  if (!reserveAttempt(app, key, rule)) {
    throw new PotluckError('RATE_LIMITED', 'Too many wrong passwords or codes for this account. Wait 15 minutes and try again.');
  }
  if (!input.password) throw fieldError('password', 'Enter your password.');
  const matches = user.passwordHash !== null && (await verifyPassword(user.passwordHash, input.password));
  if (!matches) throw fieldError('password', 'That is not your password. Type the password you sign in with.');
  let usedRecoveryCode = false;
  if (hasTwoFactor(app, user.id)) {
    if (!input.code?.trim()) throw fieldError('code', 'Enter the 6-digit code from your authenticator app (or a recovery code).');
    const used = useSecondFactor(app, user.id, input.code, input.address);
    if (!used) throw fieldError('code', 'That code is not right, or it was used already. Wait for the next code in your app and type it.');
    usedRecoveryCode = used === 'recovery';
  }
  clearRateLimit(app, key);
  return { usedRecoveryCode };
}
