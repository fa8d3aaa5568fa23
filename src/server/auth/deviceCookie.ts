/**
 * Device cookies (OWASP "Slow down online guessing attacks with device cookies"): a browser that signed in to an
 * account successfully keeps a signed cookie naming that account. Sign-ins from it have their own allowance of
 * failures, so someone guessing from elsewhere — who can lock out only the browsers that never signed in — cannot
 * keep the owner out. The cookie is `userId.nonce.mac`, the MAC an HMAC-SHA256 under a key derived from the instance
 * key; nothing is stored, and a cookie that fails too often is locked by its nonce.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { sealingKey } from '../github/secretBox.ts';
import { authCookieOptions, hostCookieName } from './sessions.ts';

export const DEVICE_COOKIE = 'potluck_device';
/** A year: a student's own laptop stays trusted across terms. */
export const DEVICE_COOKIE_MAX_AGE_S = 365 * 24 * 60 * 60;

const keys = new WeakMap<AppContext, Buffer>();

function macKey(app: AppContext): Buffer {
  let key = keys.get(app);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', sealingKey(app.config), 'potluck', 'device-cookie/v1', 32));
    keys.set(app, key);
  }
  return key;
}

function mac(app: AppContext, userId: string, nonce: string): string {
  return createHmac('sha256', macKey(app)).update(`device/v1:${userId}:${nonce}`).digest('base64url');
}

/** What a valid device cookie says: the account it signed in to, and its own nonce (its lockout counter's name). */
export interface DeviceClaim {
  userId: string;
  nonce: string;
}

/** A new device cookie value for an account. */
export function issueDeviceCookie(app: AppContext, userId: string): string {
  const nonce = randomBytes(16).toString('base64url');
  return `${userId}.${nonce}.${mac(app, userId, nonce)}`;
}

/** The claim of a device cookie whose MAC is right; null for a missing, altered or foreign one. */
export function readDeviceCookie(app: AppContext, value: string | undefined | null): DeviceClaim | null {
  if (!value || value.length > 300) return null;
  const parts = value.split('.');
  if (parts.length !== 3) return null;
  const [userId, nonce, given] = parts;
  if (!userId || !nonce || !given) return null;
  const expected = Buffer.from(mac(app, userId, nonce));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  return { userId, nonce };
}

/** The device cookie's name on this site (`__Host-` on https). */
export function deviceCookieName(app: AppContext): string {
  return hostCookieName(app, DEVICE_COOKIE);
}

/** Cookie attributes of the device cookie. */
export function deviceCookieOptions(app: AppContext) {
  return authCookieOptions(app, DEVICE_COOKIE_MAX_AGE_S);
}
