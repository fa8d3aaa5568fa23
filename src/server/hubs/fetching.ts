/**
 * Fetching a feed for a hub, through the one fetcher (safeFetch: SSRF checks, caps, timeouts, limits): a feed URL
 * is read as it is; a page URL is searched for `<link rel=alternate>` feeds when asked (adding a source), and the
 * first that reads as a feed is used. Every failure comes back as a code and a sentence for the teacher.
 */
import { discoverFeeds, looksLikeHtml } from '../../core/hubs/discovery.ts';
import type { ParsedFeed } from '../../core/feeds/parse.ts';
import { discoverWebSub, type WebSubAdvert } from '../../core/feeds/websubDiscovery.ts';
import type { AppContext } from '../context.ts';
import { FEED_ACCEPT, potluckUserAgent, safeFetch, type FetchSuccess, type SafeFetchOptions } from '../net/safeFetch.ts';
import { inThreadParser, type FeedParser } from './parsers.ts';

const MB = 1024 * 1024;

/** Most bytes of a feed read off the wire, and most it may unpack to. A 50 MB feed or a gzip bomb stops here. */
export const FEED_MAX_BYTES = 5 * MB;
export const FEED_MAX_DECOMPRESSED_BYTES = 10 * MB;

/** A feed that was read. */
export interface FetchedFeed {
  ok: true;
  feed: ParsedFeed;
  /** The URL that answered (after redirects). */
  url: string;
  /** Where permanent redirects from the requested URL lead (store this). */
  permanentUrl: string;
  redirectedPermanently: boolean;
  status: number;
  etag: string | null;
  lastModified: string | null;
  /** The page the feed was discovered on, when the URL given was a page. */
  discoveredFrom: string | null;
  /** The WebSub hub the feed advertises (Link header or the document), to subscribe for pushed updates. */
  websub: WebSubAdvert | null;
}

/** The server said nothing changed (conditional GET). */
export interface NotModified {
  ok: true;
  notModified: true;
  status: 304;
  permanentUrl: string;
  redirectedPermanently: boolean;
  etag: string | null;
  lastModified: string | null;
  /** A WebSub hub named in the 304's Link header (the document is not sent again). */
  websub: WebSubAdvert | null;
}

/** Why no feed could be read. */
export interface FeedFailure {
  ok: false;
  /** safeFetch's reasons, 'parse' (not a readable feed), 'no-feed' (a page that announces none), 'gone' (410). */
  code: string;
  message: string;
  status: number | null;
  retryAfterSeconds?: number;
}

/** Options of one feed fetch. */
export interface FeedFetchOptions {
  etag?: string | null;
  lastModified?: string | null;
  /** Look for a feed on the page when the URL is a web page (adding a source; never while polling). */
  discover?: boolean;
  /** Overrides for safeFetch (tests and benchmarks: timeouts, a resolver, their own limits). */
  fetch?: Partial<SafeFetchOptions>;
  /** Where the feed is parsed (default: this thread). */
  parser?: FeedParser;
}

/** The safeFetch options every hub fetch uses. */
export function hubFetchOptions(app: AppContext, overrides: Partial<SafeFetchOptions> = {}): SafeFetchOptions {
  return {
    allowPrivateNetworks: app.config.allowPrivateNetworks,
    accept: FEED_ACCEPT,
    userAgent: potluckUserAgent(app.config.siteUrl),
    maxBytes: FEED_MAX_BYTES,
    maxDecompressedBytes: FEED_MAX_DECOMPRESSED_BYTES,
    now: app.now,
    ...overrides,
  };
}

function failure(code: string, message: string, status: number | null, retryAfterSeconds?: number): FeedFailure {
  return { ok: false, code, message, status, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}

function validators(result: FetchSuccess): { etag: string | null; lastModified: string | null } {
  return { etag: result.headers.etag ?? null, lastModified: result.headers['last-modified'] ?? null };
}

/** Fetches and parses a feed (or, with `discover`, the feed a page announces). Never throws for a bad feed. */
export async function fetchFeed(app: AppContext, url: string, options: FeedFetchOptions = {}): Promise<FetchedFeed | NotModified | FeedFailure> {
  const base = hubFetchOptions(app, options.fetch);
  const result = await safeFetch(url, {
    ...base,
    ...(options.etag ? { ifNoneMatch: options.etag } : {}),
    ...(options.lastModified ? { ifModifiedSince: options.lastModified } : {}),
  });
  if (!result.ok) {
    const code = result.status === 410 ? 'gone' : result.reason;
    return failure(code, result.message, result.status ?? null, result.retryAfterSeconds);
  }
  if (result.notModified) {
    return {
      ok: true,
      notModified: true,
      status: 304,
      permanentUrl: result.permanentUrl,
      redirectedPermanently: result.redirectedPermanently,
      websub: discoverWebSub({ url: result.url, linkHeader: result.headers.link, body: '' }),
      ...validators(result),
    };
  }
  const contentType = result.headers['content-type'];
  const parsed = await (options.parser ?? inThreadParser).parse(result.body, { url: result.url, ...(contentType ? { contentType } : {}) });
  if (parsed.ok) {
    return {
      ok: true,
      feed: parsed.feed,
      url: result.url,
      permanentUrl: result.permanentUrl,
      redirectedPermanently: result.redirectedPermanently,
      status: result.status,
      discoveredFrom: null,
      websub: discoverWebSub({ url: result.url, linkHeader: result.headers.link, body: result.body.subarray(0, 512 * 1024).toString('utf8'), contentType }),
      ...validators(result),
    };
  }
  const text = result.body.subarray(0, 2 * MB).toString('utf8');
  if (!options.discover || !looksLikeHtml(text, contentType)) return failure('parse', parsed.message, result.status);

  const candidates = discoverFeeds(text, result.url);
  if (candidates.length === 0) {
    return failure(
      'no-feed',
      'This page does not announce a feed (no <link rel="alternate"> for RSS, Atom or JSON Feed). Paste the address of the blog’s feed instead; it often ends in /feed, /rss.xml or /atom.xml.',
      result.status,
    );
  }
  let last: FeedFailure | null = null;
  for (const candidate of candidates.slice(0, 3)) {
    const found = await fetchFeed(app, candidate.url, { fetch: options.fetch, parser: options.parser });
    if (found.ok && 'feed' in found) return { ...found, discoveredFrom: result.url };
    if (!found.ok) last = found;
  }
  return last ?? failure('no-feed', 'The feed this page announces could not be read.', null);
}
