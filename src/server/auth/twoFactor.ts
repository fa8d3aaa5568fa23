/**
 * Two-factor sign-in state: the sealed TOTP key, the one-time recovery codes, whether the school requires it, and
 * checking a second-step code. The key is sealed like GitHub tokens (AES-256-GCM with the instance key, bound to the
 * account), so a copy of the database alone does not give anyone the codes.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { and, eq, isNull, lt } from 'drizzle-orm';
import { randomInt } from 'node:crypto';
import type { Role } from '../db/schema.ts';
import { recoveryCodes, twoFactor, users, type TwoFactor } from '../db/schema.ts';
import { recordAudit } from '../audit/auditLog.ts';
import type { AppContext } from '../context.ts';
import { inTransaction } from '../db/tx.ts';
import { open, seal, sealingKey } from '../github/secretBox.ts';
import { getPolicy } from '../policy.ts';
import { matchTotp } from './totp.ts';

export const RECOVERY_CODE_COUNT = 10;

function sealContext(userId: string): string {
  return `two-factor:${userId}`;
}

/** Seals a TOTP key for an account. */
export function sealTotpKey(app: AppContext, userId: string, key: Uint8Array): string {
  return seal(sealingKey(app.config), encodeBase32UpperCaseNoPadding(key), sealContext(userId));
}

/** Opens an account's sealed TOTP key; null when the instance key changed (the person sets two-factor up again). */
export function openTotpKey(app: AppContext, row: TwoFactor): Uint8Array | null {
  const text = open(sealingKey(app.config), row.sealedSecret, sealContext(row.userId));
  return text ? decodeBase32IgnorePadding(text) : null;
}

/** The account's two-factor row (confirmed or still being set up), if any. */
export function twoFactorRow(app: AppContext, userId: string): TwoFactor | undefined {
  return app.db.select().from(twoFactor).where(eq(twoFactor.userId, userId)).get();
}

/** Whether the account has two-factor sign-in turned on (confirmed by a first code). */
export function hasTwoFactor(app: AppContext, userId: string): boolean {
  return twoFactorRow(app, userId)?.enabledAt != null;
}

/** Whether the school requires two-factor sign-in of this role (staff, when the policy switch is on). */
export function twoFactorRequired(app: AppContext, role: Role): boolean {
  return role !== 'student' && getPolicy(app).staffTwoFactor;
}

/** Whether this person must set two-factor up before doing anything else. */
export function mustSetUpTwoFactor(app: AppContext, user: { id: string; role: Role }): boolean {
  return twoFactorRequired(app, user.role) && !hasTwoFactor(app, user.id);
}

/** Lower case, no spaces or dashes: "K7QM2-XW9PD" and "k7qm2xw9pd" are the same code. */
export function normalizeRecoveryCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

/** The stored form of a recovery code. */
export function hashRecoveryCode(code: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(`recovery/v1:${normalizeRecoveryCode(code)}`)));
}

/** Ten new recovery codes, `xxxxx-xxxxx` from an alphabet without look-alikes (about 49 bits each, every letter equally likely). */
export function newRecoveryCodes(): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Replaces an account's recovery codes with new ones (inside the caller's transaction); returns them, shown once. */
export function storeNewRecoveryCodes(app: AppContext, userId: string): string[] {
  const codes = newRecoveryCodes();
  app.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
  for (const code of codes) {
    app.db.insert(recoveryCodes).values({ id: app.newId(), userId, codeHash: hashRecoveryCode(code), createdAt: app.now() }).run();
  }
  return codes;
}

/** How many unused recovery codes an account has left. */
export function recoveryCodesLeft(app: AppContext, userId: string): number {
  return app.db
    .select({ id: recoveryCodes.id })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .all().length;
}

/**
 * Checks a second-step code for an account with two-factor on: a TOTP code (within ±1 step, never one already
 * used) or an unused recovery code, which is then spent (and the audit log says so). Says which, or null.
 */
export function useSecondFactor(app: AppContext, userId: string, code: string, address?: string): 'totp' | 'recovery' | null {
  return inTransaction(app, () => {
    const row = twoFactorRow(app, userId);
    if (!row?.enabledAt) return null;
    const key = openTotpKey(app, row);
    const step = key ? matchTotp(key, code, app.now(), row.lastStep) : null;
    if (step !== null) {
      // Guarded by the old step too: two requests racing with the same code cannot both pass.
      const updated = app.db
        .update(twoFactor)
        .set({ lastStep: step })
        .where(and(eq(twoFactor.userId, userId), lt(twoFactor.lastStep, step)))
        .run();
      return updated.changes === 1 ? 'totp' : null;
    }
    const normalized = normalizeRecoveryCode(code);
    if (!/^[a-z0-9]{10}$/.test(normalized)) return null;
    const spent = app.db
      .update(recoveryCodes)
      .set({ usedAt: app.now() })
      .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashRecoveryCode(normalized)), isNull(recoveryCodes.usedAt)))
      .run();
    if (spent.changes !== 1) return null;
    const who = app.db.select({ id: users.id, handle: users.handle }).from(users).where(eq(users.id, userId)).get();
    recordAudit(app, {
      action: '2fa.recovery_used',
      actor: who ?? null,
      subject: { type: 'user', id: userId },
      subjectUser: who ?? null,
      address: address ?? null,
      details: { left: recoveryCodesLeft(app, userId) },
    });
    return 'recovery';
  });
}

// What a person who must set two-factor up may still open: the set-up page, signing out, and the site's assets.
const SETUP_ALLOWED = ['/account/two-factor', '/signout', '/_astro/', '/styles/', '/favicon'];

/**
 * Whether a signed-in request must go to the two-factor set-up instead (the school requires it of staff and this
 * person has none yet, e.g. because the policy was switched on after they signed in).
 */
export function mustGoToTwoFactorSetup(app: AppContext, user: { id: string; role: Role }, pathname: string): boolean {
  if (user.role === 'student' || SETUP_ALLOWED.some((p) => pathname === p || pathname.startsWith(p))) return false;
  return mustSetUpTwoFactor(app, user);
}
