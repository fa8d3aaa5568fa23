/**
 * The server front: before a request reaches the site, an anonymous GET of a public portfolio page whose rendering
 * is in the page cache AND still current (same ETag, computed from the database as the site would) is answered
 * straight from memory, 304 included. Everything else goes on to the site. This is what lets an unchanged page be
 * served without the framework's per-request work.
 *
 * Working out the ETag takes two queries and a hash, so the front remembers, for each cached page, the validators it
 * found and the database's change stamp (db/changes.ts) at that moment: while nothing at all has changed in the
 * database since (which the stamp tells without a query, asking SQLite about other connections once per turn of the
 * event loop), a hit writes bytes already laid out for the reader's encoding.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AppContext } from '../context.ts';
import { PotluckError } from '../../core/errors.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import { changeStamp } from '../db/changes.ts';
import { getPortfolioOwner } from '../repositories/portfolio.ts';
import { conditional, type KeyedValidators, type Validators } from './caching.ts';
import { encodeResponse, encodedEtag, negotiateEncoding, varyOnEncoding, type ContentCoding } from './compression.ts';
import { handleOfPath, pageKeyOf, type CachedPage, type PageCache } from './pageCache.ts';
import { portfolioValidators } from './publicCache.ts';
import { STATIC_TOKEN_HEADER } from './renderMode.ts';

const LIVE = { static: false, staticBase: null } as const;

interface Checked {
  /** The database's change stamp when `validators` were worked out. */
  stamp: string;
  validators: Validators;
  /** The 200 as sent, by encoding ('' for identity): headers laid out for writeHead, and the body. */
  sent: Map<string, { headers: OutgoingHttpHeaders; body: Uint8Array }>;
}

// By entry: a page replaced or evicted from the cache takes what was worked out for it along.
const checked = new WeakMap<CachedPage, Checked>();

/**
 * Answers the request from the cache and returns true, or lets the site handle it: returns false, or the page's
 * current validators when it worked them out and found the cached copy older (the site then renders with them).
 */
export function serveFromFrontCache(app: AppContext, cache: PageCache, req: IncomingMessage, res: ServerResponse): boolean | KeyedValidators {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const raw = req.url ?? '';
  if (!raw.startsWith('/@') || req.headers[STATIC_TOKEN_HEADER] !== undefined) return false;
  if ((req.headers.cookie ?? '').includes(`${SESSION_COOKIE}=`)) return false;
  let url: URL;
  try {
    url = new URL(raw, 'http://front.invalid');
  } catch {
    return false;
  }
  const key = pageKeyOf(url);
  const found = current(app, cache, key, url.pathname);
  if (!found) return false;
  if ('stale' in found) return { key, validators: found.stale };
  const { entry, check } = found;
  const coding = negotiateEncoding(req.headers['accept-encoding']);
  const notModified = conditional({ method: req.method, headers: requestHeaders(req) } as Request, check.validators);
  if (notModified) {
    const headers = new Headers(entry.headers);
    notModified.headers.forEach((value, name) => headers.set(name, value));
    headers.delete('content-type');
    headers.delete('content-length');
    // The reader's copy is the encoded one it was sent (compression.ts): name it as it was named.
    const etag = headers.get('etag');
    if (etag && coding && String(req.headers['if-none-match'] ?? '').includes(encodedEtag(etag, coding))) headers.set('etag', encodedEtag(etag, coding));
    headers.set('vary', varyOnEncoding(headers.get('vary')));
    res.writeHead(304, Object.fromEntries(headers));
    res.end();
    return true;
  }
  const sent = laidOut(check, entry, key, coding);
  res.writeHead(entry.status, sent.headers);
  // HEAD answers with the headers GET would have, encoding included.
  res.end(req.method === 'HEAD' ? undefined : sent.body);
  return true;
}

/**
 * The cached page under `key` with its validators, when it is still what the site would render; the validators alone
 * when the cached copy is older than them; else null.
 */
function current(app: AppContext, cache: PageCache, key: string, pathname: string): { entry: CachedPage; check: Checked } | { stale: Validators } | null {
  const kept = cache.peek(key);
  if (!kept) return null;
  // Read before the validators are worked out: a change made meanwhile gives a different stamp next time.
  const stamp = changeStamp(app.db);
  const known = checked.get(kept);
  if (known && known.stamp === stamp) {
    cache.get(key, kept.version); // most recently used
    return { entry: kept, check: known };
  }
  const handle = handleOfPath(pathname);
  if (!handle) return null;
  let owner;
  try {
    owner = getPortfolioOwner(app, handle);
  } catch (error) {
    if (error instanceof PotluckError) return null;
    throw error;
  }
  const validators = portfolioValidators(app, owner, { path: key, variant: 'page', render: LIVE });
  const entry = cache.get(key, validators.etag);
  if (!entry) return { stale: validators };
  const check = { stamp, validators, sent: known && known.validators.etag === validators.etag ? known.sent : new Map() };
  checked.set(entry, check);
  return { entry, check };
}

/** The page's 200 for a reader accepting `coding`, laid out once and kept with the page. */
function laidOut(check: Checked, entry: CachedPage, key: string, coding: ContentCoding | null): { headers: OutgoingHttpHeaders; body: Uint8Array } {
  const known = check.sent.get(coding ?? '');
  if (known) return known;
  const headers = new Headers(entry.headers);
  headers.set('x-potluck-cache', 'hit');
  const encoded = encodeResponse({ status: entry.status, headers, body: entry.body, path: key, coding }) ?? { headers, body: entry.body };
  encoded.headers.set('content-length', String(encoded.body.byteLength));
  const sent = { headers: Object.fromEntries(encoded.headers), body: encoded.body };
  check.sent.set(coding ?? '', sent);
  return sent;
}

function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const name of ['if-none-match', 'if-modified-since']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  return headers;
}
