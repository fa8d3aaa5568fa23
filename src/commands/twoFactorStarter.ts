/**
 * Starting two-factor set-up: a new TOTP key, sealed and stored unconfirmed, shown as a base32 key, an otpauth://
 * address and a QR code made on this server. Nothing changes for sign-in until a first code confirms it
 * (twoFactorEnabler.ts). Opening the set-up page again shows the same key, so a reload does not break a scan.
 */
import { eq } from 'drizzle-orm';
import { PotluckError } from '../core/errors.ts';
import { openTotpKey, sealTotpKey, twoFactorRow } from '../server/auth/twoFactor.ts';
import { newTotpKey, totpKeyText, totpKeyUri, totpQrSvg } from '../server/auth/totp.ts';
import type { AppContext } from '../server/context.ts';
import { twoFactor } from '../server/db/schema.ts';

/** What the set-up page shows. */
export interface TwoFactorSetup {
  keyText: string;
  uri: string;
  qrSvg: string;
}

/** The issuer name authenticator apps show: Potluck and this site's host. */
export function totpIssuer(app: AppContext): string {
  return `Potluck ${new URL(app.config.siteUrl).host}`;
}

/** Gives the person a key to add to their authenticator app (the same one until it is confirmed). */
export async function startTwoFactorSetup(app: AppContext, user: { id: string; handle: string }): Promise<TwoFactorSetup> {
  const row = twoFactorRow(app, user.id);
  if (row?.enabledAt) throw new PotluckError('CONFLICT', 'Two-factor sign-in is already on for your account.');
  let key = row ? openTotpKey(app, row) : null;
  if (!key) {
    key = newTotpKey();
    const sealedSecret = sealTotpKey(app, user.id, key);
    if (row) app.db.update(twoFactor).set({ sealedSecret, lastStep: 0 }).where(eq(twoFactor.userId, user.id)).run();
    else app.db.insert(twoFactor).values({ userId: user.id, sealedSecret, createdAt: app.now() }).run();
  }
  const uri = totpKeyUri(totpIssuer(app), user.handle, key);
  return { keyText: totpKeyText(key), uri, qrSvg: await totpQrSvg(uri) };
}
