/**
 * What a hub holds, read live. Members' portfolio work is never copied: it is found in `artifacts` by tag each
 * time, so saving, editing, re-tagging or deleting a piece changes the hub at once. External feed items come from
 * `hub_items` (stored by the poller). Both are merged into one river, newest first, with the hub's hides applied.
 * Every function here is a fixed number of queries, whatever the size of the hub.
 */
import { and, desc, eq, inArray, isNull, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { storedExcerpt } from '../../core/feeds/excerpt.ts';
import { foldTag, foldedSet } from '../../core/hubs/matching.ts';
import { itemDisplayTitle } from '../../core/hubs/itemTitle.ts';
import { hubShows } from '../../core/policy.ts';
import { sitePaths } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { remembered } from '../db/changes.ts';
import { artifactTags, artifacts, hubHides, hubItems, hubMembers, hubSources, media, users, type Hub, type HubItem } from '../db/schema.ts';
import { addressesFor } from '../feeds.ts';
import { consentedMembership } from './enrolment.ts';
import type { PictureInfo } from '../repositories/portfolio.ts';
import { hubThumbnailPath } from './thumbnails.ts';

/** Entries per river page. */
export const RIVER_PAGE_SIZE = 20;

/** Someone whose work can be in a hub: an active member. */
export interface HubPerson {
  id: string;
  handle: string;
  name: string;
  role: 'teacher' | 'student';
  canonicalBaseUrl: string | null;
}

/** One entry of the river: a member's piece of work, or an item of an external feed. */
export interface RiverEntry {
  kind: 'artifact' | 'item';
  /** The artifact's id, or the hub item's. */
  id: string;
  /** For a post without a title of its own, its first words (core/hubs/itemTitle.ts; see `untitled`). */
  title: string;
  /** An external post that has no title (Mastodon's): feeds leave the title out rather than repeat its text. */
  untitled?: boolean;
  /** The original: the student's page (canonical home) or the external post. Absent for feed items without a link. */
  url: string | null;
  date: Date;
  updated: Date | null;
  excerpt: string;
  /** The cover of portfolio work (served by this instance). */
  cover: PictureInfo | null;
  /** The picture an external item names (never loaded by pages: they make no third-party requests). */
  image: string | null;
  /** An external item's picture as this instance stores it (thumbnails.ts), ready for an `<img>`. */
  thumbnail: { src: string; width: number; height: number } | null;
  author: { name: string; handle: string | null; userId: string | null };
  /** Tags as the author wrote them (portfolio work) or folded (feed items). */
  tags: string[];
  /** Portfolio work: its visibility (public or members). */
  visibility: 'public' | 'members' | null;
  /** An external item's feed; `siteUrl` is the site the feed names as its home (the author's, for a blog). */
  source: { id: string; title: string; key: string; siteUrl: string | null } | null;
  /** Set when a teacher hid it (only in views that ask for hidden entries). */
  hidden: { reason: string; hiddenAt: Date } | null;
}

/** Narrows a river. */
export interface RiverFilter {
  /** Only this member's work (portfolio, and feeds attached to them). */
  memberId?: string;
  /** Only entries with this tag (any spelling: folded). */
  tag?: string;
  /** Only this external source's items. */
  sourceId?: string;
}

/** Where a page of the river starts: after the entry with this date and id. */
export interface RiverCursor {
  date: number;
  id: string;
}

/** Options of a river read. */
export interface RiverOptions {
  scope: 'public' | 'members';
  filter?: RiverFilter;
  before?: RiverCursor | null;
  limit?: number;
  /** Include hidden entries, marked (teachers' views). */
  includeHidden?: boolean;
}

/** A page of the river and where the next one starts. */
export interface RiverPage {
  entries: RiverEntry[];
  next: RiverCursor | null;
}

/** Reads a cursor from `?before=<ms>.<id>`; null when absent or unreadable. */
export function parseCursor(value: string | null | undefined): RiverCursor | null {
  const match = /^(\d{1,15})\.([\w-]{1,80})$/.exec(value ?? '');
  return match ? { date: Number(match[1]), id: match[2]! } : null;
}

/** Writes a cursor for `?before=`. */
export function formatCursor(cursor: RiverCursor): string {
  return `${cursor.date}.${cursor.id}`;
}

// A scope is what core/policy `hubShows` decided for the viewer (hubAccess): members scope is a member's river of a
// members-only hub; the public scope is everyone else's, and every feed's.
const visibilitiesOf = (scope: 'public' | 'members') => hubShows({ visibility: 'members' }, scope === 'members' ? 'student' : null);

/** The hub's active, consented members (disabled accounts' work leaves every hub with them; invitees' never came). */
export function listHubPeople(app: AppContext, hubId: string): HubPerson[] {
  // A hub page asks three times (its filters, the river, the facets): remembered until the database changes.
  return remembered(app.db, `hubs.people\u0000${hubId}`, () => listHubPeopleNow(app, hubId));
}

function listHubPeopleNow(app: AppContext, hubId: string): HubPerson[] {
  return app.db
    .select({ id: users.id, handle: users.handle, name: users.name, role: hubMembers.role, canonicalBaseUrl: users.canonicalBaseUrl })
    .from(hubMembers)
    .innerJoin(users, eq(users.id, hubMembers.userId))
    .where(and(eq(hubMembers.hubId, hubId), isNull(users.disabledAt), consentedMembership()))
    .orderBy(users.name, users.handle)
    .all();
}

/**
 * The stored tags (as members typed them) that match `wanted` once folded, among the members' work: the hub's tags
 * are compared accent- and case-insensitively, yet queried with the artifact_tags index. One query.
 */
function storedTagsMatching(app: AppContext, memberIds: string[], wanted: ReadonlySet<string>): string[] {
  if (memberIds.length === 0 || wanted.size === 0) return [];
  // A hub page asks this for every read of its river: remembered until the database changes (db/changes.ts).
  const key = `hubs.storedTags\u0000${memberIds.join(',')}\u0000${[...wanted].join(',')}`;
  return remembered(app.db, key, () => storedTagsMatchingNow(app, memberIds, wanted));
}

function storedTagsMatchingNow(app: AppContext, memberIds: string[], wanted: ReadonlySet<string>): string[] {
  const rows = app.db
    .selectDistinct({ tag: artifactTags.tag })
    .from(artifactTags)
    .innerJoin(artifacts, eq(artifacts.id, artifactTags.artifactId))
    .where(inArray(artifacts.ownerId, memberIds))
    .all();
  return rows.map((r) => r.tag).filter((tag) => wanted.has(foldTag(tag)));
}

function taggedWithAny(tags: string[]): SQL {
  // `+` keeps SQLite from reaching the rows by id: see artifactConditions.
  return inArray(sql`+${artifacts.id}`, sql`(select ${artifactTags.artifactId} from ${artifactTags} where ${artifactTags.tag} in ${tags})`);
}

function beforeCursor(dateColumn: SQL, idColumn: SQLWrapper, cursor: RiverCursor | null | undefined): SQL | undefined {
  if (!cursor) return undefined;
  return sql`(${dateColumn} < ${cursor.date} or (${dateColumn} = ${cursor.date} and ${idColumn} < ${cursor.id}))`;
}

/** What the artifact half of a river read needs, computed once. */
export interface ArtifactScope {
  people: Map<string, HubPerson>;
  hubTags: string[];
  filterTags: string[] | null;
}

/** Whose work, with which stored tags, the river's artifact half reads (null: nothing); also used by search. */
export function artifactScope(app: AppContext, hub: Hub, filter: RiverFilter): ArtifactScope | null {
  const everyone = listHubPeople(app, hub.id);
  const chosen = filter.memberId ? everyone.filter((p) => p.id === filter.memberId) : everyone;
  if (chosen.length === 0 || filter.sourceId) return null;
  const ids = chosen.map((p) => p.id);
  const hubTags = storedTagsMatching(app, ids, foldedSet(hub.tags));
  if (hubTags.length === 0) return null;
  let filterTags: string[] | null = null;
  if (filter.tag !== undefined) {
    filterTags = storedTagsMatching(app, ids, new Set([foldTag(filter.tag)]));
    if (filterTags.length === 0) return null;
  }
  return { people: new Map(chosen.map((p) => [p.id, p])), hubTags, filterTags };
}

/** The river's rule for which artifacts it shows (members, visibility for the scope, tags, hides); also used by search. */
export function artifactConditions(hub: Hub, scope: ArtifactScope, options: RiverOptions): SQL | undefined {
  return and(
    // The members' rows are found by owner, through the index that holds a piece's card columns (migration 0019),
    // so a list of contributions never reads bodies. SQLite would rather reach them by visibility or id, which
    // reads every row with its text: `+` takes those two terms out of its choice of index.
    inArray(artifacts.ownerId, [...scope.people.keys()]),
    inArray(sql`+${artifacts.visibility}`, [...visibilitiesOf(options.scope)]),
    taggedWithAny(scope.hubTags),
    scope.filterTags ? taggedWithAny(scope.filterTags) : undefined,
    options.includeHidden
      ? undefined
      : sql`not exists (select 1 from ${hubHides} where ${hubHides.hubId} = ${hub.id} and ${hubHides.artifactId} = ${artifacts.id})`,
  );
}

function readArtifacts(app: AppContext, hub: Hub, options: RiverOptions, limit: number): RiverEntry[] {
  const scope = artifactScope(app, hub, options.filter ?? {});
  if (!scope) return [];
  // First the page's ids, from the index of card columns alone (sorting whole rows would read every match's text),
  // then those rows.
  const page = app.db
    .select({ id: artifacts.id })
    .from(artifacts)
    .where(and(artifactConditions(hub, scope, options), beforeCursor(sql`${artifacts.date}`, artifacts.id, options.before)))
    .orderBy(desc(artifacts.date), desc(artifacts.id))
    .limit(limit)
    .all()
    .map((r) => r.id);
  if (page.length === 0) return [];
  const rows = app.db
    .select({
      id: artifacts.id,
      ownerId: artifacts.ownerId,
      slug: artifacts.slug,
      title: artifacts.title,
      summary: artifacts.summary,
      excerpt: artifacts.excerpt,
      // The HTML only for rows saved before excerpts were stored, which make theirs from it.
      html: sql<string>`case when ${artifacts.excerpt} is null then ${artifacts.html} else '' end`,
      tags: artifacts.tags,
      visibility: artifacts.visibility,
      date: artifacts.date,
      updatedAt: artifacts.updatedAt,
      coverId: media.id,
      coverAlt: media.alt,
      coverWidth: media.width,
      coverHeight: media.height,
      coverVariants: media.variants,
      coverKind: media.kind,
      hiddenReason: hubHides.reason,
      hiddenAt: hubHides.hiddenAt,
    })
    .from(artifacts)
    .leftJoin(media, eq(media.id, artifacts.coverMediaId))
    .leftJoin(hubHides, and(eq(hubHides.hubId, hub.id), eq(hubHides.artifactId, artifacts.id)))
    .where(inArray(artifacts.id, page))
    .orderBy(desc(artifacts.date), desc(artifacts.id))
    .all();
  return rows.map((row) => {
    const person = scope.people.get(row.ownerId)!;
    const path = sitePaths.artifact(person.handle, row.slug);
    const at = addressesFor(person, { siteUrl: app.config.siteUrl, staticBase: null });
    return {
      kind: 'artifact' as const,
      id: row.id,
      title: row.title,
      url: at.page(path),
      date: row.date,
      updated: row.updatedAt,
      excerpt: row.summary || storedExcerpt(row),
      cover:
        row.coverId && row.coverKind === 'image'
          ? { id: row.coverId, alt: row.coverAlt ?? '', width: row.coverWidth, height: row.coverHeight, variants: row.coverVariants ?? [] }
          : null,
      image: null,
      thumbnail: null,
      author: { name: person.name, handle: person.handle, userId: person.id },
      tags: row.tags,
      visibility: row.visibility === 'public' || row.visibility === 'members' ? row.visibility : null,
      source: null,
      hidden: row.hiddenReason !== null && row.hiddenAt !== null ? { reason: row.hiddenReason, hiddenAt: row.hiddenAt } : null,
    };
  });
}

/** The river's rule for which external items it shows (filters, feeds of active members, hides); also used by the teacher's landing page. */
export function itemConditions(hub: Hub, options: RiverOptions): SQL | undefined {
  const filter = options.filter ?? {};
  return and(
    eq(hubItems.hubId, hub.id),
    filter.memberId ? eq(hubSources.memberId, filter.memberId) : undefined,
    filter.sourceId ? eq(hubItems.sourceId, filter.sourceId) : undefined,
    filter.tag !== undefined ? sql`exists (select 1 from json_each(${hubItems.tags}) where value = ${foldTag(filter.tag)})` : undefined,
    // A feed attached to a member whose account was disabled leaves with them.
    sql`(${hubSources.memberId} is null or exists (select 1 from ${users} where ${users.id} = ${hubSources.memberId} and ${users.disabledAt} is null))`,
    options.includeHidden
      ? undefined
      : sql`not exists (select 1 from ${hubHides} where ${hubHides.hubId} = ${hub.id} and ${hubHides.sourceId} = ${hubItems.sourceId} and ${hubHides.itemKey} = ${hubItems.key})`,
  );
}

/**
 * One external item as the river shows it to a viewer (the same rule: no feeds of disabled members, no hidden items
 * unless `includeHidden`), with its picture's facts; undefined when the river would not show it.
 */
export function findRiverItem(app: AppContext, hub: Hub, itemId: string, options: { includeHidden: boolean }): Pick<HubItem, 'image' | 'thumbnail'> | undefined {
  return app.db
    .select({ image: hubItems.image, thumbnail: hubItems.thumbnail })
    .from(hubItems)
    .innerJoin(hubSources, eq(hubSources.id, hubItems.sourceId))
    .where(and(eq(hubItems.id, itemId), itemConditions(hub, { scope: 'public', includeHidden: options.includeHidden })))
    .get();
}

function readItems(app: AppContext, hub: Hub, options: RiverOptions, limit: number): RiverEntry[] {
  const rows = app.db
    .select({
      id: hubItems.id,
      key: hubItems.key,
      title: hubItems.title,
      url: hubItems.url,
      excerpt: hubItems.excerpt,
      image: hubItems.image,
      thumbnail: hubItems.thumbnail,
      authorName: hubItems.authorName,
      sortDate: hubItems.sortDate,
      updated: hubItems.updated,
      tags: hubItems.tags,
      sourceId: hubSources.id,
      sourceTitle: hubSources.title,
      sourceUrl: hubSources.url,
      sourceSiteUrl: hubSources.siteUrl,
      memberId: users.id,
      memberName: users.name,
      memberHandle: users.handle,
      hiddenReason: hubHides.reason,
      hiddenAt: hubHides.hiddenAt,
    })
    .from(hubItems)
    .innerJoin(hubSources, eq(hubSources.id, hubItems.sourceId))
    .leftJoin(users, eq(users.id, hubSources.memberId))
    .leftJoin(hubHides, and(eq(hubHides.hubId, hub.id), eq(hubHides.sourceId, hubItems.sourceId), eq(hubHides.itemKey, hubItems.key)))
    .where(and(itemConditions(hub, options), beforeCursor(sql`${hubItems.sortDate}`, hubItems.id, options.before)))
    .orderBy(desc(hubItems.sortDate), desc(hubItems.id))
    .limit(limit)
    .all();
  return rows.map((row) => ({
    kind: 'item' as const,
    id: row.id,
    title: itemDisplayTitle(row.title, row.excerpt),
    untitled: !row.title.trim(),
    url: row.url,
    date: row.sortDate,
    updated: row.updated,
    excerpt: row.excerpt,
    cover: null,
    image: row.image,
    // Only a thumbnail of the picture the item names now (an edited post may name another one, not yet made).
    thumbnail:
      row.thumbnail?.file && row.thumbnail.image === row.image
        ? { src: hubThumbnailPath(hub.slug, row.id), width: row.thumbnail.width, height: row.thumbnail.height }
        : null,
    author: row.memberId
      ? { name: row.memberName ?? '', handle: row.memberHandle, userId: row.memberId }
      : { name: row.authorName || row.sourceTitle || hostOf(row.sourceUrl), handle: null, userId: null },
    tags: row.tags,
    visibility: null,
    source: { id: row.sourceId, title: row.sourceTitle || hostOf(row.sourceUrl), key: row.key, siteUrl: row.sourceSiteUrl },
    hidden: row.hiddenReason !== null && row.hiddenAt !== null ? { reason: row.hiddenReason, hiddenAt: row.hiddenAt } : null,
  }));
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function newerFirst(a: RiverEntry, b: RiverEntry): number {
  const byDate = b.date.getTime() - a.date.getTime();
  if (byDate !== 0) return byDate;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * One page of a hub's river for a scope, newest first: portfolio work and feed items merged. Two to four
 * queries: each half reads at most one page past the cursor, then the halves are merged.
 */
export function readRiver(app: AppContext, hub: Hub, options: RiverOptions): RiverPage {
  // A class reads the same page many times between two changes (the teacher, each student, the feed): the page is
  // remembered until the next write anywhere (db/changes.ts), frozen so that no reader can change another's copy.
  const { scope, filter = {}, before = null, limit = RIVER_PAGE_SIZE, includeHidden = false } = options;
  const key = ['hubs.river', hub.id, scope, filter.memberId ?? '', filter.tag ?? '', filter.sourceId ?? '', before ? `${before.date}.${before.id}` : '', limit, includeHidden].join('\u0000');
  return remembered(app.db, key, () => freezeRiver(readRiverNow(app, hub, options)));
}

function freezeRiver(page: RiverPage): RiverPage {
  for (const entry of page.entries) {
    if (entry.cover) Object.freeze(entry.cover.variants);
    for (const part of [entry.cover, entry.thumbnail, entry.author, entry.source, entry.hidden]) if (part) Object.freeze(part);
    Object.freeze(entry.tags);
    Object.freeze(entry);
  }
  Object.freeze(page.entries);
  if (page.next) Object.freeze(page.next);
  return Object.freeze(page);
}

function readRiverNow(app: AppContext, hub: Hub, options: RiverOptions): RiverPage {
  const limit = options.limit ?? RIVER_PAGE_SIZE;
  const merged = [...readArtifacts(app, hub, options, limit + 1), ...readItems(app, hub, options, limit + 1)].sort(newerFirst);
  const entries = merged.slice(0, limit);
  const last = entries.at(-1);
  return { entries, next: merged.length > limit && last ? { date: last.date.getTime(), id: last.id } : null };
}

/** A contribution as the progress views count it: who, when, which tags. */
export interface Contribution {
  kind: 'artifact' | 'item';
  id: string;
  title: string;
  url: string | null;
  date: Date;
  /** Folded tags. */
  tags: string[];
  authorId: string | null;
  visibility: 'public' | 'members' | null;
  hidden: boolean;
}

/**
 * Every contribution to a hub in a scope, hidden ones included (a hidden piece was still handed in), without
 * bodies: what the progress views count. Three queries.
 */
export function listContributions(app: AppContext, hub: Hub, scope: 'public' | 'members'): Contribution[] {
  const options: RiverOptions = { scope, includeHidden: true };
  const out: Contribution[] = [];
  const people = artifactScope(app, hub, {});
  if (people) {
    const rows = app.db
      .select({
        id: artifacts.id,
        ownerId: artifacts.ownerId,
        slug: artifacts.slug,
        title: artifacts.title,
        tags: artifacts.tags,
        visibility: artifacts.visibility,
        date: artifacts.date,
        hidden: hubHides.id,
      })
      .from(artifacts)
      .leftJoin(hubHides, and(eq(hubHides.hubId, hub.id), eq(hubHides.artifactId, artifacts.id)))
      .where(artifactConditions(hub, people, options))
      .all();
    for (const row of rows) {
      const person = people.people.get(row.ownerId)!;
      out.push({
        kind: 'artifact',
        id: row.id,
        title: row.title,
        url: sitePaths.artifact(person.handle, row.slug),
        date: row.date,
        tags: row.tags.map(foldTag),
        authorId: row.ownerId,
        visibility: row.visibility === 'public' || row.visibility === 'members' ? row.visibility : null,
        hidden: row.hidden !== null,
      });
    }
  }
  const items = app.db
    .select({
      id: hubItems.id,
      title: hubItems.title,
      excerpt: hubItems.excerpt,
      url: hubItems.url,
      date: hubItems.sortDate,
      tags: hubItems.tags,
      memberId: hubSources.memberId,
      hidden: hubHides.id,
    })
    .from(hubItems)
    .innerJoin(hubSources, eq(hubSources.id, hubItems.sourceId))
    .leftJoin(hubHides, and(eq(hubHides.hubId, hub.id), eq(hubHides.sourceId, hubItems.sourceId), eq(hubHides.itemKey, hubItems.key)))
    .where(itemConditions(hub, options))
    .all();
  for (const row of items) {
    out.push({
      kind: 'item',
      id: row.id,
      title: itemDisplayTitle(row.title, row.excerpt),
      url: row.url,
      date: row.date,
      tags: row.tags,
      authorId: row.memberId,
      visibility: null,
      hidden: row.hidden !== null,
    });
  }
  return out.sort((a, b) => b.date.getTime() - a.date.getTime());
}

/** What the river's filters offer: who has work in it, and its most used tags (riverTags of the shown contributions). */
export interface RiverFacets {
  authors: Set<string>;
  tags: { tag: string; count: number }[];
}

/**
 * The river's facets for a scope, hidden entries left out: the same answer as counting the tags and authors of
 * `listContributions(...)` but for the hidden ones, counted by the database rather than by reading every
 * contribution (a hub page asks on every view). Three to five queries, whatever the size of the hub, and none while
 * nothing has changed.
 */
export function riverFacets(app: AppContext, hub: Hub, scope: 'public' | 'members', limit = 40): RiverFacets {
  // Remembered until the database changes (a member's visit to the page does not count: hubVisitRecorder.ts).
  return remembered(app.db, `hubs.facets\u0000${hub.id}\u0000${scope}\u0000${limit}`, () => countFacets(app, hub, scope, limit));
}

function countFacets(app: AppContext, hub: Hub, scope: 'public' | 'members', limit: number): RiverFacets {
  const options: RiverOptions = { scope };
  const authors = new Set<string>();
  const counts = new Map<string, number>();
  const people = artifactScope(app, hub, {});
  if (people) {
    const where = artifactConditions(hub, people, options);
    // Counted per author, piece and stored spelling (every piece in a river has a tag, so every author is in a row);
    // spellings that fold together are counted again as one, exactly.
    const spelled = app.db.all<{ owner: string; tag: string; n: number }>(
      sql`select ${artifacts.ownerId} as owner, j.value as tag, count(distinct ${artifacts.id}) as n from ${artifacts}, json_each(${artifacts.tags}) j where ${where} group by 1, 2`,
    );
    const spellings = new Map<string, string[]>();
    for (const { owner, tag, n } of spelled) {
      authors.add(owner);
      const folded = foldTag(tag);
      const known = spellings.get(folded) ?? [];
      if (!known.includes(tag)) spellings.set(folded, [...known, tag]);
      counts.set(folded, (counts.get(folded) ?? 0) + n);
    }
    for (const [folded, tags] of spellings) {
      if (tags.length < 2) continue;
      const row = app.db.get<{ n: number }>(
        sql`select count(*) as n from ${artifacts} where ${where} and exists (select 1 from json_each(${artifacts.tags}) where value in ${tags})`,
      );
      counts.set(folded, row?.n ?? 0);
    }
  }
  const itemWhere = itemConditions(hub, options);
  const members = app.db.all<{ member: string | null }>(
    sql`select distinct ${hubSources.memberId} as member from ${hubItems} inner join ${hubSources} on ${hubSources.id} = ${hubItems.sourceId} where ${itemWhere}`,
  );
  for (const { member } of members) if (member) authors.add(member);
  // Feed items' tags are stored folded.
  const itemTags = app.db.all<{ tag: string; n: number }>(
    sql`select j.value as tag, count(distinct ${hubItems.id}) as n from ${hubItems} inner join ${hubSources} on ${hubSources.id} = ${hubItems.sourceId}, json_each(${hubItems.tags}) j where ${itemWhere} group by j.value`,
  );
  for (const { tag, n } of itemTags) counts.set(tag, (counts.get(tag) ?? 0) + n);
  const tags = [...counts]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : 1))
    .slice(0, limit);
  return { authors, tags };
}
