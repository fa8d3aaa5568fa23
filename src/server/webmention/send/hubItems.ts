/**
 * A public hub that takes in a post from a blog elsewhere tells that post, by a real Webmention from the hub's
 * page for the item (`/hubs/<slug>/items/<id>`, a repost of it) to the post. Found by looking, not by a hook in
 * the poller: every new item a public hub shows, with a link and no send yet, is queued. Only items first seen
 * lately are announced, so turning this on does not tell every old post at once. When the page stops showing an
 * item (a teacher hid it, the hub became members-only, the member left), the post is told once more (the page now
 * answers 404); shown again, it is told again. Members-only hubs announce nothing: the post's site could not read
 * the page that mentions it.
 */
import { and, eq, gte, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { hubItems, hubs, hubSources, webmentionSends } from '../../db/schema.ts';
import { itemConditions } from '../../hubs/contributions.ts';
import { hubItemUrl } from '../../hubs/syndication.ts';
import { requeue, sourcesReachable } from './queue.ts';

/** How far back a new item is announced. */
export const ANNOUNCE_WINDOW_MS = 7 * 24 * 3_600_000;

/** Queues the Webmentions hubs' item pages owe; returns how many were queued. */
export function queueHubItemMentions(app: AppContext): number {
  if (!sourcesReachable(app)) return 0;
  const now = app.now();
  const since = new Date(now.getTime() - ANNOUNCE_WINDOW_MS);
  const announced = sql`exists (select 1 from ${webmentionSends} where ${webmentionSends.hubItemId} = ${hubItems.id})`;
  let queued = 0;
  for (const hub of app.db.select().from(hubs).all()) {
    // What the hub's public item pages show now: new items, and items told before (so a return is told too).
    const shown =
      hub.visibility === 'public'
        ? app.db
            .select({ id: hubItems.id, url: hubItems.url })
            .from(hubItems)
            .innerJoin(hubSources, eq(hubSources.id, hubItems.sourceId))
            .where(and(itemConditions(hub, { scope: 'public' }), isNotNull(hubItems.url), or(gte(hubItems.firstSeenAt, since), announced)))
            .all()
        : [];
    const sent = new Map(
      app.db
        .select({ id: webmentionSends.id, hubItemId: webmentionSends.hubItemId, linked: webmentionSends.linked })
        .from(webmentionSends)
        .where(inArray(webmentionSends.hubItemId, app.db.select({ id: hubItems.id }).from(hubItems).where(eq(hubItems.hubId, hub.id))))
        .all()
        .map((r) => [r.hubItemId!, r]),
    );
    const shownIds = new Set<string>();
    for (const row of shown) {
      let target: URL;
      try {
        target = new URL(row.url!);
      } catch {
        continue;
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') continue;
      shownIds.add(row.id);
      const existing = sent.get(row.id);
      if (existing) {
        // Only if it is still as read: another node passing over this hub at the same moment queues it once.
        if (!existing.linked && requeue(app, existing.id, true, now, { onlyIfLinked: false })) queued += 1;
        continue;
      }
      target.hash = '';
      app.db
        .insert(webmentionSends)
        .values({ id: app.newId(), hubItemId: row.id, source: hubItemUrl(app, hub.slug, row.id), target: target.href, status: 'queued', nextAttemptAt: now, createdAt: now, updatedAt: now })
        .onConflictDoNothing()
        .run();
      queued += 1;
    }
    for (const [itemId, row] of sent) {
      if (row.linked && !shownIds.has(itemId) && requeue(app, row.id, false, now, { onlyIfLinked: true })) queued += 1;
    }
  }
  return queued;
}
