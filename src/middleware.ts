/**
 * One request, in order: refuse cross-origin writes, read the session cookie into `locals`, run the route, add
 * security headers. Errors from the catalog become pages with their status.
 */
import { defineMiddleware } from 'astro:middleware';
import { PotluckError } from './core/errors.ts';
import {
  sessionCookieName,
  sessionCookieOptions,
  validateSessionToken,
} from './server/auth/sessions.ts';
import { mustGoToTwoFactorSetup } from './server/auth/twoFactor.ts';
import { getAppContext } from './server/context.ts';
import { UNEXPECTED_ERROR, errorResponse, notFoundResponse } from './server/http/errorPage.ts';
import { addSecurityHeaders, isCrossOriginWrite } from './server/http/security.ts';
import { allowedOrigins, siteHostsFor } from './server/http/siteHosts.ts';
import { logger } from './server/logger.ts';
import { recordRefusedAccess } from './server/audit/refusedAccess.ts';
import { requestAddress } from './server/audit/requestAddress.ts';
import { withAuditScope } from './server/audit/scope.ts';
import { isKeepableEdit, keepSignedOutEdit } from './server/http/keptEdits.ts';
import { renderModeOf } from './server/http/renderMode.ts';
import { afterPublicPage, beforePublicPage, isPersonal, publicEtagOf } from './server/http/publicCache.ts';
import { encodeHeadResponse, encodeResponse, encodedEtag, isCompressible, negotiateEncoding, varyOnEncoding } from './server/http/compression.ts';
import { pageKeyOf, sharedPageCache } from './server/http/pageCache.ts';
import { discoveryLinks, linkHeader } from './server/discovery/index.ts';

// Anonymous public pages, rendered once per version of their portfolio (see server/http/pageCache.ts); the server
// front (server/http/frontCache.ts) answers repeat visits from it before the site runs.
const pageCache = sharedPageCache();

export const onRequest = defineMiddleware(async (context, next) => {
  try {
    // Audit events recorded while answering say where the request came from (server/audit/scope.ts).
    const address = requestAddress(context, getAppContext().config.trustedProxies);
    context.locals.address = address ?? '';
    const response = await withAuditScope({ address }, () => handle(context, next));
    return await finish(context, response);
  } catch (error) {
    // Whatever went wrong, the answer is Potluck's own page with every security header, never a stack or an empty
    // body; the details go to the log (one JSON line, secrets redacted).
    if (error instanceof PotluckError) return withHeaders(errorPageFor(error, context.request.method, context.url.pathname), true, false);
    logger.error('Unexpected error while answering a request', { method: context.request.method, path: context.url.pathname + context.url.search, error });
    const page = errorResponse(500, UNEXPECTED_ERROR.title, UNEXPECTED_ERROR.message);
    page.headers.set('cache-control', 'no-store');
    return withHeaders(page, true, false);
  }
});

async function handle(...[context, next]: Parameters<Parameters<typeof defineMiddleware>[0]>): Promise<Response> {
  const app = getAppContext();
  context.locals.app = app;
  context.locals.noindex = false;
  context.locals.user = null;
  context.locals.session = null;
  context.locals.render = renderModeOf(context.request);

  // Compared with the configured origins, never with the request's own Host (which the sender chooses).
  const allowed = allowedOrigins(siteHostsFor(app.config), context.locals.localPort);
  // The Webmention endpoint takes posts from anywhere by design (another site's "send a Webmention" form) and reads
  // no cookie, so there is no session for another site to ride on; the same holds for the Bearer endpoints.
  if (!isWebmentionEndpoint(context.url.pathname) && !BEARER_ENDPOINTS.has(context.url.pathname) && isCrossOriginWrite(context.request, allowed)) {
    recordRefusedAccess(app, { kind: 'access.cross_site', method: context.request.method, path: context.url.pathname });
    return withHeaders(
      errorResponse(
        403,
        'Request refused',
        'This form was sent from another website, so Potluck did not act on it. Open Potluck directly and try again.',
      ),
      context.locals.noindex,
      true,
    );
  }

  // The static export renders as an anonymous visitor, whatever cookie might be around.
  // `__Host-potluck_session` on an https site, `potluck_session` on http (server/auth/sessions.ts).
  const sessionCookie = sessionCookieName(app);
  const token = context.locals.render.static ? undefined : context.cookies.get(sessionCookie)?.value;
  if (token) {
    const result = validateSessionToken(app, token);
    if (result.session) {
      context.locals.user = result.user;
      context.locals.session = result.session;
      if (result.renewed) context.cookies.set(sessionCookie, token, sessionCookieOptions(app, result.session.expiresAt));
    } else {
      const { expires: _expires, ...options } = sessionCookieOptions(app, new Date(0));
      context.cookies.delete(sessionCookie, options);
    }
  }

  // A teacher or admin whose school requires two-factor sign-in and who has not set it up can do nothing else first.
  if (context.locals.user && mustGoToTwoFactorSetup(app, context.locals.user, context.url.pathname)) {
    return withHeaders(context.redirect('/account/two-factor', 303), true, true);
  }

  // Private areas need a signed-in person. Pages then only decide what that person may do.
  if (!context.locals.user && needsSignIn(context.url.pathname)) {
    // A student whose session ended while writing loses nothing: the save or draft is kept for them.
    if (isKeepableEdit(context.request, context.url.pathname)) {
      return withHeaders(await keepSignedOutEdit(context), true, true);
    }
    if (context.url.pathname.startsWith('/api/')) {
      return withHeaders(
        Response.json({ error: { code: 'UNAUTHENTICATED', message: 'Sign in first.' } }, { status: 401 }),
        true,
        false,
      );
    }
    const next = context.url.pathname + context.url.search;
    return withHeaders(context.redirect(`/signin?next=${encodeURIComponent(next)}`, 303), true, false);
  }

  // Guardians read their children's work from /family: the workspace (writing, importing, publishing, joining hubs)
  // and its scripts' endpoints are not theirs. The feedback thread of a child's piece is the one workspace page they
  // may open (it decides, by the school's policy, whether they read it).
  if (context.locals.user?.role === 'guardian' && closedToGuardians(context.url.pathname)) {
    if (context.request.method === 'GET' && (context.url.pathname === '/workspace' || context.url.pathname === '/workspace/')) {
      return withHeaders(context.redirect('/family', 303), true, true);
    }
    recordRefusedAccess(app, { kind: 'access.refused', method: context.request.method, path: context.url.pathname, actor: context.locals.user });
    return withHeaders(errorResponse(403, 'Not allowed', GUARDIAN_REFUSAL), true, true);
  }

  // The static exporter renders each page once: validators and the page cache would only cost it time.
  const live = !context.locals.render.static;
  const notModified = live ? beforePublicPage(context) : null;
  if (notModified) return withHeaders(notModified, false, false);
  const cacheKey = context.request.method === 'GET' ? pageKeyOf(context.url) : '';
  const etag = live ? publicEtagOf(context.request) : null;
  if (etag) {
    const hit = pageCache.get(cacheKey, etag);
    if (hit) {
      const response = withBytes(new Response(hit.body, { status: hit.status, headers: hit.headers }), hit.body);
      response.headers.set('x-potluck-cache', 'hit');
      return response;
    }
  }

  let response: Response;
  try {
    response = await next();
  } catch (error) {
    if (!(error instanceof PotluckError)) throw error;
    response = errorPageFor(error, context.request.method, context.url.pathname);
  }
  // Every page that is not there (Astro's own 404 for an address no route has, too) is the one 404 page. A form that
  // was sent (a POST) keeps its own message: it says what became of what the person asked for, in words written
  // not to tell whether someone else's thing exists.
  if (response.status === 404 && isRead(context.request.method) && (response.headers.get('content-type') ?? '').startsWith('text/html')) {
    response = notFoundResponse(context.url.pathname);
  }
  if (response.status === 403) {
    recordRefusedAccess(app, { kind: 'access.refused', method: context.request.method, path: context.url.pathname, actor: context.locals.user });
  }
  if (live) response = afterPublicPage(context, response);
  if (live && response.status === 200 && (context.request.method === 'GET' || context.request.method === 'HEAD')) {
    const link = linkHeader(discoveryLinks(app, { path: context.url.pathname, static: false }));
    if (link) response.headers.append('link', link);
  }
  response = withHeaders(response, context.locals.noindex, context.locals.user !== null);
  if (etag && response.status === 200 && !response.headers.has('set-cookie')) {
    const body = new Uint8Array(await response.arrayBuffer());
    const entry = { version: etag, status: 200, headers: [...response.headers], body };
    pageCache.set(cacheKey, entry);
    return withBytes(new Response(body, { status: 200, headers: entry.headers }), body);
  }
  return response;
}

// The bytes of a response made from bytes in memory (a page just cached, or taken from the cache), so that `finish`
// compresses them without reading the body again through a stream. Keyed by the Response: nothing outlives it.
const bytesOf = new WeakMap<Response, Uint8Array<ArrayBuffer>>();

function withBytes(response: Response, body: Uint8Array<ArrayBuffer>): Response {
  bytesOf.set(response, body);
  return response;
}

/**
 * The last step of every answer: HTML names its charset, and an anonymous public response that is text (a page, a
 * feed, OPML, the sitemap) is compressed when the client accepts it. Only responses for nobody in particular are
 * compressed: a signed-in person's page mixes their own secrets with text others can make it reflect, the setting in
 * which compression leaks (BREACH). The static exporter writes plain files and is left alone.
 */
async function finish(context: Parameters<Parameters<typeof defineMiddleware>[0]>[0], response: Response): Promise<Response> {
  try {
    htmlNamesCharset(response.headers);
  } catch {
    // Immutable headers (Response.redirect()) carry no body to describe.
  }
  const { request } = context;
  if (context.locals.render?.static || (request.method !== 'GET' && request.method !== 'HEAD')) return response;
  if (context.locals.user || isPersonal(context) || response.headers.has('set-cookie') || [...context.cookies.headers()].length > 0) return response;
  const coding = negotiateEncoding(request.headers.get('accept-encoding'));
  if (response.status === 304) {
    // The reader's copy is the encoded one it was sent: name it as it was named.
    const etag = response.headers.get('etag');
    if (etag && coding && (request.headers.get('if-none-match') ?? '').includes(encodedEtag(etag, coding))) {
      response.headers.set('etag', encodedEtag(etag, coding));
    }
    if (etag) response.headers.set('vary', varyOnEncoding(response.headers.get('vary')));
    return response;
  }
  if (response.status !== 200 || response.headers.has('content-encoding') || !isCompressible(response.headers.get('content-type'))) return response;
  // Large text (an export's data file) is streamed as it is rather than held in memory to compress.
  if (Number(response.headers.get('content-length') ?? 0) > 8 * 1024 * 1024) return response;
  if (request.method === 'HEAD') {
    const headers = encodeHeadResponse({ status: 200, headers: response.headers, coding });
    return headers ? new Response(null, { status: 200, headers }) : response;
  }
  const known = bytesOf.get(response);
  const body = known ?? new Uint8Array(await response.arrayBuffer());
  const encoded = encodeResponse({ status: 200, headers: response.headers, body, path: context.url.pathname + context.url.search, coding });
  if (!encoded) return known ? response : new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  return new Response(encoded.body as Uint8Array<ArrayBuffer>, { status: 200, headers: encoded.headers });
}

/**
 * Endpoints that apps call with a Bearer token or an authorization code, never with the session cookie (they do
 * not read it), so a request from another origin cannot act with a member's ambient credentials: the cross-site
 * check does not apply to them. The consent form (/auth) is a cookie-authenticated form and keeps the check.
 */
const BEARER_ENDPOINTS = new Set(['/micropub', '/micropub/media', '/token', '/token/revoke', '/token/introspect']);

function isWebmentionEndpoint(pathname: string): boolean {
  return pathname === '/webmention' || pathname === '/webmention/';
}

const PRIVATE_PREFIXES = ['/workspace', '/account', '/admin', '/api/', '/family'];

function needsSignIn(pathname: string): boolean {
  return PRIVATE_PREFIXES.some((p) => pathname === p || pathname.startsWith(p.endsWith('/') ? p : p + '/'));
}

const GUARDIAN_REFUSAL =
  'A guardian account reads its children’s work and does not have a workspace: you cannot write, import, publish or join hubs. Your children’s new work is on your Family page, at /family.';

/** The areas a guardian may not open: the workspace (except a feedback thread) and the editor's endpoints. */
function closedToGuardians(pathname: string): boolean {
  if (/^\/workspace\/artifacts\/[^/]+\/feedback\/?$/.test(pathname)) return false;
  return pathname === '/workspace' || pathname.startsWith('/workspace/') || pathname.startsWith('/api/');
}

/** The page of an expected error: the one 404 page (server/http/errorPage.ts) for every "not found", else its message. */
function isRead(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

function errorPageFor(error: PotluckError, method: string, path: string): Response {
  if (error.status === 404 && isRead(method)) return notFoundResponse(path);
  return errorResponse(error.status, titleFor(error.status), error.message);
}

function titleFor(status: number): string {
  if (status === 404) return 'Not found';
  if (status === 403) return 'Not allowed';
  if (status === 429) return 'Slow down';
  return 'Something needs fixing';
}

function withHeaders(response: Response, noindex: boolean, personal: boolean): Response {
  let headers: Headers;
  try {
    headers = response.headers;
    headers.set('x-content-type-options', 'nosniff');
  } catch {
    // Responses made by Response.redirect() have immutable headers; copy into a mutable one.
    response = new Response(response.body, response);
    headers = response.headers;
  }
  addSecurityHeaders(headers, getAppContext().config);
  htmlNamesCharset(headers);
  if (noindex) headers.set('x-robots-tag', 'noindex, nofollow');
  // Pages shown to a signed-in person are theirs alone: never stored by a shared cache.
  if (personal && !headers.has('cache-control')) headers.set('cache-control', 'private, no-store');
  return response;
}

/** Astro sends pages as bare `text/html`: every HTML response says it is UTF-8, so no reader has to guess. */
function htmlNamesCharset(headers: Headers): void {
  const type = headers.get('content-type');
  if (type && /^text\/html\s*;?\s*$/i.test(type)) headers.set('content-type', 'text/html; charset=utf-8');
}
