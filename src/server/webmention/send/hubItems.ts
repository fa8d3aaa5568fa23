/**
 * A public hub that takes in a post from a blog elsewhere tells that post, by a real Webmention from the hub's
 * page for the item (`/hubs/<slug>/items/<id>`, a repost of it) to the post. Found by looking, not by a hook in
 * the poller: every new item of a public hub with a link and no send yet is queued. Only items first seen lately
 * are announced, so turning this on does not tell every old post at once. Members-only hubs announce nothing: the
 * post's site could not read the page that mentions it.
 */
import { and, eq, gte, isNotNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { hubItems, hubs, hubSources, webmentionSends } from '../../db/schema.ts';
import { itemConditions } from '../../hubs/contributions.ts';
import { hubItemUrl } from '../../hubs/syndication.ts';
import { sourcesReachable } from './queue.ts';

/** How far back a new item is announced. */
export const ANNOUNCE_WINDOW_MS = 7 * 24 * 3_600_000;

/** Queues a Webmention for each new, shown item of every public hub; returns how many. */
export function queueHubItemMentions(app: AppContext): number {
  if (!sourcesReachable(app)) return 0;
  const now = app.now();
  const since = new Date(now.getTime() - ANNOUNCE_WINDOW_MS);
  let queued = 0;
  for (const hub of app.db.select().from(hubs).where(eq(hubs.visibility, 'public')).all()) {
    const rows = app.db
      .select({ id: hubItems.id, url: hubItems.url })
      .from(hubItems)
      .innerJoin(hubSources, eq(hubSources.id, hubItems.sourceId))
      .where(
        and(
          itemConditions(hub, { scope: 'public' }),
          isNotNull(hubItems.url),
          gte(hubItems.firstSeenAt, since),
          sql`not exists (select 1 from ${webmentionSends} where ${webmentionSends.hubItemId} = ${hubItems.id})`,
        ),
      )
      .limit(200)
      .all();
    for (const row of rows) {
      let target: URL;
      try {
        target = new URL(row.url!);
      } catch {
        continue;
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') continue;
      target.hash = '';
      app.db
        .insert(webmentionSends)
        .values({ id: app.newId(), hubItemId: row.id, source: hubItemUrl(app, hub.slug, row.id), target: target.href, status: 'queued', nextAttemptAt: now, createdAt: now, updatedAt: now })
        .onConflictDoNothing()
        .run();
      queued += 1;
    }
  }
  return queued;
}
