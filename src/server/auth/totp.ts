/**
 * Time-based one-time codes (TOTP, RFC 6238): HMAC-SHA1, 6 digits, 30-second steps, as every authenticator app
 * expects. Computed with @oslojs/otp's HOTP on a step taken from the app's clock (its own TOTP helpers read
 * Date.now(), which tests cannot move). A code is accepted one step early or late (a phone's clock drifts), and
 * only for a step later than the last accepted one, so a code seen over someone's shoulder cannot be used again.
 */
import { generateHOTP, verifyHOTP } from '@oslojs/otp';
import { encodeBase32UpperCaseNoPadding } from '@oslojs/encoding';
import { randomBytes } from 'node:crypto';

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now. */
export const TOTP_WINDOW = 1;

/** A new random 160-bit TOTP key (RFC 4226's recommended length). */
export function newTotpKey(): Uint8Array {
  return new Uint8Array(randomBytes(20));
}

/** The 30-second step that `now` falls in. */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / (TOTP_STEP_SECONDS * 1000));
}

/** The code for one step (tests and the set-up page's self-check use it). */
export function totpCode(key: Uint8Array, step: number): string {
  return generateHOTP(key, BigInt(step), TOTP_DIGITS);
}

/** Digits only: people type "123 456" or paste "123-456". */
export function normalizeTotpInput(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/**
 * The step a typed code belongs to, within the window around `now` and after `lastStep`; null when it matches none
 * (wrong, too old, or already used).
 */
export function matchTotp(key: Uint8Array, code: string, now: Date, lastStep: number): number | null {
  const typed = normalizeTotpInput(code);
  if (!/^\d{6}$/.test(typed)) return null;
  const current = totpStep(now);
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    if (step > lastStep && verifyHOTP(key, BigInt(step), TOTP_DIGITS, typed)) return step;
  }
  return null;
}

/** The key as authenticator apps take it when typed in: base32, upper case, in groups of four. */
export function totpKeyText(key: Uint8Array): string {
  return encodeBase32UpperCaseNoPadding(key).replace(/(.{4})(?=.)/g, '$1 ');
}

/** The otpauth:// address a QR code carries (issuer "Potluck" and the site's host, account the handle). */
export function totpKeyUri(issuer: string, account: string, key: Uint8Array): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({
    secret: encodeBase32UpperCaseNoPadding(key),
    issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_SECONDS),
  });
  return `otpauth://totp/${label}?${params}`;
}

/**
 * The QR code of an otpauth:// address as an SVG made here (nothing is loaded from another site). The QR library is
 * loaded on first use: the middleware imports this module, and only the two-factor setup page draws a code.
 */
export async function totpQrSvg(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
