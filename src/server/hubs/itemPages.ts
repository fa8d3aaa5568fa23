/**
 * One entry of a hub on its own page (`/hubs/<slug>/items/<id>`): the hub's copy of a member's piece (by the
 * piece's id) or of an external feed item (by the item's id). Found by the river's own rule for this viewer
 * (artifactConditions and itemConditions, core/policy `hubShows`), so the page exists exactly when the river would
 * show the entry: a class-only piece is a 404 to the public, a hidden entry too (its teachers still see it).
 */
import { and, eq } from 'drizzle-orm';
import { storedExcerpt } from '../../core/feeds/excerpt.ts';
import { itemDisplayTitle } from '../../core/hubs/itemTitle.ts';
import { sitePaths } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { artifacts, hubHides, hubItems, hubSources, users, type Hub } from '../db/schema.ts';
import { addressesFor } from '../feeds.ts';
import { artifactConditions, artifactScope, itemConditions } from './contributions.ts';

/** What the item page shows. */
export interface HubEntryPage {
  kind: 'artifact' | 'item';
  id: string;
  title: string;
  excerpt: string;
  /** The original: the member's page (its canonical home) or the external post; null for an item without a link. */
  original: string | null;
  date: Date;
  author: { name: string; url: string | null; handle: string | null };
  tags: string[];
  /** Portfolio work's visibility (public or members); null for external items. */
  visibility: 'public' | 'members' | null;
  sourceTitle: string | null;
  hidden: { reason: string } | null;
  /** The member asked search engines to leave their portfolio alone: the hub's copy of their work follows that. */
  ownerNoindex: boolean;
}

/** The entry `id` of `hub` as a river read with `scope` shows it; null when it would not. */
export function findHubEntry(app: AppContext, hub: Hub, id: string, options: { scope: 'public' | 'members'; includeHidden: boolean }): HubEntryPage | null {
  const riverOptions = { scope: options.scope, includeHidden: options.includeHidden };
  const scope = artifactScope(app, hub, {});
  if (scope) {
    const row = app.db
      .select({
        id: artifacts.id,
        ownerId: artifacts.ownerId,
        slug: artifacts.slug,
        title: artifacts.title,
        summary: artifacts.summary,
        excerpt: artifacts.excerpt,
        html: artifacts.html,
        tags: artifacts.tags,
        visibility: artifacts.visibility,
        date: artifacts.date,
        ownerNoindex: users.noindex,
        hiddenReason: hubHides.reason,
      })
      .from(artifacts)
      .innerJoin(users, eq(users.id, artifacts.ownerId))
      .leftJoin(hubHides, and(eq(hubHides.hubId, hub.id), eq(hubHides.artifactId, artifacts.id)))
      .where(and(eq(artifacts.id, id), artifactConditions(hub, scope, riverOptions)))
      .get();
    if (row) {
      const person = scope.people.get(row.ownerId)!;
      const at = addressesFor(person, { siteUrl: app.config.siteUrl, staticBase: null });
      return {
        kind: 'artifact',
        id: row.id,
        title: row.title,
        excerpt: row.summary || storedExcerpt(row),
        original: at.page(sitePaths.artifact(person.handle, row.slug)),
        date: row.date,
        author: { name: person.name, url: sitePaths.portfolio(person.handle), handle: person.handle },
        tags: row.tags,
        visibility: row.visibility === 'public' || row.visibility === 'members' ? row.visibility : null,
        sourceTitle: null,
        hidden: row.hiddenReason === null ? null : { reason: row.hiddenReason },
        ownerNoindex: row.ownerNoindex,
      };
    }
  }
  const item = app.db
    .select({
      id: hubItems.id,
      title: hubItems.title,
      url: hubItems.url,
      excerpt: hubItems.excerpt,
      authorName: hubItems.authorName,
      sortDate: hubItems.sortDate,
      tags: hubItems.tags,
      sourceTitle: hubSources.title,
      sourceUrl: hubSources.url,
      siteUrl: hubSources.siteUrl,
      memberName: users.name,
      memberHandle: users.handle,
      memberNoindex: users.noindex,
      hiddenReason: hubHides.reason,
    })
    .from(hubItems)
    .innerJoin(hubSources, eq(hubSources.id, hubItems.sourceId))
    .leftJoin(users, eq(users.id, hubSources.memberId))
    .leftJoin(hubHides, and(eq(hubHides.hubId, hub.id), eq(hubHides.sourceId, hubItems.sourceId), eq(hubHides.itemKey, hubItems.key)))
    .where(and(eq(hubItems.id, id), itemConditions(hub, riverOptions)))
    .get();
  if (!item) return null;
  const host = hostOf(item.sourceUrl);
  return {
    kind: 'item',
    id: item.id,
    title: itemDisplayTitle(item.title, item.excerpt),
    excerpt: item.excerpt,
    original: item.url && /^https?:\/\//i.test(item.url) ? item.url : null,
    date: item.sortDate,
    author: item.memberHandle
      ? { name: item.memberName ?? item.memberHandle, url: sitePaths.portfolio(item.memberHandle), handle: item.memberHandle }
      : { name: item.authorName || item.sourceTitle || host, url: item.siteUrl && /^https?:\/\//i.test(item.siteUrl) ? item.siteUrl : null, handle: null },
    tags: item.tags,
    visibility: null,
    sourceTitle: item.sourceTitle || host,
    hidden: item.hiddenReason === null ? null : { reason: item.hiddenReason },
    ownerNoindex: item.memberNoindex === true,
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
