/**
 * The feeds Potluck is the WebSub hub of: every live portfolio feed, tag feed and public hub feed, in RSS and JSON
 * Feed. A topic is the feed's own address on this site (the `rel=self` it names); `readTopic` says whether an
 * address is one, and builds the body a subscriber is sent, exactly what the feed route answers a reader with.
 */
import { PotluckError } from '../../core/errors.ts';
import { JSON_FEED_CONTENT_TYPE, toJsonFeed } from '../../core/feeds/jsonFeed.ts';
import type { Feed } from '../../core/feeds/model.ts';
import { RSS_CONTENT_TYPE, toRss } from '../../core/feeds/rss.ts';
import { joinUrl, sitePaths } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { buildPortfolioFeed, tagFromParam } from '../feeds.ts';
import { readHub } from '../hubs/access.ts';
import { buildHubFeed, hubPaths } from '../hubs/feed.ts';
import { getPortfolioOwner } from '../repositories/portfolio.ts';
import { withFeedStylesheet } from '../http/feedResponse.ts';

export { WEBSUB_HUB_PATH, websubHubUrl } from './hubUrl.ts';

/** What a feed path names: a portfolio's feed, one of its tags' feeds, or a hub's feed, in a format. */
export type TopicPath =
  | { kind: 'portfolio'; handle: string; format: 'xml' | 'json' }
  | { kind: 'tag'; handle: string; tag: string; format: 'xml' | 'json' }
  | { kind: 'hub'; slug: string; format: 'xml' | 'json' };

const PORTFOLIO_FEED = /^\/@([^/]+)\/feed\.(xml|json)$/;
const TAG_FEED = /^\/@([^/]+)\/tags\/([^/]+)\/feed\.(xml|json)$/;
const HUB_FEED = /^\/hubs\/([^/]+)\/feed\.(xml|json)$/;

function decoded(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** The feed a site path names, or null when it is no feed's path. Pure. */
export function parseTopicPath(path: string): TopicPath | null {
  let m = PORTFOLIO_FEED.exec(path);
  if (m) {
    const handle = decoded(m[1]!);
    return handle ? { kind: 'portfolio', handle, format: m[2] as 'xml' | 'json' } : null;
  }
  m = TAG_FEED.exec(path);
  if (m) {
    const handle = decoded(m[1]!);
    const tag = tagFromParam(m[2]!);
    return handle && tag ? { kind: 'tag', handle, tag, format: m[3] as 'xml' | 'json' } : null;
  }
  m = HUB_FEED.exec(path);
  if (m) {
    const slug = decoded(m[1]!);
    return slug ? { kind: 'hub', slug, format: m[2] as 'xml' | 'json' } : null;
  }
  return null;
}

/** The path a feed is served at, spelled the one way Potluck writes it (its `rel=self`). */
export function topicPathOf(topic: TopicPath): string {
  if (topic.kind === 'portfolio') return sitePaths.feed(topic.handle, topic.format);
  if (topic.kind === 'tag') return sitePaths.tagFeed(topic.handle, topic.tag, topic.format);
  return hubPaths.feed(topic.slug, topic.format);
}

/** A topic's current body, as the feed route serves it. */
export interface TopicBody {
  topic: string;
  body: string;
  contentType: string;
}

/**
 * The feed at `url` if it is one of this site's public feeds, or a sentence saying why not. A portfolio that does
 * not exist (or is disabled) and a members-only hub read as "not a feed here", like their routes' 404.
 */
export function readTopic(app: AppContext, url: string): TopicBody | { error: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: 'hub.topic is not an absolute URL.' };
  }
  const site = new URL(app.config.siteUrl);
  if (parsed.origin !== site.origin) return { error: `hub.topic must be a feed on ${site.origin}; this hub serves only this site's feeds.` };
  if (parsed.search || parsed.hash) return { error: 'hub.topic must be a feed address without a query or fragment.' };
  const path = parseTopicPath(parsed.pathname);
  if (!path) return { error: 'hub.topic is not one of this site’s feeds (portfolio, tag or hub feeds, .xml or .json).' };
  let topic = joinUrl(app.config.siteUrl, topicPathOf(path));
  const contentType = path.format === 'xml' ? RSS_CONTENT_TYPE : JSON_FEED_CONTENT_TYPE;
  // Exactly the bytes the feed's address serves (http/feedResponse.ts), the stylesheet's instruction included.
  const serialize = path.format === 'xml' ? (feed: Feed) => withFeedStylesheet(toRss(feed)) : toJsonFeed;
  try {
    if (path.kind === 'hub') {
      const access = readHub(app, null, path.slug);
      if (access.hub.visibility !== 'public') return { error: 'hub.topic is not a public feed of this site.' };
      return { topic, contentType, body: serialize(buildHubFeed(app, access.hub)) };
    }
    const owner = getPortfolioOwner(app, path.handle);
    // One spelling per feed (the handle as stored), so `/@Maya/…` and `/@maya/…` are one topic, not two.
    topic = joinUrl(app.config.siteUrl, topicPathOf({ ...path, handle: owner.handle }));
    const feed = buildPortfolioFeed(app, {
      owner,
      tag: path.kind === 'tag' ? path.tag : undefined,
      target: { siteUrl: app.config.siteUrl, staticBase: null },
    });
    // A tag feed with nothing in it is not a topic: otherwise every made-up tag would be one more feed to watch.
    if (path.kind === 'tag' && feed.items.length === 0) return { error: 'hub.topic names a tag with no public work; subscribe to a tag the portfolio uses.' };
    return { topic, contentType, body: serialize(feed) };
  } catch (error) {
    if (error instanceof PotluckError && error.status === 404) return { error: 'hub.topic is not a public feed of this site.' };
    throw error;
  }
}
