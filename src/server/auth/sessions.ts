/**
 * Sessions, after lucia-auth.com's current guide: the cookie holds a random 160-bit token, the database holds only
 * its SHA-256. Sliding expiry (30 days, renewed when less than 15 remain) and an absolute maximum age (90 days).
 * The lucia v3 package is not used: it stores the session id itself and is deprecated by its author in favour of
 * this guide, implemented here with @oslojs/crypto and @oslojs/encoding.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { and, eq, isNull, ne } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { sessions, users, type Role } from '../db/schema.ts';

export const SESSION_COOKIE = 'potluck_session';
const DAY = 24 * 60 * 60 * 1000;
export const SESSION_IDLE_MS = 30 * DAY;
export const SESSION_RENEW_MS = 15 * DAY;
export const SESSION_MAX_AGE_MS = 90 * DAY;

export interface SessionUser {
  id: string;
  handle: string;
  name: string;
  role: Role;
  email: string | null;
}

export interface SessionInfo {
  id: string;
  expiresAt: Date;
  createdAt: Date;
}

export type SessionValidation =
  | { session: SessionInfo; user: SessionUser; renewed: boolean }
  | { session: null; user: null; renewed: false };

/** A new random token for a cookie: 20 bytes (160 bits), base32. */
export function generateSessionToken(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(20));
}

/** The id under which a token's session is stored. */
export function sessionIdFromToken(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/** Stores a new session for a user and returns it; the caller sets the cookie with the token. */
export function createSession(app: AppContext, token: string, userId: string, userAgent = ''): SessionInfo {
  const now = app.now();
  const session = {
    id: sessionIdFromToken(token),
    userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + SESSION_IDLE_MS),
    userAgent: userAgent.slice(0, 200),
  };
  app.db.insert(sessions).values(session).run();
  return { id: session.id, expiresAt: session.expiresAt, createdAt: session.createdAt };
}

/** Looks a token up; expired sessions, sessions past their maximum age and disabled accounts are refused. */
export function validateSessionToken(app: AppContext, token: string): SessionValidation {
  const id = sessionIdFromToken(token);
  const row = app.db
    .select({
      id: sessions.id,
      expiresAt: sessions.expiresAt,
      createdAt: sessions.createdAt,
      user: { id: users.id, handle: users.handle, name: users.name, role: users.role, email: users.email },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), isNull(users.disabledAt)))
    .get();
  if (!row) return { session: null, user: null, renewed: false };
  const now = app.now().getTime();
  if (now >= row.expiresAt.getTime() || now >= row.createdAt.getTime() + SESSION_MAX_AGE_MS) {
    app.db.delete(sessions).where(eq(sessions.id, id)).run();
    return { session: null, user: null, renewed: false };
  }
  let expiresAt = row.expiresAt;
  let renewed = false;
  if (row.expiresAt.getTime() - now < SESSION_RENEW_MS) {
    expiresAt = new Date(Math.min(now + SESSION_IDLE_MS, row.createdAt.getTime() + SESSION_MAX_AGE_MS));
    app.db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id)).run();
    renewed = true;
  }
  return { session: { id: row.id, expiresAt, createdAt: row.createdAt }, user: row.user, renewed };
}

/** Ends one session. */
export function invalidateSession(app: AppContext, sessionId: string): void {
  app.db.delete(sessions).where(eq(sessions.id, sessionId)).run();
}

/** Ends every session of a user, or every one but `exceptSessionId`. */
export function invalidateUserSessions(app: AppContext, userId: string, exceptSessionId?: string): number {
  const where = exceptSessionId
    ? and(eq(sessions.userId, userId), ne(sessions.id, exceptSessionId))
    : eq(sessions.userId, userId);
  return app.db.delete(sessions).where(where).run().changes;
}

/** Cookie attributes: HttpOnly, SameSite=Lax, Secure when the site is served over HTTPS. */
export function sessionCookieOptions(app: AppContext, expiresAt: Date) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: app.config.secureCookies,
    path: '/',
    expires: expiresAt,
  };
}
