/**
 * Conditional GET and cache headers for public responses (pages, feeds, sitemap), per RFC 9110 §13 and RFC 9111.
 * A reader polling a feed every few minutes, or a visitor coming back, gets `304 Not Modified` without the page being
 * rendered again; shared caches may keep anonymous public responses for five minutes.
 */
import { createHash } from 'node:crypto';
import { decodedEtag } from './compression.ts';

/** Anonymous public responses: any cache may keep them 5 minutes, and serve them stale for a day while refreshing. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=86400';

/** Responses to a signed-in person: their view may include members-only work, so only their browser keeps it, and checks first. */
export const PERSONAL_CACHE_CONTROL = 'private, no-cache';

/** What identifies one version of a response. */
export interface Validators {
  /** A quoted entity tag, strong (`"abc"`) or weak (`W/"abc"`). */
  etag: string;
  /** When the content last changed, if known (sent to the second, as HTTP dates are). */
  lastModified?: Date | null;
}

/** The validators of the live page whose page-cache key is `key` (pageCache.ts), as worked out at one moment. */
export interface KeyedValidators {
  key: string;
  validators: Validators;
}

/** Whether the response is for a signed-in person (see PERSONAL_CACHE_CONTROL) rather than for anyone. */
export interface CacheAudience {
  personal: boolean;
}

/**
 * Part of every portfolio ETag, new with each start of the server: a restart (usually a deploy) invalidates cached
 * copies, so that no cache keeps a page whose script and stylesheet addresses belong to the previous build.
 */
// Kept in the environment so that every copy of this module in one process (the bundled site and the server
// front in scripts/cli/serve.ts) agrees on it.
process.env.POTLUCK_SERVER_GENERATION ??= `${process.pid.toString(36)}.${Date.now().toString(36)}`;
export const SERVER_GENERATION = process.env.POTLUCK_SERVER_GENERATION;

/** A strong entity tag from the parts that decide a response's bytes (weak with `weak: true`). */
export function makeEtag(parts: readonly (string | number | boolean | null | undefined)[], options: { weak?: boolean } = {}): string {
  const digest = createHash('sha256')
    .update(parts.map((p) => (p === null || p === undefined ? '' : String(p))).join('\u0000'))
    .digest('base64url')
    .slice(0, 27);
  return `${options.weak ? 'W/' : ''}"${digest}"`;
}

/** One entity tag of a header, split into its weakness and its opaque part (quotes included). */
export interface EntityTag {
  weak: boolean;
  opaque: string;
}

/** Parses an entity tag (`"x"`, `W/"x"`); null for anything else. */
export function parseEntityTag(value: string): EntityTag | null {
  const match = /^\s*(W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*$/.exec(value);
  return match ? { weak: Boolean(match[1]), opaque: match[2]! } : null;
}

/**
 * The entity tags of an If-None-Match / If-Match value, or '*'. Tags may contain commas, so the list is read tag
 * by tag rather than split; malformed members are skipped.
 */
export function parseEntityTagList(header: string): EntityTag[] | '*' {
  if (header.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  for (const match of header.matchAll(/(W\/)?("[\x21\x23-\x7e\x80-\xff]*")/g)) tags.push({ weak: Boolean(match[1]), opaque: match[2]! });
  return tags;
}

/** Strong comparison (RFC 9110 §8.8.3.2): both strong and identical. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Weak comparison (RFC 9110 §8.8.3.2): identical opaque parts, whatever their weakness. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/** An HTTP date (IMF-fixdate) of a moment, to the second. */
export function httpDate(date: Date): string {
  return date.toUTCString();
}

/** The headers that describe a cacheable response (sent with the 200 and the 304 alike). */
export function cacheHeaders(validators: Validators, audience: CacheAudience): Record<string, string> {
  const headers: Record<string, string> = {
    etag: validators.etag,
    'cache-control': audience.personal ? PERSONAL_CACHE_CONTROL : PUBLIC_CACHE_CONTROL,
    // The same address shows a signed-in person more (members work), so caches must key on the cookie.
    vary: 'Cookie',
  };
  if (validators.lastModified) headers['last-modified'] = httpDate(validators.lastModified);
  return headers;
}

/**
 * Evaluates a GET/HEAD request's preconditions (RFC 9110 §13.2.2): `304 Not Modified` when the client's copy is
 * current, else null (send the full response). If-None-Match, compared weakly, takes precedence; If-Modified-Since
 * counts only when If-None-Match is absent.
 */
export function conditional(request: Request, validators: Validators, audience: CacheAudience = { personal: false }): Response | null {
  if (request.method !== 'GET' && request.method !== 'HEAD') return null;
  const ifNoneMatch = request.headers.get('if-none-match');
  let notModified = false;
  if (ifNoneMatch !== null) {
    const current = parseEntityTag(validators.etag);
    const tags = parseEntityTagList(ifNoneMatch);
    // A tag of a compressed copy (`"abc-br"`, compression.ts) names the same content as the tag it was made from.
    notModified = tags === '*' || (current !== null && tags.some((tag) => weakMatch({ ...tag, opaque: decodedEtag(tag.opaque) }, current)));
  } else {
    notModified = notModifiedSince(request.headers.get('if-modified-since'), validators.lastModified);
  }
  if (!notModified) return null;
  return new Response(null, { status: 304, headers: cacheHeaders(validators, audience) });
}

// HTTP dates carry whole seconds, so the comparison is to the second; an unparseable date is ignored (§13.1.3).
function notModifiedSince(header: string | null, lastModified: Date | null | undefined): boolean {
  if (header === null || !lastModified) return false;
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false;
  return Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/** Sets the cache headers on a response (copying it first if its headers are immutable). */
export function withCacheHeaders(response: Response, validators: Validators, audience: CacheAudience): Response {
  return setHeaders(response, cacheHeaders(validators, audience));
}

/** Sets headers on a response, copying it first when its headers are immutable (Response.redirect()). */
export function setHeaders(response: Response, headers: Record<string, string>): Response {
  let target = response;
  try {
    for (const [name, value] of Object.entries(headers)) target.headers.set(name, value);
  } catch {
    target = new Response(response.body, response);
    for (const [name, value] of Object.entries(headers)) target.headers.set(name, value);
  }
  return target;
}
