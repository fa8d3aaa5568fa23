/**
 * The second step of a sign-in, after the right password: the two-factor code (or a recovery code), or — when the
 * school requires two-factor and the person has none yet — confirming its set-up with a first code. Only then is
 * the person signed in; the page starts the session. Codes are limited per half-finished sign-in (5) and per account
 * (10 in 15 minutes).
 */
import { eq } from 'drizzle-orm';
import { PotluckError } from '../core/errors.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { countPendingAttempt, endPendingSignIn, findPendingSignIn } from '../server/auth/pendingSignIn.ts';
import { SIGNIN_ACCOUNT_RULE, clearRateLimit, reserveAttempt, signInCodeKey, type RateRule } from '../server/auth/rateLimit.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import { useSecondFactor } from '../server/auth/twoFactor.ts';
import type { AppContext } from '../server/context.ts';
import { users } from '../server/db/schema.ts';
import { enableTwoFactor } from './twoFactorEnabler.ts';

export const EXPIRED_MESSAGE = 'That sign-in has expired or used up its tries. Sign in again with your password.';

/** The person a half-finished sign-in belongs to and what it still needs, or null (send them to /signin). */
export function pendingSignInOf(app: AppContext, token: string | undefined): { user: SessionUser; needs: 'code' | 'enrol' } | null {
  const pending = findPendingSignIn(app, token);
  if (!pending) return null;
  const user = app.db.select().from(users).where(eq(users.id, pending.userId)).get();
  if (!user || user.disabledAt) return null;
  return { user: { id: user.id, handle: user.handle, name: user.name, role: user.role, email: user.email }, needs: pending.needs };
}

/** Finishes a sign-in with a code; returns who signed in, where to go, and (after set-up) the recovery codes. */
export function completeSignIn(
  app: AppContext,
  props: { pendingToken: string | undefined; code: string; address: string; codeRule?: RateRule },
): { user: SessionUser; next: string; recoveryCodes: string[] | null } {
  const pending = findPendingSignIn(app, props.pendingToken);
  const found = pendingSignInOf(app, props.pendingToken);
  if (!pending || !found) throw new PotluckError('UNAUTHENTICATED', EXPIRED_MESSAGE);
  const { user } = found;
  if (!countPendingAttempt(app, pending.id)) throw new PotluckError('UNAUTHENTICATED', EXPIRED_MESSAGE);

  let recoveryCodes: string[] | null = null;
  let method: 'totp' | 'recovery' | 'setup';
  if (pending.needs === 'enrol') {
    recoveryCodes = enableTwoFactor(app, { user, code: props.code, address: props.address }).recoveryCodes;
    method = 'setup';
  } else {
    const key = signInCodeKey(user.id);
    if (!reserveAttempt(app, key, props.codeRule ?? SIGNIN_ACCOUNT_RULE)) {
      throw new PotluckError('RATE_LIMITED', 'Too many wrong codes for this account. Wait 15 minutes and sign in again.');
    }
    const used = useSecondFactor(app, user.id, props.code, props.address);
    if (!used) {
      recordAudit(app, {
        action: 'signin.failed',
        outcome: 'failed',
        subject: { type: 'user', id: user.id },
        subjectUser: { id: user.id, handle: user.handle },
        address: props.address,
        details: { step: 'two-factor' },
      });
      const message =
        'That code is not right, or it was used already. Type the 6-digit code your app shows now, or one of your recovery codes.';
      throw new PotluckError('VALIDATION', message, { issues: [{ field: 'code', message }] });
    }
    clearRateLimit(app, key);
    method = used;
  }
  endPendingSignIn(app, pending.id);
  recordAudit(app, {
    action: 'signin.succeeded',
    actor: { id: user.id, handle: user.handle },
    subject: { type: 'user', id: user.id },
    subjectUser: { id: user.id, handle: user.handle },
    address: props.address,
    details: { twoFactor: method },
  });
  return { user, next: pending.next, recoveryCodes };
}
