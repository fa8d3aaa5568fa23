/**
 * Sessions, after lucia-auth.com's current guide: the cookie holds a random 160-bit token, the database holds only
 * its SHA-256. Sliding expiry (30 days, renewed when less than 15 remain) and an absolute maximum age (90 days).
 * The lucia v3 package is not used: it stores the session id itself and is deprecated by its author in favour of
 * this guide, implemented here with @oslojs/crypto and @oslojs/encoding.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { sessions, users, type Role } from '../db/schema.ts';

export const SESSION_COOKIE = 'potluck_session';
/** The session cookie's name on an https site: the browser then insists on Secure, Path=/ and no Domain. */
export const HOST_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
/** Both names, for code that only asks whether a request carries a session cookie at all. */
export const SESSION_COOKIE_NAMES = [SESSION_COOKIE, HOST_SESSION_COOKIE] as const;
/** How often a session's "last used" is written: at most once a minute, not on every request. */
export const LAST_USED_GRANULARITY_MS = 60 * 1000;
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
  /** When the person last entered their password (and code) on this session: admin actions want it recent. */
  reauthenticatedAt: Date | null;
}

/**
 * A cookie's name on this site: with an https site URL the `__Host-` prefix (a sibling subdomain or a plain-http
 * page on the same host cannot set or overwrite it); with http the plain name, which browsers would refuse otherwise.
 */
export function hostCookieName(app: AppContext, name: string): string {
  return app.config.secureCookies ? `__Host-${name}` : name;
}

/** The session cookie's name on this site. */
export function sessionCookieName(app: AppContext): string {
  return hostCookieName(app, SESSION_COOKIE);
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
    lastUsedAt: now,
    // A session starts with a sign-in: the password (and code) were just checked.
    reauthenticatedAt: now,
  };
  app.db.insert(sessions).values(session).run();
  return { id: session.id, expiresAt: session.expiresAt, createdAt: session.createdAt, reauthenticatedAt: now };
}

/** Looks a token up; expired sessions, sessions past their maximum age and disabled accounts are refused. */
export function validateSessionToken(app: AppContext, token: string): SessionValidation {
  const id = sessionIdFromToken(token);
  // Every signed-in request asks this: built once per database (db/prepared.ts). Two lookups by primary key, the
  // session and then its account: SQLite answers the two in about a third of the time it takes over the join.
  const session = prepared(app.db, 'sessions.validate', (db) =>
    db
      .select({
        id: sessions.id,
        userId: sessions.userId,
        expiresAt: sessions.expiresAt,
        createdAt: sessions.createdAt,
        lastUsedAt: sessions.lastUsedAt,
        reauthenticatedAt: sessions.reauthenticatedAt,
      })
      .from(sessions)
      .where(eq(sessions.id, sql.placeholder('id')))
      .prepare(),
  ).get({ id });
  const user = session
    ? prepared(app.db, 'sessions.account', (db) =>
        db
          .select({ id: users.id, handle: users.handle, name: users.name, role: users.role, email: users.email })
          .from(users)
          .where(and(eq(users.id, sql.placeholder('user')), isNull(users.disabledAt)))
          .prepare(),
      ).get({ user: session.userId })
    : undefined;
  if (!session || !user) return { session: null, user: null, renewed: false };
  const now = app.now().getTime();
  if (now >= session.expiresAt.getTime() || now >= session.createdAt.getTime() + SESSION_MAX_AGE_MS) {
    app.db.delete(sessions).where(eq(sessions.id, id)).run();
    return { session: null, user: null, renewed: false };
  }
  let expiresAt = session.expiresAt;
  let renewed = false;
  const changes: { expiresAt?: Date; lastUsedAt?: Date } = {};
  if (session.expiresAt.getTime() - now < SESSION_RENEW_MS) {
    expiresAt = new Date(Math.min(now + SESSION_IDLE_MS, session.createdAt.getTime() + SESSION_MAX_AGE_MS));
    changes.expiresAt = expiresAt;
    renewed = true;
  }
  // Written at most once a minute, so that reading pages does not turn into a write per request.
  if (!session.lastUsedAt || now - session.lastUsedAt.getTime() >= LAST_USED_GRANULARITY_MS) changes.lastUsedAt = new Date(now);
  if (changes.expiresAt || changes.lastUsedAt) app.db.update(sessions).set(changes).where(eq(sessions.id, id)).run();
  return {
    session: { id: session.id, expiresAt, createdAt: session.createdAt, reauthenticatedAt: session.reauthenticatedAt },
    user,
    renewed,
  };
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

/** One of a person's sessions, as the sessions list shows it. */
export interface SessionListing {
  /** A reference to the session for "sign out this one": derived from its id, so the id itself never reaches a page. */
  ref: string;
  userAgent: string;
  createdAt: Date;
  lastUsedAt: Date;
  current: boolean;
}

/** The public reference of a stored session id. */
export function sessionRef(sessionId: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(`session-ref:${sessionId}`))).slice(0, 32);
}

/** A person's unexpired sessions, the one in use first, then the most recently used. */
export function listUserSessions(app: AppContext, userId: string, currentSessionId: string | null): SessionListing[] {
  const now = app.now().getTime();
  return app.db
    .select()
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .all()
    .filter((s) => s.expiresAt.getTime() > now && s.createdAt.getTime() + SESSION_MAX_AGE_MS > now)
    .map((s) => ({
      ref: sessionRef(s.id),
      userAgent: s.userAgent,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt ?? s.createdAt,
      current: s.id === currentSessionId,
      id: s.id,
    }))
    .sort((a, b) => Number(b.current) - Number(a.current) || b.lastUsedAt.getTime() - a.lastUsedAt.getTime())
    .map(({ id: _id, ...listing }) => listing);
}

/** The stored id of a person's session named by its public reference, or null. */
export function sessionIdForRef(app: AppContext, userId: string, ref: string): string | null {
  const rows = app.db.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId)).all();
  return rows.find((r) => sessionRef(r.id) === ref)?.id ?? null;
}

/** Cookie attributes for short-lived sign-in cookies (the device cookie, the half-finished sign-in). */
export function authCookieOptions(app: AppContext, maxAgeSeconds: number) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: app.config.secureCookies, path: '/', maxAge: maxAgeSeconds };
}
