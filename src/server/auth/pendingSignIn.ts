/**
 * The half-finished sign-in between a right password and the second step (a two-factor code, or setting two-factor
 * up when the school requires it). It is not a session: its cookie is read only by the second-step pages, it lasts
 * ten minutes and allows five codes, and only the token's SHA-256 is stored.
 */
import { and, eq, lt } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { pendingSignIns, type PendingSignIn } from '../db/schema.ts';
import { authCookieOptions, generateSessionToken, hostCookieName, sessionIdFromToken } from './sessions.ts';

export const PENDING_COOKIE = 'potluck_signin';
export const PENDING_TTL_MS = 10 * 60 * 1000;
/** Codes allowed on one half-finished sign-in; after that the password must be entered again. */
export const PENDING_MAX_ATTEMPTS = 5;

/** Stores a half-finished sign-in and returns the token for its cookie. */
export function createPendingSignIn(app: AppContext, userId: string, needs: 'code' | 'enrol', next: string): string {
  const token = generateSessionToken();
  const now = app.now();
  app.db.delete(pendingSignIns).where(lt(pendingSignIns.expiresAt, now)).run();
  app.db
    .insert(pendingSignIns)
    .values({ id: sessionIdFromToken(token), userId, needs, next, createdAt: now, expiresAt: new Date(now.getTime() + PENDING_TTL_MS) })
    .run();
  return token;
}

/** The live half-finished sign-in behind a token, or undefined (unknown, expired or out of attempts). */
export function findPendingSignIn(app: AppContext, token: string | undefined): PendingSignIn | undefined {
  if (!token) return undefined;
  const row = app.db.select().from(pendingSignIns).where(eq(pendingSignIns.id, sessionIdFromToken(token))).get();
  if (!row || row.expiresAt.getTime() <= app.now().getTime() || row.attempts >= PENDING_MAX_ATTEMPTS) return undefined;
  return row;
}

/** Counts one code tried on a half-finished sign-in; false once it has used up its attempts. */
export function countPendingAttempt(app: AppContext, id: string): boolean {
  const row = app.db.select().from(pendingSignIns).where(eq(pendingSignIns.id, id)).get();
  if (!row || row.attempts >= PENDING_MAX_ATTEMPTS) return false;
  app.db
    .update(pendingSignIns)
    .set({ attempts: row.attempts + 1 })
    .where(and(eq(pendingSignIns.id, id), eq(pendingSignIns.attempts, row.attempts)))
    .run();
  return true;
}

/** Ends a half-finished sign-in (finished, or abandoned). */
export function endPendingSignIn(app: AppContext, id: string): void {
  app.db.delete(pendingSignIns).where(eq(pendingSignIns.id, id)).run();
}

/** The cookie's name on this site (`__Host-` on https). */
export function pendingCookieName(app: AppContext): string {
  return hostCookieName(app, PENDING_COOKIE);
}

/** Cookie attributes of the half-finished sign-in. */
export function pendingCookieOptions(app: AppContext) {
  return authCookieOptions(app, PENDING_TTL_MS / 1000);
}
