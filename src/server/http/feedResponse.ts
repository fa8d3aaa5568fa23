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
  const validators = portfolioValidators(app, owner, { path: context.url.pathname, variant: kind, render });
  const notModified = conditional(context.request, validators, audience);
  if (notModified) return notModified;

  const format = FORMATS[kind];
  let body = builtFeeds.get(validators.etag);
  if (body === undefined) {
    body = format.serialize(buildPortfolioFeed(app, { owner, tag, target: feedTargetOf(app, render) }));
    builtFeeds.set(validators.etag, body);
  }
  return new Response(context.request.method === 'HEAD' ? null : body, {
    status: 200,
    // Public data, no credentials: a hub or a reader running in a browser may fetch it from another origin.
    headers: { 'content-type': format.contentType, 'access-control-allow-origin': '*', ...cacheHeaders(validators, audience) },
  });
}
