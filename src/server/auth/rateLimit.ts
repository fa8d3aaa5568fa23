/**
 * Fixed-window counters in the `rate_limits` table. An attempt is reserved (counted) before the slow work it guards
 * — password verification — so that a burst of parallel requests cannot all slip in before the first failure is
 * recorded; a successful attempt gives its reservation back.
 */
import { eq, lt } from 'drizzle-orm';
import { isIPv4, isIPv6 } from 'node:net';
import type { AppContext } from '../context.ts';
import { rateLimits } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';

export interface RateRule {
  /** Attempts allowed in one window. */
  limit: number;
  windowMs: number;
}

const MINUTE = 60 * 1000;

/** Failed sign-ins allowed per account. */
export const SIGNIN_ACCOUNT_RULE: RateRule = { limit: 10, windowMs: 15 * MINUTE };
/** Failed sign-ins allowed per client address (a school behind one NAT shares it, hence higher). */
export const SIGNIN_ADDRESS_RULE: RateRule = { limit: 50, windowMs: 15 * MINUTE };

/**
 * Sign-up attempts that did not make an account, per client address: enough for a class behind one school address
 * that mistypes, too few to test many emails for an account.
 */
export const SIGNUP_ADDRESS_RULE: RateRule = { limit: 60, windowMs: 60 * MINUTE };

export interface RateStatus {
  count: number;
  limited: boolean;
  /** When the current window ends (null when nothing is counted). */
  resetAt: Date | null;
}

function liveRow(app: AppContext, key: string, rule: RateRule) {
  const row = app.db.select().from(rateLimits).where(eq(rateLimits.key, key)).get();
  if (!row) return undefined;
  if (app.now().getTime() - row.windowStart.getTime() >= rule.windowMs) return undefined;
  return row;
}

/** How many attempts the current window has counted for a key, and whether the next one would be refused. */
export function rateLimitStatus(app: AppContext, key: string, rule: RateRule): RateStatus {
  const row = liveRow(app, key, rule);
  if (!row) return { count: 0, limited: false, resetAt: null };
  return {
    count: row.count,
    limited: row.count >= rule.limit,
    resetAt: new Date(row.windowStart.getTime() + rule.windowMs),
  };
}

/** Counts one attempt if the window still allows it; false (and nothing counted) when the limit is reached. */
export function reserveAttempt(app: AppContext, key: string, rule: RateRule): boolean {
  return inTransaction(app, () => {
    const now = app.now();
    const row = liveRow(app, key, rule);
    if (!row) {
      // A new window: a good moment to forget windows that ended long ago, so the table stays small.
      app.db
        .delete(rateLimits)
        .where(lt(rateLimits.windowStart, new Date(now.getTime() - 24 * 60 * MINUTE)))
        .run();
      app.db
        .insert(rateLimits)
        .values({ key, count: 1, windowStart: now })
        .onConflictDoUpdate({ target: rateLimits.key, set: { count: 1, windowStart: now } })
        .run();
      return true;
    }
    if (row.count >= rule.limit) return false;
    app.db.update(rateLimits).set({ count: row.count + 1 }).where(eq(rateLimits.key, key)).run();
    return true;
  });
}

/** Gives back one reserved attempt (the attempt succeeded, so it was not a failure). */
export function releaseAttempt(app: AppContext, key: string): void {
  inTransaction(app, () => {
    const row = app.db.select().from(rateLimits).where(eq(rateLimits.key, key)).get();
    if (!row) return;
    if (row.count <= 1) app.db.delete(rateLimits).where(eq(rateLimits.key, key)).run();
    else app.db.update(rateLimits).set({ count: row.count - 1 }).where(eq(rateLimits.key, key)).run();
  });
}

/** Forgets every attempt counted for a key. */
export function clearRateLimit(app: AppContext, key: string): void {
  app.db.delete(rateLimits).where(eq(rateLimits.key, key)).run();
}

/** The counter key for sign-ins to one account (by user id, so handle and email share it). */
export function signInAccountKey(userId: string): string {
  return `signin:account:${userId}`;
}

/** The counter key for sign-ins naming a login that matches no account (kept apart from real accounts). */
export function signInUnknownLoginKey(login: string): string {
  return `signin:login:${login}`;
}

/** The counter key for sign-ups from one client address. */
export function signUpAddressKey(address: string): string {
  return `signup:address:${addressBucket(address)}`;
}

/** The counter key for sign-ins from one client address. */
export function signInAddressKey(address: string): string {
  return `signin:address:${addressBucket(address)}`;
}

/**
 * The unit an address is counted in: an IPv4 address (IPv4-mapped IPv6 included) as itself, an IPv6 address by its
 * /64 — one device or home network usually holds a whole /64, so counting single IPv6 addresses would be no limit.
 */
export function addressBucket(address: string): string {
  const plain = address.trim().toLowerCase().replace(/%.*$/, '');
  const mapped = plain.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(plain) || !isIPv6(plain)) return plain;
  const [head, tail] = plain.includes('::') ? plain.split('::') : [plain, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::a.b.c.d) counts as two groups; only the first four groups matter here.
  const tailGroups = tailParts.flatMap((p) => (p.includes('.') ? ['0', '0'] : [p]));
  const missing = tail === undefined ? 0 : 8 - headParts.length - tailGroups.length;
  const groups = [...headParts, ...Array<string>(Math.max(missing, 0)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** Failed sign-ins allowed from one trusted browser (a valid device cookie for the account). */
export const SIGNIN_DEVICE_RULE: RateRule = { limit: 10, windowMs: 15 * MINUTE };

/** The counter key for sign-ins from browsers without a device cookie for the account ("untrusted devices"). */
export function signInUntrustedKey(userId: string): string {
  return `signin:untrusted:${userId}`;
}

/** The counter key for one device cookie (its nonce): a trusted browser that fails too often is locked by itself. */
export function signInDeviceKey(nonce: string): string {
  return `signin:device:${nonce}`;
}

/** The counter key for second-step (two-factor) codes of one account. */
export function signInCodeKey(userId: string): string {
  return `signin:code:${userId}`;
}
