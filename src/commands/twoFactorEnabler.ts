/**
 * Turning two-factor sign-in on: the first code from the person's app proves the key reached it; then the key is
 * confirmed and ten recovery codes are made, stored hashed and returned to be shown once.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { SIGNIN_ACCOUNT_RULE, clearRateLimit, reserveAttempt, signInCodeKey } from '../server/auth/rateLimit.ts';
import { matchTotp } from '../server/auth/totp.ts';
import { verifyOwnCredentials } from '../server/auth/reauth.ts';
import { openTotpKey, storeNewRecoveryCodes, twoFactorRow } from '../server/auth/twoFactor.ts';
import type { AppContext } from '../server/context.ts';
import { twoFactor } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

export const confirmCodeSchema = z.object({
  code: z.string({ error: 'Enter the 6-digit code your app shows.' }).trim().min(1, 'Enter the 6-digit code your app shows.').max(20),
});

/**
 * Turning it on from the account page: the password first, so that someone at a borrowed, still signed-in laptop
 * cannot tie the account to their own phone and lock its owner out. (At sign-in the password was just checked.)
 */
export async function enableTwoFactorWithPassword(
  app: AppContext,
  props: { user: { id: string; handle: string }; password: string; code: string; address?: string },
): Promise<{ recoveryCodes: string[] }> {
  await verifyOwnCredentials(app, props.user.id, { password: props.password, address: props.address });
  return enableTwoFactor(app, props);
}

/** Confirms set-up with a first code; returns the recovery codes (shown once, never again). */
export function enableTwoFactor(
  app: AppContext,
  props: { user: { id: string; handle: string }; code: string; address?: string },
): { recoveryCodes: string[] } {
  const parsed = confirmCodeSchema.safeParse({ code: props.code });
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const row = twoFactorRow(app, props.user.id);
  if (row?.enabledAt) throw new PotluckError('CONFLICT', 'Two-factor sign-in is already on for your account.');
  const key = row ? openTotpKey(app, row) : null;
  if (!row || !key) throw new PotluckError('CONFLICT', 'Start the set-up again: open this page and add the new key to your app.');
  const limitKey = signInCodeKey(props.user.id);
  if (!reserveAttempt(app, limitKey, SIGNIN_ACCOUNT_RULE)) {
    throw new PotluckError('RATE_LIMITED', 'Too many wrong codes. Wait 15 minutes and try again.');
  }
  const step = matchTotp(key, parsed.data.code, app.now(), row.lastStep);
  if (step === null) {
    const message =
      'That code does not match. Check that the app shows "Potluck" with your handle, that your phone’s clock is right, and type the code it shows now.';
    throw new PotluckError('VALIDATION', message, { issues: [{ field: 'code', message }] });
  }
  clearRateLimit(app, limitKey);
  return inTransaction(app, () => {
    app.db.update(twoFactor).set({ enabledAt: app.now(), lastStep: step }).where(eq(twoFactor.userId, props.user.id)).run();
    const recoveryCodes = storeNewRecoveryCodes(app, props.user.id);
    recordAudit(app, {
      action: '2fa.enabled',
      actor: props.user,
      subject: { type: 'user', id: props.user.id },
      subjectUser: props.user,
      address: props.address ?? null,
    });
    return { recoveryCodes };
  });
}
