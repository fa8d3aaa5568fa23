/**
 * Posts held for a teacher's approval. A hashtag on a public server carries anyone's posts, and a hub is read by
 * minors: a post of a tag source comes in directly only when its account is marked as a member's
 * (hub_fediverse_accounts); anyone else's waits in the hub's queue (`/hubs/<slug>/held`) and is not a hub item —
 * so no river, feed, search or progress view can show it — until a teacher approves it. A rejected post is
 * remembered, so the next poll does not bring it back. One post seen on several servers is held (and approved) once.
 */
import { and, asc, count, eq, gte, inArray, max, or, sql } from 'drizzle-orm';
import { normaliseUrlKey, type ParsedFeed, type ParsedItem } from '../../core/feeds/parse.ts';
import { accountOfPost } from '../../core/hubs/fediverse.ts';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { hubFediverseAccounts, hubHeldItems, hubItems, hubMembers, hubTagSources, hubs, notifications, users, type HeldItemRow, type HubSource, type HubTagSource } from '../db/schema.ts';
import { notify } from '../notifications/notify.ts';
import { consentedMembership } from './enrolment.ts';
import { hubTeacherIds } from '../notifications/hubEvents.ts';

/** The tag a source follows, when it is a tag source. */
export function tagSourceOf(app: AppContext, sourceId: string): HubTagSource | undefined {
  // Asked for every feed of every poll.
  return prepared(app.db, 'held.tagSourceOf', (db) =>
    db
      .select()
      .from(hubTagSources)
      .where(eq(hubTagSources.sourceId, sql.placeholder('sourceId')))
      .prepare(),
  ).get({ sourceId });
}

/** The accounts marked as members' in a hub whose member still belongs to it: acct → member id. */
export function memberAccounts(app: AppContext, hubId: string): Map<string, string> {
  const rows = app.db
    .select({ acct: hubFediverseAccounts.acct, memberId: hubFediverseAccounts.memberId })
    .from(hubFediverseAccounts)
    .innerJoin(hubMembers, and(eq(hubMembers.hubId, hubFediverseAccounts.hubId), eq(hubMembers.userId, hubFediverseAccounts.memberId), consentedMembership()))
    .where(eq(hubFediverseAccounts.hubId, hubId))
    .all();
  return new Map(rows.map((r) => [r.acct, r.memberId]));
}

/** The account that wrote a feed item, from its link (else its guid, Mastodon's ActivityPub id). */
export function accountOfItem(item: Pick<ParsedItem, 'url' | 'id'>) {
  return accountOfPost(item.url) ?? accountOfPost(item.id);
}

/**
 * Splits a tag source's feed (call inside the poll's transaction): the items that come in (a member's account, or
 * a post the hub already has: approved earlier, or through another server) stay in the returned feed; the others
 * are held (new ones recorded, ones already held or rejected left as they are). Title-less posts without a named
 * author get the account as their author. Returns the feed to merge and how many posts were newly held.
 */
export function screenTagFeed(
  app: AppContext,
  source: Pick<HubSource, 'id' | 'hubId'>,
  feed: ParsedFeed,
  rowOf: (item: ParsedItem) => HeldItemRow,
): { feed: ParsedFeed; held: number } {
  const members = memberAccounts(app, source.hubId);
  const now = app.now();
  const named = feed.items.map((item) => {
    const account = accountOfItem(item);
    return { item: account && item.authors.length === 0 ? { ...item, authors: [{ name: `@${account.acct}`, url: account.profileUrl ?? undefined }] } : item, account };
  });
  const rows = named.map(({ item, account }) => ({ item, account, row: rowOf(item) }));
  const urlKeys = rows.map((r) => r.row.urlKey).filter((k): k is string => k !== null);
  const keys = rows.map((r) => r.row.key);
  const inHub = app.db
    .select({ urlKey: hubItems.urlKey, key: hubItems.key, sourceId: hubItems.sourceId })
    .from(hubItems)
    .where(
      and(
        eq(hubItems.hubId, source.hubId),
        or(urlKeys.length ? inArray(hubItems.urlKey, urlKeys) : undefined, and(eq(hubItems.sourceId, source.id), inArray(hubItems.key, keys.length ? keys : ['']))),
      ),
    )
    .all();
  const hubUrlKeys = new Set(inHub.map((r) => r.urlKey).filter(Boolean));
  const ownKeys = new Set(inHub.filter((r) => r.sourceId === source.id).map((r) => r.key));
  const dedupeKeys = rows.map((r) => r.row.urlKey ?? r.row.key);
  const known = new Set(
    app.db
      .select({ dedupeKey: hubHeldItems.dedupeKey })
      .from(hubHeldItems)
      .where(and(eq(hubHeldItems.hubId, source.hubId), inArray(hubHeldItems.dedupeKey, dedupeKeys.length ? dedupeKeys : [''])))
      .all()
      .map((r) => r.dedupeKey),
  );
  const admitted: ParsedItem[] = [];
  let held = 0;
  for (const { item, account, row } of rows) {
    if ((account && members.has(account.acct)) || ownKeys.has(row.key) || (row.urlKey && hubUrlKeys.has(row.urlKey))) {
      admitted.push(item);
      continue;
    }
    const dedupeKey = row.urlKey ?? row.key;
    if (known.has(dedupeKey)) continue;
    known.add(dedupeKey);
    held += app.db
      .insert(hubHeldItems)
      .values({
        id: app.newId(),
        hubId: source.hubId,
        sourceId: source.id,
        dedupeKey,
        acct: account?.acct ?? null,
        profileUrl: account?.profileUrl ?? null,
        url: row.url,
        excerpt: row.excerpt,
        item: row,
        heldAt: now,
      })
      .onConflictDoNothing()
      .run().changes;
  }
  return { feed: { ...feed, items: admitted }, held };
}

/** Posts the queue page shows at once (the oldest first; deciding on them brings the next). */
export const HELD_SHOWN = 100;

/** A hub's queue: posts waiting for approval, oldest first. */
export function listHeldItems(app: AppContext, hubId: string, limit = HELD_SHOWN) {
  return app.db
    .select()
    .from(hubHeldItems)
    .where(and(eq(hubHeldItems.hubId, hubId), eq(hubHeldItems.status, 'held')))
    .orderBy(asc(hubHeldItems.heldAt), asc(hubHeldItems.id))
    .limit(limit)
    .all();
}

/** How many posts wait in a hub's queue. */
export function countHeldItems(app: AppContext, hubId: string): number {
  return (
    app.db
      .select({ n: count() })
      .from(hubHeldItems)
      .where(and(eq(hubHeldItems.hubId, hubId), eq(hubHeldItems.status, 'held')))
      .get()?.n ?? 0
  );
}

/** The ids of a hub's sources that follow a hashtag. */
export function tagSourceIds(app: AppContext, hubId: string): Set<string> {
  return new Set(app.db.select({ id: hubTagSources.sourceId }).from(hubTagSources).where(eq(hubTagSources.hubId, hubId)).all().map((r) => r.id));
}

/** The accounts marked as members' in a hub, with the member's name, for the queue page. */
export function listMemberAccounts(app: AppContext, hubId: string) {
  return app.db
    .select({ id: hubFediverseAccounts.id, acct: hubFediverseAccounts.acct, memberId: users.id, name: users.name, handle: users.handle })
    .from(hubFediverseAccounts)
    .innerJoin(users, eq(users.id, hubFediverseAccounts.memberId))
    .where(eq(hubFediverseAccounts.hubId, hubId))
    .orderBy(asc(hubFediverseAccounts.acct))
    .all();
}

/**
 * A poll (or a tag's first fetch, when it was added) held new posts in some hubs: each hub's teachers are told once
 * for the whole poll (not once per post), with the number waiting now. Returns how many notifications were made.
 */
export function notifyHeldPosts(app: AppContext, hubIds: Iterable<string>, actorId: string | null = null): number {
  const at = app.now().getTime();
  let made = 0;
  for (const hubId of new Set(hubIds)) {
    const hub = app.db.select({ id: hubs.id, slug: hubs.slug, title: hubs.title }).from(hubs).where(eq(hubs.id, hubId)).get();
    if (!hub) continue;
    const waiting = countHeldItems(app, hub.id);
    if (waiting === 0) continue;
    // A teacher told since the newest post was held has heard of every post waiting: the poll of another node that
    // held posts of this hub in the same round (its sources are shared out among the nodes) tells them nothing more.
    const newest = app.db.select({ at: max(hubHeldItems.heldAt) }).from(hubHeldItems).where(and(eq(hubHeldItems.hubId, hub.id), eq(hubHeldItems.status, 'held'))).get()?.at;
    const toldSince = new Set(
      newest
        ? app.db
            .select({ userId: notifications.userId })
            .from(notifications)
            .where(and(eq(notifications.hubId, hub.id), eq(notifications.kind, 'hub.held'), gte(notifications.createdAt, newest)))
            .all()
            .map((r) => r.userId)
        : [],
    );
    made += notify(
      app,
      hubTeacherIds(app, hub.id).filter((to) => !toldSince.has(to)).map((to) => ({
        to,
        kind: 'hub.held' as const,
        title: `${waiting} post${waiting === 1 ? '' : 's'} on ${hub.title}’s hashtags wait${waiting === 1 ? 's' : ''} for your approval`,
        url: `/hubs/${hub.slug}/held`,
        hubId: hub.id,
        // The teacher who added the tag sees the count on the page; their colleagues are told.
        actorId,
        key: `hub.held:${hub.id}:${at}`,
      })),
    ).length;
  }
  return made;
}

/** A held post's hub item row, ready to insert (ids and dates of our own added). */
export function heldToItem(app: AppContext, held: { hubId: string; sourceId: string; item: HeldItemRow }) {
  const now = app.now();
  const r = held.item;
  const published = r.published === null ? null : new Date(r.published);
  const updated = r.updated === null ? null : new Date(r.updated);
  return {
    id: app.newId(),
    hubId: held.hubId,
    sourceId: held.sourceId,
    key: r.key,
    urlKey: r.urlKey ?? (r.url ? (normaliseUrlKey(r.url) ?? null) : null),
    url: r.url,
    title: r.title,
    contentHtml: r.contentHtml,
    excerpt: r.excerpt,
    image: r.image,
    authorName: r.authorName,
    published,
    updated,
    tags: r.tags,
    fingerprint: r.fingerprint,
    sortDate: published ?? updated ?? now,
    firstSeenAt: now,
    changedAt: now,
  };
}
