/**
 * One sign-in attempt: handle or email + password, throttled per account and per client address. The outcome is a
 * value, not an exception — a wrong password is an expected event. Creating the session is the caller's job (the
 * page owns the cookie).
 */
import { eq, or } from 'drizzle-orm';
import { loginSchema } from '../core/accounts.ts';
import type { AppContext } from '../server/context.ts';
import { verifyAgainstNothing, verifyPassword } from '../server/auth/passwords.ts';
import {
  SIGNIN_ACCOUNT_RULE,
  SIGNIN_ADDRESS_RULE,
  clearRateLimit,
  releaseAttempt,
  reserveAttempt,
  signInAccountKey,
  signInAddressKey,
  signInUnknownLoginKey,
  type RateRule,
} from '../server/auth/rateLimit.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import { users } from '../server/db/schema.ts';

export type SignInFailure = 'bad-credentials' | 'rate-limited' | 'disabled';

export type SignInResult = { ok: true; user: SessionUser } | { ok: false; reason: SignInFailure; message: string };

export interface SignInProps {
  /** Handle or email, as typed. */
  login: string;
  password: string;
  /** The client's IP address. */
  address: string;
  /** Overrides for the throttling rules (tests, instance policy). */
  accountRule?: RateRule;
  addressRule?: RateRule;
}

export const BAD_CREDENTIALS_MESSAGE =
  'That handle or email and password do not match an account. Check both and try again.';
export const ACCOUNT_LIMITED_MESSAGE =
  'Too many sign-in attempts for this account. Wait 15 minutes and try again, or ask your teacher to reset your password.';
export const ADDRESS_LIMITED_MESSAGE =
  'Too many sign-in attempts from this network. Wait 15 minutes and try again, or ask your teacher for help.';
export const DISABLED_MESSAGE =
  'This account is disabled, so it cannot sign in. If you think that is a mistake, ask your teacher or your school’s Potluck admin.';

function minutesText(rule: RateRule, message: string): string {
  const minutes = Math.round(rule.windowMs / 60_000);
  return minutes === 15 ? message : message.replace('15 minutes', `${minutes} minute${minutes === 1 ? '' : 's'}`);
}

/** Checks a handle-or-email and password; see SignInResult for the outcomes. */
export async function attemptSignIn(app: AppContext, props: SignInProps): Promise<SignInResult> {
  const accountRule = props.accountRule ?? SIGNIN_ACCOUNT_RULE;
  const addressRule = props.addressRule ?? SIGNIN_ADDRESS_RULE;
  const parsedLogin = loginSchema.safeParse(props.login);
  const password = typeof props.password === 'string' ? props.password : '';
  if (!parsedLogin.success || password.length === 0 || password.length > 1000) {
    return { ok: false, reason: 'bad-credentials', message: BAD_CREDENTIALS_MESSAGE };
  }
  const login = parsedLogin.data;
  const user = app.db
    .select()
    .from(users)
    .where(or(eq(users.handle, login), eq(users.email, login)))
    .get();

  const accountKey = user ? signInAccountKey(user.id) : signInUnknownLoginKey(login);
  const addressKey = signInAddressKey(props.address || 'unknown');
  // Reserve before verifying: parallel guesses are counted before any of them learns the answer.
  if (!reserveAttempt(app, accountKey, accountRule)) {
    return { ok: false, reason: 'rate-limited', message: minutesText(accountRule, ACCOUNT_LIMITED_MESSAGE) };
  }
  if (!reserveAttempt(app, addressKey, addressRule)) {
    releaseAttempt(app, accountKey);
    return { ok: false, reason: 'rate-limited', message: minutesText(addressRule, ADDRESS_LIMITED_MESSAGE) };
  }

  const matches =
    user?.passwordHash != null
      ? await verifyPassword(user.passwordHash, password)
      : await verifyAgainstNothing(password);
  if (!user || !matches) return { ok: false, reason: 'bad-credentials', message: BAD_CREDENTIALS_MESSAGE };

  // The right password: not a failure, on either counter.
  clearRateLimit(app, accountKey);
  releaseAttempt(app, addressKey);
  // Said only after the right password, so that "disabled" does not reveal which accounts exist.
  if (user.disabledAt) return { ok: false, reason: 'disabled', message: DISABLED_MESSAGE };
  return {
    ok: true,
    user: { id: user.id, handle: user.handle, name: user.name, role: user.role, email: user.email },
  };
}
