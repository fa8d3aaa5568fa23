/**
 * Builds the neutral feed model (core/feeds/model.ts) and the sitemap from the database. Only public work, ever:
 * the rows come from repositories/publicWork.ts, which applies core/visibility's listing rule. Every address is
 * absolute, made for the rendering that asked: live (this instance, or the student's canonical home) or the static
 * export (under its base).
 */
import { portfolioAddresses, type PortfolioAddresses } from '../core/feeds/addresses.ts';
import { absolutizeHtml } from '../core/feeds/absoluteUrls.ts';
import { storedExcerpt } from '../core/feeds/excerpt.ts';
import type { SitemapEntry } from '../core/feeds/discovery.ts';
import { FEED_ITEM_LIMIT, artifactGuid, type Feed, type FeedItem, type FeedPerson } from '../core/feeds/model.ts';
import { normalizeTag } from '../core/markdown/hashtags.ts';
import { joinUrl, sitePaths } from '../core/urls.ts';
import type { AppContext } from './context.ts';
import { remembered } from './db/changes.ts';
import type { User } from './db/schema.ts';
import type { RenderMode } from './http/renderMode.ts';
import { mediaUrl } from './media/urls.ts';
import { websubHubUrl } from './websub/hubUrl.ts';
import { getAvatar } from './repositories/portfolio.ts';
import { listPublicWork, listSitemapPortfolios, type PublicWork } from './repositories/publicWork.ts';

// TODO(assumes one language per instance, the one the page templates declare with <html lang="en">): a student's
// own language would come from their profile once it has one.
const CONTENT_LANGUAGE = 'en';

/** Where absolute addresses point in one rendering. */
export interface FeedTarget {
  /** This instance's public base URL (config.siteUrl). */
  siteUrl: string;
  /** The portfolio's base in the static export; null when serving live. */
  staticBase: string | null;
}

/** The target of a request: the static export's base when the exporter renders, else this instance. */
export function feedTargetOf(app: AppContext, render: RenderMode): FeedTarget {
  return { siteUrl: app.config.siteUrl, staticBase: render.static ? render.staticBase : null };
}

/**
 * The tag of a tag feed's address, normalised like stored tags (`Week-3`, `%23week-3` -> `week-3`), or null when it
 * cannot be a tag at all (the route answers 404).
 */
export function tagFromParam(param: string | undefined): string | null {
  if (!param) return null;
  let raw = param;
  // Tags never contain '%', so one left means the router handed the address over still encoded.
  if (raw.includes('%')) {
    try {
      raw = decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  const result = normalizeTag(raw);
  return result.ok ? result.tag : null;
}

/** The addresses of `owner`'s portfolio in this target. */
export function addressesFor(owner: Pick<User, 'handle' | 'canonicalBaseUrl'>, target: FeedTarget): PortfolioAddresses {
  return portfolioAddresses({
    siteUrl: target.siteUrl,
    handle: owner.handle,
    canonicalBaseUrl: owner.canonicalBaseUrl,
    staticBase: target.staticBase,
  });
}

/**
 * The feed of a portfolio (or of one of its tags): the newest public work, at most FEED_ITEM_LIMIT. A tag that
 * only private work uses gives the same empty feed as a tag nobody uses, so a feed never tells whether hidden work
 * exists. The owner must be an active account (the route looks it up with getPortfolioOwner).
 */
export function buildPortfolioFeed(app: AppContext, props: { owner: User; tag?: string; target: FeedTarget }): Feed {
  const { owner, tag, target } = props;
  // The RSS and the JSON Feed of one address are the same model: built once until the next write (a static export
  // asks for both of every feed).
  const key = `feeds.portfolio\u0000${owner.id}\u0000${tag ?? ''}\u0000${target.siteUrl}\u0000${target.staticBase ?? ''}`;
  return remembered(app.db, key, () => buildPortfolioFeedNow(app, owner, tag, target));
}

function buildPortfolioFeedNow(app: AppContext, owner: User, tag: string | undefined, target: FeedTarget): Feed {
  const at = addressesFor(owner, target);
  const homePath = tag === undefined ? sitePaths.portfolio(owner.handle) : sitePaths.tag(owner.handle, tag);
  const feedPath = (format: 'xml' | 'json') =>
    tag === undefined ? sitePaths.feed(owner.handle, format) : sitePaths.tagFeed(owner.handle, tag, format);
  const avatar = getAvatar(app, owner);
  const author: FeedPerson = {
    name: owner.name,
    url: at.page(sitePaths.portfolio(owner.handle)),
    avatar: avatar ? at.site(mediaUrl(avatar.id)) : undefined,
  };
  const works = listPublicWork(app, owner, { tag, limit: FEED_ITEM_LIMIT });
  // A piece is in the portfolio's feed and in the feed of each of its tags, the same item in each: made once, and
  // kept with the others of this portfolio and target until the next write.
  const built = remembered(app.db, `feeds.items\u0000${owner.id}\u0000${target.siteUrl}\u0000${target.staticBase ?? ''}`, () => new Map<string, FeedItem>());
  const items = works.map((work) => {
    let item = built.get(work.artifact.id);
    if (!item) built.set(work.artifact.id, (item = freezeItem(feedItem(work, owner, at, author))));
    return item;
  });
  const siteTitle = owner.siteTitle || owner.name;
  const newest = items.reduce<Date | null>((latest, i) => (latest && latest >= i.modified ? latest : i.modified), null);
  return Object.freeze({
    title: tag === undefined ? siteTitle : `${siteTitle}: #${tag}`,
    description: tag === undefined ? owner.bio || `Work by ${owner.name}` : `Work by ${owner.name} tagged #${tag}`,
    homePageUrl: at.page(homePath),
    feedUrls: { rss: at.served(feedPath('xml')), json: at.served(feedPath('json')) },
    hub: target.staticBase === null && app.config.websub ? websubHubUrl(app) : undefined,
    language: CONTENT_LANGUAGE,
    updated: newest ?? owner.createdAt,
    authors: [author],
    icon: author.avatar,
    rights: owner.siteLicense || undefined,
    generator: 'Potluck',
    items: Object.freeze(items) as FeedItem[],
  });
}

/** An item shared by several feeds until the next write: frozen, so that no reader can change it for the others. */
function freezeItem(item: FeedItem): FeedItem {
  for (const person of item.authors) Object.freeze(person);
  for (const file of item.attachments) Object.freeze(file);
  Object.freeze(item.authors);
  Object.freeze(item.attachments);
  Object.freeze(item.categories);
  return Object.freeze(item);
}

/**
 * What every feed says of a piece of portfolio work (its own portfolio's feeds and a hub's): its id, its page, what it
 * links to, its HTML with absolute addresses, and its summary, or the excerpt when the student wrote none.
 */
export function artifactFeedFields(
  artifact: { id: string; slug: string; html: string; excerpt: string | null; summary: string; linkUrl: string | null },
  handle: string,
  at: PortfolioAddresses,
): Pick<FeedItem, 'id' | 'url' | 'externalUrl' | 'contentHtml' | 'summary' | 'excerpt'> {
  const path = sitePaths.artifact(handle, artifact.slug);
  return {
    id: artifactGuid(artifact.id),
    url: at.page(path),
    externalUrl: artifact.linkUrl ?? undefined,
    contentHtml: absolutizeHtml(artifact.html, at.resolverFor(path)),
    summary: artifact.summary || undefined,
    excerpt: (!artifact.summary && storedExcerpt(artifact)) || undefined,
  };
}

function feedItem(work: PublicWork, owner: User, at: PortfolioAddresses, author: FeedPerson): FeedItem {
  const { artifact } = work;
  return {
    ...artifactFeedFields(artifact, owner.handle, at),
    title: artifact.title,
    image: work.cover ? at.site(mediaUrl(work.cover.id)) : undefined,
    published: artifact.date,
    modified: artifact.updatedAt,
    authors: [author],
    categories: artifact.tags,
    attachments: work.attachments.map((file) => ({
      url: at.site(mediaUrl(file.id)),
      mimeType: file.mime,
      title: file.filename,
      sizeInBytes: file.bytes,
    })),
  };
}

/**
 * The instance's sitemap: for every active, indexable portfolio with public work, its page, each public piece, each
 * tag of public work and each public showcase, with when it last changed. Portfolios whose student set a canonical
 * home elsewhere are left out: a sitemap lists only this host's addresses, and their pages here name the other
 * home as canonical (that site can have its own sitemap).
 */
export function buildSitemap(app: AppContext): SitemapEntry[] {
  const site = (path: string) => joinUrl(app.config.siteUrl, path);
  const entries: SitemapEntry[] = [];
  for (const p of listSitemapPortfolios(app)) {
    if (p.owner.canonicalBaseUrl) continue;
    const handle = p.owner.handle;
    const dates = [...p.works, ...p.showcases].map((x) => x.updatedAt.getTime());
    entries.push({ loc: site(sitePaths.portfolio(handle)), lastmod: new Date(Math.max(...dates)) });
    for (const w of p.works) entries.push({ loc: site(sitePaths.artifact(handle, w.slug)), lastmod: w.updatedAt });
    for (const t of p.tags) entries.push({ loc: site(sitePaths.tag(handle, t.tag)), lastmod: t.updatedAt });
    for (const s of p.showcases) entries.push({ loc: site(sitePaths.showcase(handle, s.slug)), lastmod: s.updatedAt });
  }
  return entries;
}
