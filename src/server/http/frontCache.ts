/**
 * The server front: before a request reaches the site, an anonymous GET of a public portfolio page whose rendering
 * is in the page cache AND still current (same ETag, computed from the database as the site would) is answered
 * straight from memory, 304 included. Everything else goes on to the site. This is what lets an unchanged page be
 * served without the framework's per-request work.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../context.ts';
import { PotluckError } from '../../core/errors.ts';
import { SESSION_COOKIE } from '../auth/sessions.ts';
import { getPortfolioOwner } from '../repositories/portfolio.ts';
import { conditional } from './caching.ts';
import { encodeResponse, encodedEtag, negotiateEncoding, varyOnEncoding } from './compression.ts';
import { handleOfPath, type PageCache } from './pageCache.ts';
import { portfolioValidators } from './publicCache.ts';
import { STATIC_TOKEN_HEADER } from './renderMode.ts';

const LIVE = { static: false, staticBase: null } as const;

/** Answers the request from the cache and returns true, or returns false to let the site handle it. */
export function serveFromFrontCache(app: AppContext, cache: PageCache, req: IncomingMessage, res: ServerResponse): boolean {
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
  const key = url.pathname + url.search;
  const handle = handleOfPath(url.pathname);
  if (!handle || !cache.has(key)) return false;
  let owner;
  try {
    owner = getPortfolioOwner(app, handle);
  } catch (error) {
    if (error instanceof PotluckError) return false;
    throw error;
  }
  const validators = portfolioValidators(app, owner, { path: key, variant: 'page', render: LIVE });
  const entry = cache.get(key, validators.etag);
  if (!entry) return false;
  const headers = new Headers(entry.headers);
  const notModified = conditional({ method: req.method, headers: requestHeaders(req) } as Request, validators);
  const coding = negotiateEncoding(req.headers['accept-encoding']);
  if (notModified) {
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
  headers.set('x-potluck-cache', 'hit');
  // HEAD answers with the headers GET would have, encoding included.
  const encoded = encodeResponse({ status: entry.status, headers, body: entry.body, path: key, coding }) ?? { headers, body: entry.body };
  encoded.headers.set('content-length', String(encoded.body.byteLength));
  res.writeHead(entry.status, Object.fromEntries(encoded.headers));
  res.end(req.method === 'HEAD' ? undefined : encoded.body);
  return true;
}

function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const name of ['if-none-match', 'if-modified-since']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers.set(name, value);
  }
  return headers;
}
