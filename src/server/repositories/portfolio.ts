/**
 * Reading a portfolio as a given viewer: what they may see of a person's work, decided by core/visibility. Every
 * public page (live and static export) reads through here, each list in one query (covers joined, tags from the
 * artifact row), so a page costs the same with 5 pieces of work or 5,000.
 */
import { and, asc, count, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { notFound } from '../../core/errors.ts';
import { canRead, listedVisibilities, type Relation, type Viewer, type Visibility } from '../../core/visibility.ts';
import { canReadArtifact, sharesHub } from '../access.ts';
import { artifactHubSyndications } from '../hubs/syndication.ts';
import type { AppContext } from '../context.ts';
import { websubContentChanged } from '../websub/events.ts';
import { prepared } from '../db/prepared.ts';
import { remembered } from '../db/changes.ts';
import {
  artifactOldSlugs,
  artifactTags,
  artifacts,
  media,
  portfolioPublicChanges,
  showcaseItems,
  showcases,
  syndications,
  users,
  type Artifact,
  type Showcase,
  type User,
} from '../db/schema.ts';
import { ARTIFACT_CARD_COLUMNS } from './cardColumns.ts';

/** Work shown per page of a portfolio's index. */
export const PAGE_SIZE = 20;

/** An active account by handle; 404 for unknown or disabled accounts. */
export function getPortfolioOwner(app: AppContext, handle: string): User {
  const byHandle = prepared(app.db, 'portfolio.ownerByHandle', (db) =>
    db.select().from(users).where(eq(users.handle, sql.placeholder('handle'))).prepare(),
  );
  // Every page and feed of a portfolio looks its owner up (a static export hundreds of times): once until the next
  // write, frozen, since all of them share it.
  const key = handle.toLowerCase();
  const owner = remembered(app.db, `portfolio.owner\u0000${key}`, () => {
    const row = byHandle.get({ handle: key });
    if (row) {
      for (const link of row.links) Object.freeze(link);
      Object.freeze(row.links);
      Object.freeze(row);
    }
    return row ?? null;
  });
  // A guardian account has no portfolio: it reads its children's work, and a parent's name is not published.
  if (!owner || owner.disabledAt || owner.role === 'guardian') throw notFound('That portfolio');
  return owner;
}

/**
 * Marks a portfolio's public output as changed: cached public pages and feeds keyed on an older `contentVersion` are
 * stale from now on. Given the visibilities a change touched (before and after), it bumps only when one of them is
 * readable by the public: a private or class-only save must not change public validators, or a visitor could watch
 * `/@handle/`'s ETag to learn when a student works on hidden pieces.
 */
export function bumpContentVersion(app: AppContext, userId: string, touched?: readonly Visibility[]): void {
  if (touched && !touched.some((visibility) => canRead(null, { visibility, ownerId: userId, sharesHub: false }))) return;
  app.db
    .update(users)
    .set({ contentVersion: sql`${users.contentVersion} + 1` })
    .where(eq(users.id, userId))
    .run();
  // Public output changed: WebSub subscribers of its feeds (and of hubs showing it) may be owed a delivery.
  websubContentChanged();
}

/**
 * When the public view of a portfolio whose validators hash to `digest` last changed: the moment a new digest was
 * first seen, recorded once per change. Profile edits touch no piece's `updated_at`, so Last-Modified reads this
 * beside the newest public work. Each change is recorded at least a second after the one before, so a copy dated
 * with the old Last-Modified is never taken for current (HTTP dates are whole seconds). One query, two on a change.
 */
export function publicChangeTime(app: AppContext, ownerId: string, digest: string): Date {
  const read = prepared(app.db, 'portfolio.publicChange', (db) =>
    db.select().from(portfolioPublicChanges).where(eq(portfolioPublicChanges.ownerId, sql.placeholder('owner'))).prepare(),
  );
  const row = read.get({ owner: ownerId });
  if (row && row.digest === digest) return row.changedAt;
  const now = app.now().getTime();
  const changedAt = new Date(row ? Math.max(now, (Math.floor(row.changedAt.getTime() / 1000) + 1) * 1000) : now);
  // Prepared once too: the first request after every edit records the change.
  const record = prepared(app.db, 'portfolio.recordPublicChange', (db) => {
    return db
      .insert(portfolioPublicChanges)
      .values({ ownerId: sql.placeholder('owner'), digest: sql.placeholder('digest'), changedAt: sql.placeholder('changedAt') })
      .onConflictDoUpdate({ target: portfolioPublicChanges.ownerId, set: { digest: sql`excluded.digest`, changedAt: sql`excluded.changed_at` } })
      .prepare();
  });
  record.run({ owner: ownerId, digest, changedAt });
  return changedAt;
}

/** How this viewer stands to the owner: at most one query (the shared-hub check). */
export function relationTo(app: AppContext, viewer: Viewer | null, owner: Pick<User, 'id'>): Relation {
  if (!viewer) return 'public';
  if (viewer.id === owner.id) return 'owner';
  return sharesHub(app, viewer.id, owner.id) ? 'member' : 'public';
}

/** A picture as public pages show it (cover, profile photo): enough for `srcset`, `width`, `height` and alt. */
export interface PictureInfo {
  id: string;
  alt: string;
  width: number | null;
  height: number | null;
  variants: { width: number; height: number; bytes: number; file: string }[];
}

/** What a list of work shows of each piece: no body, no HTML. */
export type ArtifactCard = Pick<
  Artifact,
  'id' | 'slug' | 'title' | 'summary' | 'kind' | 'visibility' | 'tags' | 'date' | 'updatedAt' | 'linkUrl'
> & { cover: PictureInfo | null };

const cardColumns = {
  ...ARTIFACT_CARD_COLUMNS,
  updatedAt: artifacts.updatedAt,
  linkUrl: artifacts.linkUrl,
  coverId: media.id,
  coverAlt: media.alt,
  coverWidth: media.width,
  coverHeight: media.height,
  coverVariants: media.variants,
  coverKind: media.kind,
};

type Nullable<T> = { [K in keyof T]: T[K] | null };
type CardRow = Pick<ArtifactCard, 'id' | 'slug' | 'title' | 'summary' | 'kind' | 'visibility' | 'tags' | 'date' | 'updatedAt' | 'linkUrl'> &
  Nullable<{
    coverId: string;
    coverAlt: string;
    coverWidth: number;
    coverHeight: number;
    coverVariants: PictureInfo['variants'];
    coverKind: 'image' | 'attachment';
  }>;

function toCard(row: CardRow): ArtifactCard {
  const cover: PictureInfo | null =
    row.coverId && row.coverKind === 'image'
      ? { id: row.coverId, alt: row.coverAlt ?? '', width: row.coverWidth, height: row.coverHeight, variants: row.coverVariants ?? [] }
      : null;
  const { coverId: _id, coverAlt: _alt, coverWidth: _w, coverHeight: _h, coverVariants: _v, coverKind: _k, ...card } = row;
  return { ...card, cover };
}

/**
 * The artifacts of an owner listed for a relation, plus extra conditions. The owner is an id, or the `owner`
 * placeholder of a prepared statement (one statement per relation: the visibilities are part of its text).
 */
function listedWhere(owner: Pick<User, 'id'> | typeof OWNER, relation: Relation, ...extra: (SQL | undefined)[]): SQL | undefined {
  const ownerId = 'id' in owner ? owner.id : owner;
  return and(eq(artifacts.ownerId, ownerId), inArray(artifacts.visibility, listedVisibilities(relation)), ...extra);
}

// Placeholders of the prepared statements below. Public pages run these on every request (and an export runs them
// hundreds of times), where building the SQL again costs more than running it.
const OWNER = sql.placeholder('owner');
const TAG = sql.placeholder('tag');

function yearRange(year: number): SQL | undefined {
  return and(gte(artifacts.date, new Date(Date.UTC(year, 0, 1))), lt(artifacts.date, new Date(Date.UTC(year + 1, 0, 1))));
}

function taggedWith(tag: string | typeof TAG): SQL {
  return inArray(artifacts.id, sql`(select ${artifactTags.artifactId} from ${artifactTags} where ${artifactTags.tag} = ${tag})`);
}

/** One page of a portfolio: the work listed for the viewer, newest first. */
export interface PortfolioPage {
  items: ArtifactCard[];
  /** Pieces listed in all (every page). */
  total: number;
  page: number;
  /** Number of pages, at least 1. */
  pages: number;
  relation: Relation;
}

/**
 * One page of the work listed for this viewer, newest first, optionally only one tag's. One query: the total comes
 * from a window count on the same rows. `page` past the end yields no items (the route answers 404).
 */
export function listPortfolioPage(
  app: AppContext,
  viewer: Viewer | null,
  owner: User,
  options: { page?: number; perPage?: number; tag?: string; relation?: Relation; wholeList?: boolean } = {},
): PortfolioPage {
  const relation = options.relation ?? relationTo(app, viewer, owner);
  const perPage = options.perPage ?? PAGE_SIZE;
  const page = Math.max(1, Math.floor(options.page ?? 1));
  if (options.wholeList) {
    const all = listedCards(app, owner, relation, options.tag);
    const items = all.slice((page - 1) * perPage, page * perPage);
    return { items, total: all.length, page, pages: Math.max(1, Math.ceil(all.length / perPage)), relation };
  }
  const tagged = options.tag !== undefined;
  const statement = prepared(app.db, `portfolio.page.${relation}.${tagged ? 'tag' : 'all'}`, (db) =>
    db
      .select({ ...cardColumns, total: sql<number>`count(*) over ()` })
      .from(artifacts)
      .leftJoin(media, eq(media.id, artifacts.coverMediaId))
      .where(listedWhere(OWNER, relation, tagged ? taggedWith(TAG) : undefined))
      .orderBy(desc(artifacts.date), desc(artifacts.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(),
  );
  const rows = statement.all({ owner: owner.id, tag: options.tag, limit: perPage, offset: (page - 1) * perPage });
  // Past the last page no row carries the total; a cheap count says how many pages there are.
  const total = rows[0]?.total ?? (page > 1 ? countListed(app, owner, relation, options.tag) : 0);
  return { items: rows.map(({ total: _total, ...row }) => toCard(row)), total, page, pages: Math.max(1, Math.ceil(total / perPage)), relation };
}

/**
 * Every card listed for a relation (one tag's, when given), newest first, read once until the next write and frozen:
 * for the static export, which renders every page of the list (one query for all of them, where each page's own
 * query would count the whole list again).
 */
function listedCards(app: AppContext, owner: User, relation: Relation, tag?: string): readonly ArtifactCard[] {
  return remembered(app.db, `portfolio.cards\u0000${owner.id}\u0000${relation}\u0000${tag ?? ''}`, () => {
    const tagged = tag !== undefined;
    const statement = prepared(app.db, `portfolio.cards.${relation}.${tagged ? 'tag' : 'all'}`, (db) =>
      db
        .select(cardColumns)
        .from(artifacts)
        .leftJoin(media, eq(media.id, artifacts.coverMediaId))
        .where(listedWhere(OWNER, relation, tagged ? taggedWith(TAG) : undefined))
        .orderBy(desc(artifacts.date), desc(artifacts.id))
        .prepare(),
    );
    const cards = statement.all({ owner: owner.id, tag }).map((row) => {
      const card = toCard(row);
      Object.freeze(card.tags);
      if (card.cover) {
        for (const variant of card.cover.variants) Object.freeze(variant);
        Object.freeze(card.cover.variants);
        Object.freeze(card.cover);
      }
      return Object.freeze(card);
    });
    return Object.freeze(cards);
  });
}

function countListed(app: AppContext, owner: User, relation: Relation, tag?: string): number {
  return (
    app.db
      .select({ n: count() })
      .from(artifacts)
      .where(listedWhere(owner, relation, tag === undefined ? undefined : taggedWith(tag)))
      .get()?.n ?? 0
  );
}

/** Artifacts listed on a portfolio for this viewer: public for everyone; members too for hub-mates; all for the owner. */
export function listVisibleArtifacts(app: AppContext, viewer: Viewer | null, owner: User): Artifact[] {
  const relation = relationTo(app, viewer, owner);
  return app.db.select().from(artifacts).where(listedWhere(owner, relation)).orderBy(desc(artifacts.date), desc(artifacts.id)).all();
}

/** The tags of the work listed for this viewer, with how many pieces carry each, most used first. One query. */
export function listPortfolioTags(
  app: AppContext,
  viewer: Viewer | null,
  owner: User,
  relation: Relation = relationTo(app, viewer, owner),
): { tag: string; count: number }[] {
  const statement = prepared(app.db, `portfolio.tags.${relation}`, (db) => {
    const n = count();
    return db
      .select({ tag: artifactTags.tag, count: n })
      .from(artifactTags)
      .innerJoin(artifacts, eq(artifacts.id, artifactTags.artifactId))
      .where(listedWhere(OWNER, relation))
      .groupBy(artifactTags.tag)
      .orderBy(desc(n), asc(artifactTags.tag))
      .prepare();
  });
  return statement.all({ owner: owner.id });
}

/** A line of the archive: title, address and date of one piece. */
export type ArchiveEntry = Pick<Artifact, 'id' | 'slug' | 'title' | 'kind' | 'visibility' | 'date' | 'updatedAt'>;

/** The years that have work listed for this viewer, newest first, with counts. One query. */
export function listArchiveYears(
  app: AppContext,
  viewer: Viewer | null,
  owner: User,
  relation: Relation = relationTo(app, viewer, owner),
): { year: number; count: number }[] {
  const statement = prepared(app.db, `portfolio.years.${relation}`, (db) => {
    // Dates are stored as milliseconds; years are UTC years, as on every page.
    const year = sql<string>`strftime('%Y', ${artifacts.date} / 1000, 'unixepoch')`;
    return db.select({ year, count: count() }).from(artifacts).where(listedWhere(OWNER, relation)).groupBy(year).orderBy(desc(year)).prepare();
  });
  return statement.all({ owner: owner.id }).map((r) => ({ year: Number(r.year), count: r.count }));
}

/** Every piece listed for this viewer (or one year's), newest first, for the archive. One query. */
export function listArchive(
  app: AppContext,
  viewer: Viewer | null,
  owner: User,
  options: { year?: number; relation?: Relation } = {},
): ArchiveEntry[] {
  const relation = options.relation ?? relationTo(app, viewer, owner);
  return app.db
    .select({
      id: artifacts.id,
      slug: artifacts.slug,
      title: artifacts.title,
      kind: artifacts.kind,
      visibility: artifacts.visibility,
      date: artifacts.date,
      updatedAt: artifacts.updatedAt,
    })
    .from(artifacts)
    .where(listedWhere(owner, relation, options.year === undefined ? undefined : yearRange(options.year)))
    .orderBy(desc(artifacts.date), desc(artifacts.id))
    .all();
}

/** A showcase in a list, with how many of its pieces this viewer sees. */
export type ShowcaseCard = Pick<Showcase, 'id' | 'slug' | 'title' | 'intro' | 'visibility' | 'updatedAt'> & { itemCount: number };

/** The showcases listed for this viewer, by title, each with the number of its pieces listed for them. One query. */
export function listPortfolioShowcases(
  app: AppContext,
  viewer: Viewer | null,
  owner: User,
  relation: Relation = relationTo(app, viewer, owner),
): ShowcaseCard[] {
  const visible = listedVisibilities(relation);
  return app.db
    .select({
      id: showcases.id,
      slug: showcases.slug,
      title: showcases.title,
      intro: showcases.intro,
      visibility: showcases.visibility,
      updatedAt: showcases.updatedAt,
      itemCount: count(artifacts.id),
    })
    .from(showcases)
    .leftJoin(showcaseItems, eq(showcaseItems.showcaseId, showcases.id))
    .leftJoin(artifacts, and(eq(artifacts.id, showcaseItems.artifactId), inArray(artifacts.visibility, visible)))
    .where(and(eq(showcases.ownerId, owner.id), inArray(showcases.visibility, visible)))
    .groupBy(showcases.id)
    .orderBy(asc(showcases.title), asc(showcases.id))
    .all();
}

/** One artifact by slug if this viewer may read it; the same 404 otherwise. */
export function getReadableArtifact(app: AppContext, viewer: Viewer | null, owner: User, slug: string): Artifact {
  const bySlug = prepared(app.db, 'portfolio.artifactBySlug', (db) =>
    db
      .select()
      .from(artifacts)
      .where(and(eq(artifacts.ownerId, OWNER), eq(artifacts.slug, sql.placeholder('slug'))))
      .prepare(),
  );
  const artifact = bySlug.get({ owner: owner.id, slug });
  if (!artifact || !canReadArtifact(app, viewer, artifact)) throw notFound('That page');
  return artifact;
}

/**
 * Where an old address of a piece leads now: the piece's current slug when `slug` is one it had before, no live piece
 * of the owner has it, and this viewer may read the piece; otherwise null, exactly as for an address that never
 * existed (an old address of private or class-only work tells a stranger nothing). Old slugs point at the piece, not
 * at the next slug, so a chain of renames redirects in one step.
 */
export function currentSlugFor(app: AppContext, viewer: Viewer | null, owner: Pick<User, 'id'>, slug: string): string | null {
  const byOldSlug = prepared(app.db, 'portfolio.artifactByOldSlug', (db) =>
    db
      .select({ artifact: artifacts })
      .from(artifactOldSlugs)
      .innerJoin(artifacts, eq(artifacts.id, artifactOldSlugs.artifactId))
      .where(
        and(
          eq(artifactOldSlugs.ownerId, OWNER),
          eq(artifactOldSlugs.slug, sql.placeholder('slug')),
          // A live piece with this slug wins over the redirect.
          sql`not exists (select 1 from ${artifacts} live where live.owner_id = ${artifactOldSlugs.ownerId} and live.slug = ${artifactOldSlugs.slug})`,
        ),
      )
      .prepare(),
  );
  const row = byOldSlug.get({ owner: owner.id, slug });
  if (!row || row.artifact.ownerId !== owner.id || row.artifact.slug === slug) return null;
  return canReadArtifact(app, viewer, row.artifact) ? row.artifact.slug : null;
}

/**
 * The old addresses of the owner's public pieces, each with the piece's current slug (for a static copy's redirect
 * pages). Old slugs a live piece has taken since are left out. Oldest rename first.
 */
export function oldSlugsOf(app: AppContext, ownerId: string): { oldSlug: string; slug: string; artifactId: string }[] {
  return app.db
    .select({ oldSlug: artifactOldSlugs.slug, slug: artifacts.slug, artifactId: artifacts.id })
    .from(artifactOldSlugs)
    .innerJoin(artifacts, eq(artifacts.id, artifactOldSlugs.artifactId))
    .where(
      and(
        eq(artifactOldSlugs.ownerId, ownerId),
        eq(artifacts.ownerId, ownerId),
        inArray(artifacts.visibility, listedVisibilities('public')),
        sql`not exists (select 1 from ${artifacts} live where live.owner_id = ${artifactOldSlugs.ownerId} and live.slug = ${artifactOldSlugs.slug})`,
      ),
    )
    .orderBy(asc(artifactOldSlugs.createdAt), asc(artifactOldSlugs.slug))
    .all();
}

/** Everything an artifact's page shows: the artifact, its cover and every place it was syndicated to. */
export interface ArtifactPage {
  artifact: Artifact;
  cover: PictureInfo | null;
  syndications: { url: string; name: string }[];
  /** Whether lists (tag pages among them) show this piece to this viewer; unlisted work opened by its link is not. */
  listed: boolean;
}

/** An artifact's page for this viewer; the same 404 for missing and not readable. */
export function getArtifactPage(app: AppContext, viewer: Viewer | null, owner: User, slug: string): ArtifactPage {
  const artifact = getReadableArtifact(app, viewer, owner, slug);
  const cover = artifact.coverMediaId ? getPicture(app, owner, artifact.coverMediaId) : null;
  const syndicated = prepared(app.db, 'portfolio.syndications', (db) =>
    db
      .select({ url: syndications.url, name: syndications.name })
      .from(syndications)
      .where(eq(syndications.artifactId, sql.placeholder('artifact')))
      .orderBy(asc(syndications.createdAt), asc(syndications.url))
      .prepare(),
  );
  const places = syndicated.all({ artifact: artifact.id });
  const listed = listedVisibilities(relationTo(app, viewer, owner)).includes(artifact.visibility);
  // Course hubs the piece is in, read live like the hub's river (see server/hubs/syndication.ts).
  return { artifact, cover, syndications: [...places, ...artifactHubSyndications(app, viewer, artifact)], listed };
}

/** One of the owner's pictures (not attachments), or null. */
export function getPicture(app: AppContext, owner: Pick<User, 'id'>, mediaId: string): PictureInfo | null {
  const picture = prepared(app.db, 'portfolio.picture', (db) =>
    db
      .select({ id: media.id, alt: media.alt, width: media.width, height: media.height, variants: media.variants, kind: media.kind })
      .from(media)
      .where(and(eq(media.id, sql.placeholder('media')), eq(media.ownerId, OWNER)))
      .prepare(),
  );
  const row = picture.get({ media: mediaId, owner: owner.id });
  if (!row || row.kind !== 'image') return null;
  return { id: row.id, alt: row.alt, width: row.width, height: row.height, variants: row.variants };
}

/** The profile photo the student chose, if it is still one of their pictures. */
export function getAvatar(app: AppContext, owner: User): PictureInfo | null {
  return owner.avatarMediaId ? getPicture(app, owner, owner.avatarMediaId) : null;
}

/**
 * A showcase by slug with its pieces in order. The showcase itself follows the reading rule (unlisted showcases
 * open by their address); its pieces follow the listing rule, so a shared showcase never lists work that is
 * unlisted, members-only or private to this viewer. Two queries.
 */
export function getReadableShowcase(
  app: AppContext,
  viewer: Viewer | null,
  owner: User,
  slug: string,
): { showcase: Showcase; items: ArtifactCard[]; relation: Relation } {
  const showcase = app.db
    .select()
    .from(showcases)
    .where(and(eq(showcases.ownerId, owner.id), eq(showcases.slug, slug)))
    .get();
  const relation = relationTo(app, viewer, owner);
  if (!showcase || !canRead(viewer, { ...showcase, sharesHub: relation === 'member' })) throw notFound('That showcase');
  const items = app.db
    .select(cardColumns)
    .from(showcaseItems)
    .innerJoin(artifacts, eq(artifacts.id, showcaseItems.artifactId))
    .leftJoin(media, eq(media.id, artifacts.coverMediaId))
    .where(and(eq(showcaseItems.showcaseId, showcase.id), listedWhere(owner, relation)))
    .orderBy(asc(showcaseItems.position))
    .all()
    .map(toCard);
  return { showcase, items, relation };
}
