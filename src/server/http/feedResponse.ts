/**
 * The shared body of the feed routes (`/@handle/feed.xml|json`, `/@handle/tags/<tag>/feed.xml|json`): find the
 * portfolio, answer 304 when the reader's copy is current, else build the model and serialize it. Feeds show only
 * public work whoever asks, but a signed-in reader still gets `private, no-cache`, like every public page.
 */
import type { APIContext } from 'astro';
import { notFound } from '../../core/errors.ts';
import { JSON_FEED_CONTENT_TYPE, toJsonFeed } from '../../core/feeds/jsonFeed.ts';
import { RSS_CONTENT_TYPE, toRss } from '../../core/feeds/rss.ts';
import { buildPortfolioFeed, feedTargetOf, tagFromParam } from '../feeds.ts';
import { getPortfolioOwner } from '../repositories/portfolio.ts';
import { cacheHeaders, conditional } from './caching.ts';
import { isPersonal, portfolioValidators } from './publicCache.ts';

/** Where the stylesheet lives that shows an RSS feed to a person who opens it in a browser (feed.xsl beside this file). */
export const FEED_STYLESHEET_PATH = '/feed.xsl';

/**
 * The feed stylesheet as an XSLT media type (browsers apply a stylesheet only when it is sent as one, and the site
 * sends `nosniff`). The same for everyone, and changed only by a new release: caches may keep it for a day.
 */
export function feedStylesheetResponse(stylesheet: string): Response {
  return new Response(stylesheet, { status: 200, headers: { 'content-type': 'text/xsl; charset=utf-8', 'cache-control': 'public, max-age=86400' } });
}

/** The media type a browser is sent an RSS feed with: one it renders as XML, and so styles with the stylesheet. */
export const RSS_FOR_BROWSERS_CONTENT_TYPE = 'application/xml; charset=utf-8';

/**
 * RSS with the processing instruction that names the feed stylesheet, right after the XML declaration. Feed readers
 * skip processing instructions; a browser that still runs XSLT shows the feed as a page with its items and its
 * address to paste into a reader.
 */
export function withFeedStylesheet(xml: string): string {
  const instruction = `<?xml-stylesheet type="text/xsl" href="${FEED_STYLESHEET_PATH}"?>`;
  const declaration = /^<\?xml [^?]*\?>/.exec(xml);
  return declaration ? `${declaration[0]}\n${instruction}${xml.slice(declaration[0].length)}` : `${instruction}\n${xml}`;
}

/**
 * Whether a request for a feed comes from a person's browser rather than a reader: a browser's navigation asks for
 * `text/html` by name; feed readers ask for feed types, XML or anything.
 */
export function isBrowserNavigation(request: Request): boolean {
  return /(^|,)\s*text\/html\s*(;|,|$)/i.test(request.headers.get('accept') ?? '');
}

/**
 * The media type and headers of an RSS response. Browsers show `application/rss+xml` as source text (or offer it
 * as a download) and apply stylesheets only to XML types, so a browser's navigation gets `application/xml`, with
 * the same bytes; readers keep `application/rss+xml`. Both vary on Accept (and on Cookie, as every public answer).
 */
export function rssHeaders(request: Request): { contentType: string; vary: string; variant: string } {
  const browser = isBrowserNavigation(request);
  return { contentType: browser ? RSS_FOR_BROWSERS_CONTENT_TYPE : RSS_CONTENT_TYPE, vary: 'Accept, Cookie', variant: browser ? 'rss-page' : 'rss' };
}

/** The two formats every feed comes in. */
export type FeedKind = 'rss' | 'json';

const FORMATS = {
  rss: { contentType: RSS_CONTENT_TYPE, serialize: toRss },
  json: { contentType: JSON_FEED_CONTENT_TYPE, serialize: toJsonFeed },
} as const;

/**
 * Feeds already built, by ETag. The ETag names the exact representation (portfolio version and public fingerprint,
 * address, format, render mode), so a stored body is exactly as fresh as a 304 would be; readers that poll
 * without validators then cost a lookup instead of a build (~100 ms for 50 long posts).
 */
class FeedBodies {
  private readonly bodies = new Map<string, string>();
  private readonly maxChars: number;
  private size = 0;

  constructor(maxChars: number) {
    this.maxChars = maxChars;
  }

  get(etag: string): string | undefined {
    const body = this.bodies.get(etag);
    if (body !== undefined) {
      // Most recently used last, so the oldest is dropped first.
      this.bodies.delete(etag);
      this.bodies.set(etag, body);
    }
    return body;
  }

  set(etag: string, body: string): void {
    if (body.length > this.maxChars / 8 || this.bodies.has(etag)) return;
    this.bodies.set(etag, body);
    this.size += body.length;
    for (const [oldest, old] of this.bodies) {
      if (this.size <= this.maxChars) break;
      this.bodies.delete(oldest);
      this.size -= old.length;
    }
  }
}

const builtFeeds = new FeedBodies(32 * 1024 * 1024);

/** Answers a feed request: the portfolio's feed, or one tag's when the route has a `tag` parameter. */
export function feedResponse(context: APIContext, kind: FeedKind): Response {
  const { app, render } = context.locals;
  const owner = getPortfolioOwner(app, context.params.handle ?? '');
  let tag: string | undefined;
  if ('tag' in context.params) {
    const parsed = tagFromParam(context.params.tag);
    if (parsed === null) throw notFound('That tag');
    tag = parsed;
  }
  // A portfolio that asked not to be indexed keeps its feeds (people subscribe to them), unindexed like its pages.
  if (owner.noindex) context.locals.noindex = true;

  const audience = { personal: isPersonal(context) };
  // The static export writes files with no stylesheet beside them at the site's root: only live feeds name it.
  const styled = kind === 'rss' && !render.static;
  const rss = styled ? rssHeaders(context.request) : null;
  const validators = portfolioValidators(app, owner, { path: context.url.pathname, variant: rss?.variant ?? kind, render });
  const notModified = conditional(context.request, validators, audience);
  if (notModified) {
    if (rss) notModified.headers.set('vary', rss.vary);
    return notModified;
  }

  const format = FORMATS[kind];
  let body = builtFeeds.get(validators.etag);
  if (body === undefined) {
    body = format.serialize(buildPortfolioFeed(app, { owner, tag, target: feedTargetOf(app, render) }));
    if (styled) body = withFeedStylesheet(body);
    builtFeeds.set(validators.etag, body);
  }
  return new Response(context.request.method === 'HEAD' ? null : body, {
    status: 200,
    // Public data, no credentials: a hub or a reader running in a browser may fetch it from another origin.
    headers: {
      'content-type': rss?.contentType ?? format.contentType,
      'access-control-allow-origin': '*',
      ...cacheHeaders(validators, audience),
      ...(rss ? { vary: rss.vary } : {}),
    },
  });
}
