/**
 * The sitemap's course hubs: every public hub's page, which anyone may read. Members-only hubs are never listed, not
 * even by address. One query.
 */
import { asc, eq } from 'drizzle-orm';
import type { SitemapEntry } from '../../core/feeds/discovery.ts';
import { joinUrl } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { hubs } from '../db/schema.ts';
import { hubPaths } from './feed.ts';

/** A sitemap entry for each public hub, dated by its last change (or its creation). */
export function publicHubSitemapEntries(app: AppContext): SitemapEntry[] {
  return app.db
    .select({ slug: hubs.slug, createdAt: hubs.createdAt, updatedAt: hubs.updatedAt })
    .from(hubs)
    .where(eq(hubs.visibility, 'public'))
    .orderBy(asc(hubs.slug))
    .all()
    .map((h) => ({ loc: joinUrl(app.config.siteUrl, hubPaths.river(h.slug)), lastmod: h.updatedAt ?? h.createdAt }));
}
