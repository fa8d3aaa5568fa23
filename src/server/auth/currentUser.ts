/**
 * Helpers for routes: who is signed in, gates for pages that need an account or a role, and starting/ending the
 * session behind the cookie. The middleware has already read the cookie into `locals`.
 */
import type { AstroCookies } from 'astro';
import { and, count, eq, gt, ne } from 'drizzle-orm';
import { authorize } from '../../core/policy.ts';
import { schoolSubject } from '../policyFacts.ts';
import type { AppContext } from '../context.ts';
import { sessions, type Role } from '../db/schema.ts';
import { deviceCookieName, deviceCookieOptions, issueDeviceCookie } from './deviceCookie.ts';
import { pendingCookieName, pendingCookieOptions } from './pendingSignIn.ts';
import {
  SESSION_MAX_AGE_MS,
  createSession,
  generateSessionToken,
  invalidateSession,
  sessionCookieName,
  sessionCookieOptions,
  type SessionInfo,
  type SessionUser,
} from './sessions.ts';

/** What these helpers need from `Astro` (pages) or the APIContext (endpoints). */
export interface RouteContext {
  locals: App.Locals;
  url: URL;
  request: Request;
  cookies: AstroCookies;
}

/** Either the signed-in person, or the response to send instead (a redirect to sign in). */
export type Gate = { user: SessionUser; response?: undefined } | { user: null; response: Response };

/** The sign-in page address that comes back to `url` afterwards. */
export function signInUrl(url: URL): string {
  return `/signin?next=${encodeURIComponent(url.pathname + url.search)}`;
}

/**
 * Pages for signed-in people: `const gate = requireUser(Astro); if (!gate.user) return gate.response;`.
 * Signed out, the response is a 303 to /signin that returns here afterwards.
 */
export function requireUser(ctx: RouteContext): Gate {
  const user = ctx.locals.user;
  if (user) return { user };
  return {
    user: null,
    response: new Response(null, { status: 303, headers: { location: signInUrl(ctx.url), 'cache-control': 'no-store' } }),
  };
}

/**
 * Like requireUser, and a signed-in person the policy does not let in gets a 403 (thrown PotluckError): pages for
 * teachers and admins (`'teacher', 'admin'`) ask it for "teach", admin pages (`'admin'`) for "administer".
 */
export function requireRole(ctx: RouteContext, ...roles: Role[]): Gate {
  // The pages for teachers (and admins) are the policy's "teach"; the admin pages its "administer" (core/policy.ts).
  const action = roles.includes('teacher') ? 'teach' : 'administer';
  const gate = requireUser(ctx);
  if (gate.user) {
    const who = roles.length === 1 ? `${roles[0]}s` : `${roles.slice(0, -1).join('s, ')}s and ${roles.at(-1)}s`;
    authorize(gate.user, action, schoolSubject, `Only ${who} can open this page. If you need it, ask your school's Potluck admin.`);
  }
  return gate;
}

/**
 * Signs a person in on this browser: always a brand-new token (never a reused one), and any session the browser
 * already had is ended, so a token planted before sign-in is worthless after it. The browser also gets a new device
 * cookie for the account (it signed in successfully, so it keeps its own allowance of failures from now on), and
 * any half-finished sign-in cookie goes.
 */
export function startSession(ctx: RouteContext, userId: string): SessionInfo {
  const app = ctx.locals.app;
  if (ctx.locals.session) invalidateSession(app, ctx.locals.session.id);
  const token = generateSessionToken();
  const session = createSession(app, token, userId, ctx.request.headers.get('user-agent') ?? '');
  ctx.cookies.set(sessionCookieName(app), token, sessionCookieOptions(app, session.expiresAt));
  ctx.cookies.set(deviceCookieName(app), issueDeviceCookie(app, userId), deviceCookieOptions(app));
  clearPendingCookie(ctx);
  return session;
}

/** The device cookie this browser sent, if any (sign-in reads it to choose the allowance). */
export function deviceCookieOf(ctx: RouteContext): string | undefined {
  return ctx.cookies.get(deviceCookieName(ctx.locals.app))?.value;
}

/** Puts a half-finished sign-in's token in its cookie (read only by the second-step pages). */
export function setPendingCookie(ctx: RouteContext, token: string): void {
  ctx.cookies.set(pendingCookieName(ctx.locals.app), token, pendingCookieOptions(ctx.locals.app));
}

/** The half-finished sign-in token this browser sent, if any. */
export function pendingCookieOf(ctx: RouteContext): string | undefined {
  return ctx.cookies.get(pendingCookieName(ctx.locals.app))?.value;
}

/** Removes the half-finished sign-in cookie. */
export function clearPendingCookie(ctx: RouteContext): void {
  if (ctx.cookies.get(pendingCookieName(ctx.locals.app))) {
    const { maxAge: _maxAge, ...options } = pendingCookieOptions(ctx.locals.app);
    ctx.cookies.delete(pendingCookieName(ctx.locals.app), options);
  }
}

/** Signs this browser out: the session ends on the server (the old cookie stops working) and the cookie goes. */
export function endSession(ctx: RouteContext): void {
  if (ctx.locals.session) invalidateSession(ctx.locals.app, ctx.locals.session.id);
  const { expires: _expires, ...options } = sessionCookieOptions(ctx.locals.app, new Date(0));
  ctx.cookies.delete(sessionCookieName(ctx.locals.app), options);
  ctx.locals.user = null;
  ctx.locals.session = null;
}

/** How many unexpired sessions a person has, not counting `exceptSessionId` (the one in use). */
export function countActiveSessions(app: AppContext, userId: string, exceptSessionId?: string): number {
  const now = app.now();
  const conditions = [
    eq(sessions.userId, userId),
    gt(sessions.expiresAt, now),
    gt(sessions.createdAt, new Date(now.getTime() - SESSION_MAX_AGE_MS)),
  ];
  if (exceptSessionId) conditions.push(ne(sessions.id, exceptSessionId));
  return app.db.select({ n: count() }).from(sessions).where(and(...conditions)).get()?.n ?? 0;
}
