/**
 * Polling external feeds into hubs. One source at a time: claim it (a lease in the database, so the server's
 * scheduler, "poll now" and `potluck hub poll` never fetch the same feed at once), fetch it conditionally, parse,
 * and in one transaction (a savepoint in one shared with the feeds read at about the same time) merge its items
 * into the hub: new ones added, edited ones rewritten, ones that lost the hub's tag or were deleted upstream
 * removed. Then the source's health is recorded: status, the error in words, items found, back-off, the flag for
 * feeds that keep failing, the stop on 410 Gone and the new address after a 301. Many sources run side by side;
 * safeFetch's limits keep it polite overall and per host.
 */
import { hash } from 'node:crypto';
import { and, eq, inArray, isNull, lte, ne, or, sql } from 'drizzle-orm';
import { itemKey, normaliseUrlKey, type ParsedFeed, type ParsedItem } from '../../core/feeds/parse.ts';
import { plainExcerpt } from '../../core/hubs/excerpt.ts';
import { foldedSet, itemTags, matchesAny, textForHashtags } from '../../core/hubs/matching.ts';
import { nextAfterSuccess, scheduleAfterFailure } from '../../core/hubs/schedule.ts';
import type { AppContext } from '../context.ts';
import { hubItems, hubSources, hubs, type Hub, type HubSource } from '../db/schema.ts';
import { prepared } from '../db/prepared.ts';
import { inTransaction } from '../db/tx.ts';
import { transactionBatcher, type BatchTicket } from '../db/batch.ts';
import type { SafeFetchOptions } from '../net/safeFetch.ts';
import { fetchFeed, type FeedFailure, type FetchedFeed } from './fetching.ts';
import { makeSourceThumbnails, makeThumbnailsAsJob, sweepThumbnails } from './thumbnails.ts';
import type { FeedParser } from './parsers.ts';
import { notifySourceFailing } from '../notifications/hubEvents.ts';
import { notifyHeldPosts, screenTagFeed, tagSourceOf } from './held.ts';
import type { HeldItemRow } from '../db/schema.ts';
import { websubContentChanged } from '../websub/events.ts';
import { markSilent, PUSHED_POLL_FACTOR, pushActive, subscribeIfAdvertised } from '../websub/subscriber.ts';

/** How long a claim on a source lasts: longer than the slowest fetch (redirect hops × timeout). */
const LEASE_MS = 10 * 60_000;

/** What happened to one source in a poll. */
export interface SourcePollResult {
  sourceId: string;
  hubId: string;
  url: string;
  outcome: 'updated' | 'unchanged' | 'not-modified' | 'failed' | 'skipped';
  status: number | null;
  added: number;
  updated: number;
  removed: number;
  itemsFound: number | null;
  /** Posts of a hashtag source newly held for a teacher's approval (held.ts). */
  held?: number;
  /** For failed: the code and the sentence for the teacher; for skipped: why. */
  code?: string;
  message?: string;
}

/** A poll run's totals. */
export interface PollSummary {
  total: number;
  updated: number;
  unchanged: number;
  notModified: number;
  failed: number;
  skipped: number;
  added: number;
  changed: number;
  removed: number;
  results: SourcePollResult[];
}

/** Options of a poll run. */
export interface PollOptions {
  /** Fetch even when not due (poll now); a server's Retry-After is still honoured. */
  force?: boolean;
  /** Sources polled side by side. Default 16 (safeFetch's overall limit). */
  concurrency?: number;
  /** Overrides for safeFetch (tests, benchmarks). */
  fetch?: Partial<SafeFetchOptions>;
  /** Called after each source. */
  onProgress?: (done: number, total: number, result: SourcePollResult) => void;
  /** Stops claiming new sources once aborted (the server shutting down). */
  signal?: AbortSignal;
  /** Kept up to date with the ids of sources being fetched (so a shutdown can release their leases). */
  inFlight?: Set<string>;
  /** Where feeds are parsed (default: this thread; the scheduler and the CLI use a worker). */
  parser?: FeedParser;
  /** After the feeds: pictures of their new items made so far, of how many (thumbnails.ts). */
  onPictures?: (done: number, total: number) => void;
  /** The pictures as a job with a lease that another node finishes if this one dies (the server's poller). */
  picturesAsJob?: boolean;
}

/** The ids of sources due for a fetch now (optionally of one hub), oldest due first. */
export function dueSourceIds(app: AppContext, options: { hubId?: string; force?: boolean } = {}): string[] {
  const now = app.now();
  return app.db
    .select({ id: hubSources.id })
    .from(hubSources)
    .where(
      and(
        options.hubId ? eq(hubSources.hubId, options.hubId) : undefined,
        isNull(hubSources.stoppedAt),
        options.force ? undefined : lte(hubSources.nextFetchAt, now),
        or(isNull(hubSources.holdUntil), lte(hubSources.holdUntil, now)),
      ),
    )
    .orderBy(hubSources.nextFetchAt)
    .all()
    .map((r) => r.id);
}

/** A value bound as SQLite stores it (timestamps as milliseconds), for statements prepared once (prepared.ts). */
const param = (name: string) => sql`${sql.placeholder(name)}`;

/** Claims a source for this poller, or returns why not. */
function claim(app: AppContext, sourceId: string, force: boolean): HubSource | string {
  const now = app.now();
  // Every feed of every poll is claimed: one statement prepared per database (and per kind of claim), not per call.
  const claimStatement = prepared(app.db, force ? 'poller.claimForced' : 'poller.claimDue', (db) =>
    db
      .update(hubSources)
      .set({ leaseUntil: param('leaseUntil') })
      .where(
        and(
          eq(hubSources.id, sql.placeholder('id')),
          isNull(hubSources.stoppedAt),
          or(isNull(hubSources.leaseUntil), lte(hubSources.leaseUntil, sql.placeholder('now'))),
          or(isNull(hubSources.holdUntil), lte(hubSources.holdUntil, sql.placeholder('now'))),
          force ? undefined : lte(hubSources.nextFetchAt, sql.placeholder('now')),
        ),
      )
      .returning()
      .prepare(),
  );
  const claimed = claimStatement.get({ id: sourceId, now: now.getTime(), leaseUntil: now.getTime() + LEASE_MS });
  if (claimed) return claimed;
  const source = app.db.select().from(hubSources).where(eq(hubSources.id, sourceId)).get();
  if (!source) return 'The source was removed.';
  if (source.stoppedAt) return 'Polling this feed stopped (the site said it is gone).';
  if (source.holdUntil && source.holdUntil > now)
    return `The site asked Potluck to wait until ${source.holdUntil.toISOString()} (Retry-After).`;
  if (source.leaseUntil && source.leaseUntil > now) return 'Another poller is fetching this feed right now.';
  return 'Not due yet.';
}

function fingerprintOf(parts: unknown[]): string {
  // One-shot hash (the same digest as createHash().update().digest()): stored fingerprints stay comparable.
  return hash('sha256', JSON.stringify(parts), 'base64url').slice(0, 22);
}

/** A new hub item's values as SQLite stores them (the insert of mergeFeedItems). */
interface InsertItemValues {
  id: string;
  hubId: string;
  sourceId: string;
  key: string;
  urlKey: string | null;
  url: string | null;
  title: string;
  contentHtml: string;
  excerpt: string;
  image: string | null;
  authorName: string | null;
  published: number | null;
  updated: number | null;
  sortDate: number;
  tags: string;
  fingerprint: string;
  firstSeenAt: number;
  changedAt: number;
}

/** What a parsed item becomes as a hub item row (without ids and dates of our own). */
function itemRow(item: ParsedItem, text: string, tags: string[]) {
  const excerpt = plainExcerpt(item.summary || text);
  const authorName = item.authors.map((a) => a.name).join(', ') || null;
  const row = {
    key: itemKey(item),
    urlKey: item.url ? (normaliseUrlKey(item.url) ?? null) : null,
    url: item.url ?? null,
    title: item.title,
    contentHtml: item.contentHtml,
    excerpt,
    image: item.image ?? null,
    authorName,
    published: item.published ?? null,
    updated: item.updated ?? null,
    tags,
  };
  const fingerprint = fingerprintOf([row.url, row.title, row.contentHtml, row.excerpt, row.image, row.authorName, row.published?.getTime(), row.updated?.getTime(), row.tags]);
  return { ...row, fingerprint };
}

/** A parsed item as the row a held post keeps until it is approved (held.ts). */
export function heldRowOf(item: ParsedItem): HeldItemRow {
  const text = textForHashtags(item.contentHtml);
  const tags = itemTags({ categories: item.categories, title: item.title, text: item.summary ? `${item.summary} ${text}` : text });
  const row = itemRow(item, text, tags);
  return { ...row, published: row.published?.getTime() ?? null, updated: row.updated?.getTime() ?? null };
}

/**
 * Merges a fetched feed into the hub for one source (inside a transaction): a hashtag source's feed is screened
 * first, so only members' posts and approved ones become items (held.ts).
 */
export function mergeSourceFeed(app: AppContext, hub: Pick<Hub, 'id' | 'tags'>, source: Pick<HubSource, 'id' | 'hubId' | 'matchAll'>, feed: ParsedFeed): MergeCounts & { held: number } {
  const screened = tagSourceOf(app, source.id) ? screenTagFeed(app, source, feed, heldRowOf) : { feed, held: 0 };
  return { ...mergeFeedItems(app, hub, source, screened.feed), held: screened.held };
}

/** Counts of what a merge changed. */
export interface MergeCounts {
  added: number;
  updated: number;
  removed: number;
}

/**
 * Merges a parsed feed into the hub's items for one source (call inside a transaction). Items that belong (a hub
 * tag, or a source that takes everything) are added or, when what the river shows changed, rewritten; items that no
 * longer belong leave; stored items missing from the feed although newer than its oldest item were deleted upstream
 * and leave too (older ones merely scrolled out of the feed and stay). The statements every feed runs are prepared
 * once per database: a cold poll of 1,000 feeds × 20 items runs 20,000 inserts, and building their SQL each time
 * cost more than running them.
 */
export function mergeFeedItems(app: AppContext, hub: Pick<Hub, 'id' | 'tags'>, source: Pick<HubSource, 'id' | 'matchAll'>, feed: ParsedFeed): MergeCounts {
  const now = app.now();
  const hubTags = foldedSet(hub.tags);
  const stored = prepared(app.db, 'poller.storedItems', (db) =>
    db
      .select({ id: hubItems.id, key: hubItems.key, urlKey: hubItems.urlKey, fingerprint: hubItems.fingerprint, sortDate: hubItems.sortDate, published: hubItems.published, image: hubItems.image })
      .from(hubItems)
      .where(eq(hubItems.sourceId, sql.placeholder('sourceId')))
      .prepare(),
  ).all({ sourceId: source.id });
  const byKey = new Map(stored.map((s) => [s.key, s]));
  const byUrl = new Map(stored.filter((s) => s.urlKey).map((s) => [s.urlKey!, s]));
  const counts: MergeCounts = { added: 0, updated: 0, removed: 0 };
  const inFeed = new Set<string>();
  const removedIds = new Set<string>();
  const fresh = new Map<string, ReturnType<typeof itemRow>>();
  let oldest: number | null = null;

  for (const item of feed.items) {
    const text = textForHashtags(item.contentHtml);
    const tags = itemTags({ categories: item.categories, title: item.title, text: item.summary ? `${item.summary} ${text}` : text });
    const row = itemRow(item, text, tags);
    const date = (item.published ?? item.updated)?.getTime();
    if (date !== undefined) oldest = oldest === null ? date : Math.min(oldest, date);
    // The same post under another key (its guid changed spelling, http became https) is the same item.
    const current = byKey.get(row.key) ?? (row.urlKey ? byUrl.get(row.urlKey) : undefined);
    if (current) inFeed.add(current.id);
    const belongs = source.matchAll || matchesAny(tags, hubTags);
    if (!belongs) {
      if (current) removedIds.add(current.id);
      else fresh.delete(row.key);
      continue;
    }
    if (current) {
      if (removedIds.has(current.id)) continue;
      if (current.fingerprint !== row.fingerprint || current.key !== row.key) {
        app.db
          .update(hubItems)
          // Another picture (or none): the old thumbnail goes, and the next sweep takes its file.
          .set({ ...row, sortDate: row.published ?? row.updated ?? current.sortDate, changedAt: now, ...(current.image !== row.image ? { thumbnail: null } : {}) })
          .where(eq(hubItems.id, current.id))
          .run();
        counts.updated++;
      }
      continue;
    }
    // Repeated in one feed: the first wins (feeds list newest first).
    if (!fresh.has(row.key)) fresh.set(row.key, row);
  }

  if (fresh.size) {
    // A post the hub already has through another of its feeds is kept once: the new items' addresses are looked up
    // in one statement (a JSON array of them), not one per item.
    const urlKeys = [...fresh.values()].flatMap((row) => (row.urlKey ? [row.urlKey] : []));
    const elsewhere = new Set(
      urlKeys.length === 0
        ? []
        : prepared(app.db, 'poller.urlsElsewhere', (db) =>
            db
              .selectDistinct({ urlKey: hubItems.urlKey })
              .from(hubItems)
              .where(
                and(
                  eq(hubItems.hubId, sql.placeholder('hubId')),
                  sql`${hubItems.urlKey} in (select value from json_each(${sql.placeholder('urlKeys')}))`,
                  ne(hubItems.sourceId, sql.placeholder('sourceId')),
                ),
              )
              .prepare(),
          )
            .all({ hubId: hub.id, urlKeys: JSON.stringify(urlKeys), sourceId: source.id })
            .map((r) => r.urlKey),
    );
    // The hottest statement of a cold poll (one run per new item): a statement of the connection's own, with the
    // values bound as SQLite stores them (JSON text, dates in milliseconds), not mapped column by column on each run.
    const insert = prepared(app.db, 'poller.insertItem', (db) =>
      db.$client.prepare<InsertItemValues>(
        'insert into "hub_items" ("id", "hub_id", "source_id", "key", "url_key", "url", "title", "content_html", "excerpt", "image", "thumbnail", "author_name", "published", "updated", "sort_date", "tags", "fingerprint", "first_seen_at", "changed_at") ' +
          'values (@id, @hubId, @sourceId, @key, @urlKey, @url, @title, @contentHtml, @excerpt, @image, null, @authorName, @published, @updated, @sortDate, @tags, @fingerprint, @firstSeenAt, @changedAt) on conflict do nothing',
      ),
    );
    const seenUrls = new Set<string>();
    for (const row of fresh.values()) {
      if (row.urlKey) {
        if (seenUrls.has(row.urlKey) || elsewhere.has(row.urlKey)) continue;
        seenUrls.add(row.urlKey);
      }
      const values: InsertItemValues = {
        id: app.newId(),
        hubId: hub.id,
        sourceId: source.id,
        key: row.key,
        urlKey: row.urlKey,
        url: row.url,
        title: row.title,
        contentHtml: row.contentHtml,
        excerpt: row.excerpt,
        image: row.image,
        authorName: row.authorName,
        published: row.published?.getTime() ?? null,
        updated: row.updated?.getTime() ?? null,
        sortDate: (row.published ?? row.updated ?? now).getTime(),
        tags: JSON.stringify(row.tags),
        fingerprint: row.fingerprint,
        firstSeenAt: now.getTime(),
        changedAt: now.getTime(),
      };
      counts.added += insert.run(values).changes;
    }
  }

  if (feed.items.length > 0 && oldest !== null) {
    for (const s of stored) {
      if (!inFeed.has(s.id) && s.published !== null && s.published.getTime() >= oldest) removedIds.add(s.id);
    }
  }
  if (removedIds.size) {
    const ids = [...removedIds];
    for (let i = 0; i < ids.length; i += 500) app.db.delete(hubItems).where(inArray(hubItems.id, ids.slice(i, i + 500))).run();
    counts.removed += ids.length;
  }
  return counts;
}

function recordFailure(app: AppContext, source: HubSource, hub: Pick<Hub, 'pollIntervalMinutes'>, failure: FeedFailure): SourcePollResult {
  const now = app.now();
  const failures = source.consecutiveFailures + 1;
  const base = {
    lastFetchAt: now,
    lastStatus: failure.status,
    lastOutcome: 'failed' as const,
    lastError: failure.message,
    lastErrorCode: failure.code,
    consecutiveFailures: failures,
    leaseUntil: null,
  };
  if (failure.code === 'gone') {
    // 410: the blog is gone for good. Stop, and tell the teacher (the source stays, flagged, until they decide).
    inTransaction(app, () => {
      app.db
        .update(hubSources)
        .set({ ...base, stoppedAt: now, stoppedReason: failure.message, flaggedAt: source.flaggedAt ?? now })
        .where(eq(hubSources.id, source.id))
        .run();
      if (!source.flaggedAt) notifySourceFailing(app, source, now);
    });
  } else {
    const schedule = scheduleAfterFailure(now, { failures, intervalMinutes: hub.pollIntervalMinutes, retryAfterSeconds: failure.retryAfterSeconds });
    inTransaction(app, () => {
      app.db
        .update(hubSources)
        .set({
          ...base,
          nextFetchAt: schedule.nextFetchAt,
          holdUntil: schedule.holdUntil,
          flaggedAt: schedule.flag ? (source.flaggedAt ?? now) : source.flaggedAt,
        })
        .where(eq(hubSources.id, source.id))
        .run();
      // The teachers hear of it once per flagging: when it is flagged, not at every failure after.
      if (schedule.flag && !source.flaggedAt) notifySourceFailing(app, source, now);
    });
  }
  return {
    sourceId: source.id,
    hubId: source.hubId,
    url: source.url,
    outcome: 'failed',
    status: failure.status,
    added: 0,
    updated: 0,
    removed: 0,
    itemsFound: null,
    code: failure.code,
    message: failure.message,
  };
}

/** The source's address after a permanent redirect, unless another source of the hub already has it. */
function movedUrl(app: AppContext, source: HubSource, permanentUrl: string): { url: string; urlKey: string } | null {
  if (permanentUrl === source.url) return null;
  const urlKey = normaliseUrlKey(permanentUrl) ?? permanentUrl;
  const taken = app.db
    .select({ id: hubSources.id })
    .from(hubSources)
    .where(and(eq(hubSources.hubId, source.hubId), eq(hubSources.urlKey, urlKey), ne(hubSources.id, source.id)))
    .get();
  return taken ? null : { url: permanentUrl, urlKey };
}

/**
 * The update that records a successful fetch of a source (every feed of every poll runs one; a feed that moved
 * then gets its new address): `not-modified` keeps what the last read found, `read` also stores what this one found.
 */
function successStatement(app: AppContext, kind: 'not-modified' | 'read') {
  return prepared(app.db, `poller.success.${kind}`, (db) =>
    db
      .update(hubSources)
      .set({
        lastFetchAt: param('now'),
        lastSuccessAt: param('now'),
        lastStatus: param('status'),
        lastError: null,
        lastErrorCode: null,
        consecutiveFailures: 0,
        flaggedAt: null,
        holdUntil: null,
        leaseUntil: null,
        nextFetchAt: param('nextFetchAt'),
        etag: param('etag'),
        lastModified: param('lastModified'),
        ...(kind === 'not-modified'
          ? { lastOutcome: 'not-modified' as const }
          : { lastOutcome: param('lastOutcome'), itemsFound: param('itemsFound'), title: param('title'), siteUrl: param('siteUrl') }),
      })
      .where(eq(hubSources.id, sql.placeholder('id')))
      .prepare(),
  );
}

/** Polls one claimed source: fetch, merge, record. */
async function pollClaimed(app: AppContext, source: HubSource, options: PollOptions): Promise<SourcePollResult> {
  return fetchAndMerge(app, source, options);
}

async function fetchAndMerge(app: AppContext, source: HubSource, options: PollOptions): Promise<SourcePollResult> {
  // Feeds read at about the same time are merged in one transaction, a savepoint each (db/batch.ts).
  const ticket = transactionBatcher(app).expect();
  try {
    return await fetchAndMergeIn(app, source, options, ticket);
  } finally {
    ticket.done();
  }
}

async function fetchAndMergeIn(app: AppContext, source: HubSource, options: PollOptions, ticket: BatchTicket): Promise<SourcePollResult> {
  const hub = prepared(app.db, 'poller.hub', (db) =>
    db
      .select()
      .from(hubs)
      .where(eq(hubs.id, sql.placeholder('id')))
      .prepare(),
  ).get({ id: source.hubId });
  if (!hub) return { sourceId: source.id, hubId: source.hubId, url: source.url, outcome: 'skipped', status: null, added: 0, updated: 0, removed: 0, itemsFound: null, message: 'The hub was deleted.' };
  let fetched: Awaited<ReturnType<typeof fetchFeed>>;
  try {
    fetched = await fetchFeed(app, source.url, { etag: source.etag, lastModified: source.lastModified, fetch: options.fetch, parser: options.parser });
  } catch (error) {
    // Something unexpected (a bug, not a bad feed): record it like any failure so the feed is not silently dropped.
    fetched = { ok: false, code: 'internal', message: `Potluck could not poll this feed (${(error as Error).message}).`, status: null };
  }
  if (!fetched.ok) return ticket.run(() => recordFailure(app, source, hub, fetched));

  const now = app.now();
  // While a WebSub hub delivers this feed, polling is only a safety net, several intervals apart.
  const pushed = pushActive(app, source.id);
  const result = await ticket.run((): SourcePollResult => {
    // The feed, its member or its hub may have been removed while it was being read: nothing to merge into.
    const stillThere = prepared(app.db, 'poller.sourceExists', (db) =>
      db
        .select({ id: hubSources.id })
        .from(hubSources)
        .where(eq(hubSources.id, sql.placeholder('id')))
        .prepare(),
    );
    if (!stillThere.get({ id: source.id })) {
      return { sourceId: source.id, hubId: source.hubId, url: source.url, outcome: 'skipped', status: null, added: 0, updated: 0, removed: 0, itemsFound: null, message: 'The feed was removed while it was being read.' };
    }
    const moved = fetched.redirectedPermanently ? movedUrl(app, source, fetched.permanentUrl) : null;
    // Health first (one statement for every feed), then, after a permanent redirect, the feed's new address.
    const recordSuccess = (kind: 'not-modified' | 'read', values: Record<string, unknown>) => {
      const nextFetchAt = nextAfterSuccess(now, hub.pollIntervalMinutes * (pushed ? PUSHED_POLL_FACTOR : 1));
      successStatement(app, kind).run({ id: source.id, now: now.getTime(), status: fetched.status, nextFetchAt: nextFetchAt.getTime(), ...values });
      if (moved) app.db.update(hubSources).set({ url: moved.url, urlKey: moved.urlKey, movedFrom: source.url, movedAt: now }).where(eq(hubSources.id, source.id)).run();
    };
    if ('notModified' in fetched) {
      recordSuccess('not-modified', { etag: fetched.etag ?? source.etag, lastModified: fetched.lastModified ?? source.lastModified });
      return { sourceId: source.id, hubId: hub.id, url: moved?.url ?? source.url, outcome: 'not-modified', status: 304, added: 0, updated: 0, removed: 0, itemsFound: source.itemsFound };
    }
    const feed = (fetched as FetchedFeed).feed;
    const { held, ...counts } = mergeSourceFeed(app, hub, source, feed);
    const changed = counts.added + counts.updated + counts.removed > 0;
    const read = {
      lastOutcome: changed ? ('updated' as const) : ('unchanged' as const),
      etag: fetched.etag,
      lastModified: fetched.lastModified,
      itemsFound: feed.items.length,
      title: source.title || feed.title || '',
      siteUrl: feed.link ?? source.siteUrl,
    };
    recordSuccess('read', read);
    if (changed) {
      prepared(app.db, 'poller.hubChanged', (db) =>
        db
          .update(hubs)
          .set({ updatedAt: param('now') })
          .where(eq(hubs.id, sql.placeholder('id')))
          .prepare(),
      ).run({ id: hub.id, now: now.getTime() });
    }
    // Changes the hub never pushed: it is silent, and the feed goes back to its normal interval.
    if (changed && pushed) {
      markSilent(app, source.id);
      app.db.update(hubSources).set({ nextFetchAt: nextAfterSuccess(now, hub.pollIntervalMinutes) }).where(eq(hubSources.id, source.id)).run();
    }
    return {
      sourceId: source.id,
      hubId: hub.id,
      url: moved?.url ?? source.url,
      outcome: changed ? 'updated' : 'unchanged',
      status: fetched.status,
      ...counts,
      itemsFound: feed.items.length,
      held,
    };
  });
  if (result.outcome === 'updated') websubContentChanged();
  // A feed that advertises a WebSub hub is subscribed to, so its news arrives without waiting for a poll.
  if (result.outcome !== 'skipped') await subscribeIfAdvertised(app, source, fetched.websub, options.fetch);
  return result;
}

/** Polls one source now if it can be claimed (see PollOptions.force); a skipped result says why not. */
export async function pollSource(app: AppContext, sourceId: string, options: PollOptions = {}): Promise<SourcePollResult> {
  const claimed = claim(app, sourceId, options.force === true);
  if (typeof claimed === 'string') {
    const source = app.db.select({ hubId: hubSources.hubId, url: hubSources.url }).from(hubSources).where(eq(hubSources.id, sourceId)).get();
    return { sourceId, hubId: source?.hubId ?? '', url: source?.url ?? '', outcome: 'skipped', status: null, added: 0, updated: 0, removed: 0, itemsFound: null, message: claimed };
  }
  return pollClaimed(app, claimed, options);
}

/** Polls many sources side by side and adds up what happened. */
export async function pollSources(app: AppContext, sourceIds: readonly string[], options: PollOptions = {}): Promise<PollSummary> {
  const summary: PollSummary = { total: sourceIds.length, updated: 0, unchanged: 0, notModified: 0, failed: 0, skipped: 0, added: 0, changed: 0, removed: 0, results: [] };
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < sourceIds.length && !options.signal?.aborted) {
      const id = sourceIds[next++]!;
      options.inFlight?.add(id);
      let result: SourcePollResult;
      try {
        result = await pollSource(app, id, options);
      } catch (error) {
        // One feed's trouble (a bug, a database error) must not end the whole run.
        result = { sourceId: id, hubId: '', url: '', outcome: 'skipped', status: null, added: 0, updated: 0, removed: 0, itemsFound: null, message: `Potluck could not poll this feed (${(error as Error).message}).` };
      } finally {
        options.inFlight?.delete(id);
      }
      summary.results.push(result);
      if (result.outcome === 'updated') summary.updated++;
      else if (result.outcome === 'unchanged') summary.unchanged++;
      else if (result.outcome === 'not-modified') summary.notModified++;
      else if (result.outcome === 'failed') summary.failed++;
      else summary.skipped++;
      summary.added += result.added;
      summary.changed += result.updated;
      summary.removed += result.removed;
      done++;
      options.onProgress?.(done, sourceIds.length, result);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 16, sourceIds.length));
  await Promise.all(Array.from({ length: workers }, worker));
  // Posts held for approval: each hub's teachers hear once for the whole poll.
  const heldHubs = summary.results.filter((r) => (r.held ?? 0) > 0).map((r) => r.hubId);
  if (heldHubs.length) inTransaction(app, () => notifyHeldPosts(app, heldHubs));
  // Then the pictures of the feeds that were read, within a time budget (thumbnails.ts), and the files no item
  // names any more (items that left, pictures that changed).
  const read = summary.results.filter((r) => r.outcome === 'updated' || r.outcome === 'unchanged' || r.outcome === 'not-modified').map((r) => r.sourceId);
  if (options.picturesAsJob) await makeThumbnailsAsJob(app, read, { signal: options.signal }).catch(() => undefined);
  else await makeSourceThumbnails(app, read, { fetch: options.fetch, signal: options.signal, onProgress: options.onPictures }).catch(() => 0);
  sweepThumbnails(app);
  return summary;
}

/** Gives up the claims on these sources (a poller stopping mid-fetch), so the next poller need not wait out the lease. */
export function releaseLeases(app: AppContext, sourceIds: Iterable<string>): void {
  const ids = [...sourceIds];
  if (ids.length) app.db.update(hubSources).set({ leaseUntil: null }).where(inArray(hubSources.id, ids)).run();
}

/** Drops a hub's stored items that no longer match its tags (after a teacher changed them); returns how many. */
export function pruneUnmatchedItems(app: AppContext, hub: Pick<Hub, 'id' | 'tags'>): number {
  const hubTags = foldedSet(hub.tags);
  const rows = app.db
    .select({ id: hubItems.id, tags: hubItems.tags, matchAll: hubSources.matchAll })
    .from(hubItems)
    .innerJoin(hubSources, eq(hubSources.id, hubItems.sourceId))
    .where(eq(hubItems.hubId, hub.id))
    .all();
  const stale = rows.filter((r) => !r.matchAll && !matchesAny(r.tags, hubTags)).map((r) => r.id);
  for (let i = 0; i < stale.length; i += 500) app.db.delete(hubItems).where(inArray(hubItems.id, stale.slice(i, i + 500))).run();
  return stale.length;
}

/** Makes every source of a hub due now with no validators, so the next poll reads whole feeds (tags changed). */
export function refetchAllSources(app: AppContext, hubId: string): void {
  app.db
    .update(hubSources)
    .set({ etag: null, lastModified: null, nextFetchAt: app.now() })
    .where(and(eq(hubSources.hubId, hubId), isNull(hubSources.stoppedAt)))
    .run();
}

/** How many sources of each hub need the teacher's attention (flagged or stopped). */
export function attentionCounts(app: AppContext, hubIds: string[]): Map<string, number> {
  if (hubIds.length === 0) return new Map();
  const rows = app.db
    .select({ hubId: hubSources.hubId, n: sql<number>`count(*)` })
    .from(hubSources)
    .where(and(inArray(hubSources.hubId, hubIds), or(sql`${hubSources.flaggedAt} is not null`, sql`${hubSources.stoppedAt} is not null`)))
    .groupBy(hubSources.hubId)
    .all();
  return new Map(rows.map((r) => [r.hubId, r.n]));
}
