/**
 * A hub's own feeds (`/hubs/<slug>/feed.xml|json`): the newest contributions that are public at their source —
 * members' public work (linking to the student's canonical page, with the same GUID as the student's own feed, so
 * a reader subscribed to both sees it once) and external items — never hidden ones, never members work. Built on
 * the neutral model of core/feeds, serialized by the same RSS and JSON Feed writers as portfolio feeds, so a piece
 * says the same in both: its attachments (RSS enclosure, JSON Feed attachments) and no made-up title for a post
 * that has none.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { FEED_ITEM_LIMIT, type Feed, type FeedItem } from '../../core/feeds/model.ts';
import { hubShows } from '../../core/policy.ts';
import { joinUrl, sitePaths } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { artifactMedia, artifacts, hubItems, media, type Hub } from '../db/schema.ts';
import { addressesFor, artifactFeedFields } from '../feeds.ts';
import { mediaUrl } from '../media/urls.ts';
import { websubHubUrl } from '../websub/hubUrl.ts';
import { listHubPeople, readRiver } from './contributions.ts';

/** The paths of a hub's pages and files. */
export const hubPaths = {
  river: (slug: string) => `/hubs/${slug}/`,
  feed: (slug: string, format: 'xml' | 'json') => `/hubs/${slug}/feed.${format}`,
  opml: (slug: string) => `/hubs/${slug}/members.opml`,
};

/** The attachments (media of kind `attachment`) of public pieces, oldest upload first, as the portfolio feed lists them. One query. */
function attachmentsOf(app: AppContext, artifactIds: string[]): Map<string, { id: string; filename: string; mime: string; bytes: number }[]> {
  const files = new Map<string, { id: string; filename: string; mime: string; bytes: number }[]>();
  if (artifactIds.length === 0) return files;
  const rows = app.db
    .select({ artifactId: artifactMedia.artifactId, id: media.id, filename: media.filename, mime: media.mime, bytes: media.bytes })
    .from(artifactMedia)
    .innerJoin(media, eq(media.id, artifactMedia.mediaId))
    .where(and(inArray(artifactMedia.artifactId, artifactIds), eq(media.kind, 'attachment')))
    .orderBy(asc(media.createdAt), asc(media.id))
    .all();
  for (const { artifactId, ...file } of rows) files.set(artifactId, [...(files.get(artifactId) ?? []), file]);
  return files;
}

/** The feed model of a public hub: its newest FEED_ITEM_LIMIT public, unhidden contributions. */
export function buildHubFeed(app: AppContext, hub: Hub): Feed {
  const site = (path: string) => joinUrl(app.config.siteUrl, path);
  // Anyone can fetch a feed: it carries what the hub shows to the public (core/policy `hubShows`, channel feed).
  const scope = hubShows(hub, null, 'feed').includes('members') ? 'members' : 'public';
  const { entries } = readRiver(app, hub, { scope, limit: FEED_ITEM_LIMIT });
  const artifactIds = entries.filter((e) => e.kind === 'artifact').map((e) => e.id);
  const itemIds = entries.filter((e) => e.kind === 'item').map((e) => e.id);
  const bodies = new Map(
    artifactIds.length
      ? app.db
          .select({ id: artifacts.id, html: artifacts.html, excerpt: artifacts.excerpt, summary: artifacts.summary, slug: artifacts.slug, linkUrl: artifacts.linkUrl })
          .from(artifacts)
          .where(and(inArray(artifacts.id, artifactIds), eq(artifacts.visibility, 'public')))
          .all()
          .map((a) => [a.id, a])
      : [],
  );
  const itemBodies = new Map(
    itemIds.length
      ? app.db
          .select({ id: hubItems.id, html: hubItems.contentHtml })
          .from(hubItems)
          .where(inArray(hubItems.id, itemIds))
          .all()
          .map((i) => [i.id, i.html])
      : [],
  );
  const files = attachmentsOf(app, [...bodies.keys()]);
  const people = new Map(listHubPeople(app, hub.id).map((p) => [p.id, p]));
  const items: FeedItem[] = [];
  for (const entry of entries) {
    if (entry.kind === 'artifact') {
      const body = bodies.get(entry.id);
      const person = entry.author.userId ? people.get(entry.author.userId) : undefined;
      if (!body || !person) continue;
      const at = addressesFor(person, { siteUrl: app.config.siteUrl, staticBase: null });
      items.push({
        ...artifactFeedFields(body, person.handle, at),
        title: entry.title,
        image: entry.cover ? at.site(mediaUrl(entry.cover.id)) : undefined,
        published: entry.date,
        modified: entry.updated ?? entry.date,
        authors: [{ name: person.name, url: at.page(sitePaths.portfolio(person.handle)) }],
        categories: entry.tags,
        attachments: (files.get(entry.id) ?? []).map((file) => ({
          url: at.site(mediaUrl(file.id)),
          mimeType: file.mime,
          title: file.filename,
          sizeInBytes: file.bytes,
        })),
      });
    } else {
      const url = entry.url ?? site(hubPaths.river(hub.slug));
      items.push({
        // The original's link is its identity across readers; items without one get a stable URN.
        id: entry.url ?? `urn:potluck:hub-item:${entry.id}`,
        url,
        // A post without a title (Mastodon's) has none in the feed either: RSS and JSON Feed allow it, and readers
        // show its text; the river's "first words…" would only repeat it.
        title: entry.untitled ? '' : entry.title,
        contentHtml: itemBodies.get(entry.id) ?? '',
        excerpt: entry.excerpt || undefined,
        image: entry.image ?? undefined,
        published: entry.date,
        modified: entry.updated ?? entry.date,
        authors: [{ name: entry.author.name, ...(entry.author.handle ? { url: site(sitePaths.portfolio(entry.author.handle)) } : {}) }],
        categories: entry.tags,
        attachments: [],
      });
    }
  }
  const newest = items.reduce<Date | null>((latest, i) => (latest && latest >= i.modified ? latest : i.modified), null);
  return {
    title: hub.title,
    description: hub.description || `Work gathered by ${hub.title}`,
    homePageUrl: site(hubPaths.river(hub.slug)),
    feedUrls: { rss: site(hubPaths.feed(hub.slug, 'xml')), json: site(hubPaths.feed(hub.slug, 'json')) },
    hub: app.config.websub ? websubHubUrl(app) : undefined,
    language: 'en',
    updated: newest ?? hub.updatedAt ?? hub.createdAt,
    authors: [],
    generator: 'Potluck',
    items,
  };
}
