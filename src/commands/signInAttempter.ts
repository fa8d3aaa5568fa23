/**
 * One sign-in attempt: handle or email + password. The outcome is a value, not an exception — a wrong password is
 * an expected event. Creating the session is the caller's job (the page owns the cookies).
 *
 * Throttling follows OWASP's device-cookie scheme, so that guessing cannot be used to keep someone out: a browser
 * holding a valid device cookie for the account (it signed in successfully before) has its own allowance of
 * failures, counted by that cookie; every other browser shares the account's "untrusted devices" allowance and the
 * per-address one. An attacker who fails 10 times locks out only browsers that never signed in to the account.
 *
 * With two-factor sign-in on (or required by the school and not yet set up), a right password does not sign in: it
 * starts a half-finished sign-in whose token the page puts in a cookie for the second step.
 */
import { eq, or } from 'drizzle-orm';
import { landingPath, loginSchema, safeNextPath } from '../core/accounts.ts';
import type { AppContext } from '../server/context.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { readDeviceCookie } from '../server/auth/deviceCookie.ts';
import { verifyAgainstNothing, verifyPassword } from '../server/auth/passwords.ts';
import { createPendingSignIn } from '../server/auth/pendingSignIn.ts';
import {
  SIGNIN_ACCOUNT_RULE,
  SIGNIN_ADDRESS_RULE,
  SIGNIN_DEVICE_RULE,
  clearRateLimit,
  rateLimitStatus,
  releaseAttempt,
  reserveAttempt,
  signInAddressKey,
  signInDeviceKey,
  signInUnknownLoginKey,
  signInUntrustedKey,
  type RateRule,
} from '../server/auth/rateLimit.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import { hasTwoFactor, twoFactorRequired } from '../server/auth/twoFactor.ts';
import { users } from '../server/db/schema.ts';

export type SignInFailure = 'bad-credentials' | 'rate-limited' | 'disabled';

/**
 * `step: 'done'`: signed in (start the session). `step: 'code'`: ask for the two-factor code; `step: 'enrol'`: the
 * school requires two-factor and it is not set up yet — both with a token for the half-finished sign-in's cookie.
 */
export type SignInResult =
  | { ok: true; step: 'done'; user: SessionUser }
  | { ok: true; step: 'code' | 'enrol'; user: SessionUser; pendingToken: string }
  | { ok: false; reason: SignInFailure; message: string };

export interface SignInProps {
  /** Handle or email, as typed. */
  login: string;
  password: string;
  /** The client's IP address. */
  address: string;
  /** The browser's device cookie, if it sent one. */
  deviceCookie?: string | null;
  /** Where to go afterwards (kept through the second step). */
  next?: string;
  /** Overrides for the throttling rules (tests, instance policy): untrusted browsers, one trusted browser, an address. */
  accountRule?: RateRule;
  deviceRule?: RateRule;
  addressRule?: RateRule;
}

export const BAD_CREDENTIALS_MESSAGE =
  'That handle or email and password do not match an account. Check both and try again.';
export const ACCOUNT_LIMITED_MESSAGE =
  'Too many sign-in attempts for this account from browsers it has not signed in on before. Wait 15 minutes and try again, sign in on a device you have used before, or ask your teacher to reset your password.';
export const DEVICE_LIMITED_MESSAGE =
  'Too many wrong passwords from this browser. Wait 15 minutes and try again, or ask your teacher to reset your password.';
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
  const addressRule = props.addressRule ?? SIGNIN_ADDRESS_RULE;
  const parsedLogin = loginSchema.safeParse(props.login);
  const password = typeof props.password === 'string' ? props.password : '';
  if (!parsedLogin.success || password.length === 0 || password.length > 1000) {
    return { ok: false, reason: 'bad-credentials', message: BAD_CREDENTIALS_MESSAGE };
  }
  const login = parsedLogin.data;
  const address = props.address || 'unknown';
  const user = app.db
    .select()
    .from(users)
    .where(or(eq(users.handle, login), eq(users.email, login)))
    .get();

  const device = user ? readDeviceCookie(app, props.deviceCookie) : null;
  const trusted = user !== undefined && device !== null && device.userId === user.id;
  const accountRule = trusted ? (props.deviceRule ?? SIGNIN_DEVICE_RULE) : (props.accountRule ?? SIGNIN_ACCOUNT_RULE);
  const accountKey = !user
    ? signInUnknownLoginKey(login)
    : trusted
      ? signInDeviceKey(device.nonce)
      : signInUntrustedKey(user.id);
  const addressKey = signInAddressKey(address);
  const subjectUser = user ? { id: user.id, handle: user.handle } : null;

  // Reserve before verifying: parallel guesses are counted before any of them learns the answer.
  if (!reserveAttempt(app, accountKey, accountRule)) {
    return { ok: false, reason: 'rate-limited', message: minutesText(accountRule, trusted ? DEVICE_LIMITED_MESSAGE : ACCOUNT_LIMITED_MESSAGE) };
  }
  // A trusted browser keeps its own allowance: failures from its network (a school NAT shared with someone
  // guessing) do not stop it.
  if (!trusted && !reserveAttempt(app, addressKey, addressRule)) {
    releaseAttempt(app, accountKey);
    return { ok: false, reason: 'rate-limited', message: minutesText(addressRule, ADDRESS_LIMITED_MESSAGE) };
  }

  const matches =
    user?.passwordHash != null
      ? await verifyPassword(user.passwordHash, password)
      : await verifyAgainstNothing(password);
  if (!user || !matches) {
    recordAudit(app, {
      action: 'signin.failed',
      outcome: 'failed',
      subject: { type: 'user', id: user?.id ?? null },
      subjectUser,
      address,
      details: { trustedDevice: trusted },
    });
    // The failure that uses up an allowance is the moment the lock starts: recorded once, not on every refusal.
    if (user && rateLimitStatus(app, accountKey, accountRule).limited) {
      recordAudit(app, {
        action: 'signin.locked',
        outcome: 'refused',
        subject: { type: 'user', id: user.id },
        subjectUser,
        address,
        details: { scope: trusted ? 'one trusted browser' : 'untrusted browsers', minutes: Math.round(accountRule.windowMs / 60_000) },
      });
    }
    return { ok: false, reason: 'bad-credentials', message: BAD_CREDENTIALS_MESSAGE };
  }

  // The right password: not a failure, on either counter.
  clearRateLimit(app, accountKey);
  if (!trusted) releaseAttempt(app, addressKey);
  // Said only after the right password, so that "disabled" does not reveal which accounts exist.
  if (user.disabledAt) {
    recordAudit(app, { action: 'signin.failed', outcome: 'refused', subject: { type: 'user', id: user.id }, subjectUser, address, details: { disabled: true } });
    return { ok: false, reason: 'disabled', message: DISABLED_MESSAGE };
  }
  const sessionUser: SessionUser = { id: user.id, handle: user.handle, name: user.name, role: user.role, email: user.email };
  const next = safeNextPath(props.next ?? '', landingPath(user.role));
  if (hasTwoFactor(app, user.id)) {
    return { ok: true, step: 'code', user: sessionUser, pendingToken: createPendingSignIn(app, user.id, 'code', next) };
  }
  if (twoFactorRequired(app, user.role)) {
    return { ok: true, step: 'enrol', user: sessionUser, pendingToken: createPendingSignIn(app, user.id, 'enrol', next) };
  }
  recordAudit(app, {
    action: 'signin.succeeded',
    actor: subjectUser,
    subject: { type: 'user', id: user.id },
    subjectUser,
    address,
    details: { trustedDevice: trusted, twoFactor: false },
  });
  return { ok: true, step: 'done', user: sessionUser };
}
