/** Reading artifacts and their revisions. Every function that takes an owner returns only that owner's work. */
import { and, asc, count, desc, eq, or, sql, type SQL } from 'drizzle-orm';
import { forbidden, notFound } from '../../core/errors.ts';
import type { Viewer } from '../../core/visibility.ts';
import { canReadArtifact } from '../access.ts';
import type { AppContext } from '../context.ts';
import { remembered } from '../db/changes.ts';
import { ARTIFACT_CARD_COLUMNS } from './cardColumns.ts';
import { prepared } from '../db/prepared.ts';
import { artifactTags, artifacts, revisions, type Artifact, type Revision } from '../db/schema.ts';

export interface ArtifactFilter {
  /** Words to find in the title or summary, or `#tag` to find by tag. */
  q?: string;
  tag?: string;
  kind?: Artifact['kind'];
  visibility?: Artifact['visibility'];
}

/** The owner's artifacts, newest first, filtered. */
export function listOwnArtifacts(app: AppContext, ownerId: string, filter: ArtifactFilter = {}): Artifact[] {
  return app.db
    .select()
    .from(artifacts)
    .where(ownFilter(ownerId, filter))
    .orderBy(desc(artifacts.date), desc(artifacts.createdAt))
    .all();
}

/** What a workspace list shows of a piece: no body, no HTML. */
export type ArtifactCard = Pick<Artifact, 'id' | 'slug' | 'title' | 'summary' | 'kind' | 'visibility' | 'tags' | 'date'>;

/** One page of a list and where it is in the whole. */
export interface ListPage<T> {
  items: T[];
  /** How many match in all (counted by the database). */
  total: number;
  /** 1-based; a page past the end is the last page. */
  page: number;
  pages: number;
}

/** Pieces per workspace page. */
export const WORKSPACE_PAGE_SIZE = 20;

const CARD_COLUMNS = ARTIFACT_CARD_COLUMNS;

/** All of the owner's artifacts as cards (no body, no HTML), newest first: for choosers that list every piece. */
export function listOwnArtifactCards(app: AppContext, ownerId: string, filter: ArtifactFilter = {}): ArtifactCard[] {
  return app.db
    .select(CARD_COLUMNS)
    .from(artifacts)
    .where(ownFilter(ownerId, filter))
    .orderBy(desc(artifacts.date), desc(artifacts.createdAt))
    .all();
}

/**
 * A page of the owner's artifacts, newest first, filtered: only the columns a list shows, with the total counted
 * in the database, so a student with 500 pieces costs what one with 5 does.
 */
export function listOwnArtifactPage(
  app: AppContext,
  ownerId: string,
  filter: ArtifactFilter = {},
  options: { page?: number; perPage?: number } = {},
): ListPage<ArtifactCard> {
  const perPage = options.perPage ?? WORKSPACE_PAGE_SIZE;
  const unfiltered = !filter.tag && !filter.q?.trim() && !filter.kind && !filter.visibility;
  // The plain list (every visit to the workspace) runs statements prepared once; a filter builds its own.
  const statements = (where: SQL | undefined) => ({
    count: app.db.select({ n: count() }).from(artifacts).where(where).prepare(),
    page: app.db
      .select(CARD_COLUMNS)
      .from(artifacts)
      .where(where)
      .orderBy(desc(artifacts.date), desc(artifacts.createdAt))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(),
  });
  const run = unfiltered
    ? prepared(app.db, 'artifacts.ownPage', () => statements(eq(artifacts.ownerId, sql.placeholder('owner'))))
    : statements(ownFilter(ownerId, filter));
  const total = run.count.get({ owner: ownerId })?.n ?? 0;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const page = Math.min(pages, Math.max(1, Math.floor(options.page ?? 1) || 1));
  const items = run.page.all({ owner: ownerId, limit: perPage, offset: (page - 1) * perPage });
  return { items, total, page, pages };
}

function ownFilter(ownerId: string, filter: ArtifactFilter): SQL | undefined {
  const where: SQL[] = [eq(artifacts.ownerId, ownerId)];
  const q = filter.q?.trim();
  const tags = [filter.tag, ...(q?.split(/\s+/).filter((w) => w.startsWith('#')) ?? [])]
    .filter((t): t is string => Boolean(t && t.replace('#', '')))
    .map((t) => t.replace(/^#/, '').toLowerCase().normalize('NFC'));
  for (const tag of tags) {
    where.push(
      sql`exists (select 1 from ${artifactTags} where ${artifactTags.artifactId} = ${artifacts.id} and ${artifactTags.tag} = ${tag})`,
    );
  }
  const words = q?.split(/\s+/).filter((w) => w && !w.startsWith('#')) ?? [];
  for (const word of words) {
    const pattern = `%${word.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    where.push(or(sql`${artifacts.title} like ${pattern} escape '\\'`, sql`${artifacts.summary} like ${pattern} escape '\\'`)!);
  }
  if (filter.kind) where.push(eq(artifacts.kind, filter.kind));
  if (filter.visibility) where.push(eq(artifacts.visibility, filter.visibility));
  return and(...where);
}

/** One of the owner's artifacts by id; 404 when it does not exist or is someone else's. */
export function getOwnArtifact(app: AppContext, ownerId: string, id: string): Artifact {
  const artifact = app.db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.id, id), eq(artifacts.ownerId, ownerId)))
    .get();
  if (!artifact) throw notFound('That artifact');
  return artifact;
}

/**
 * An artifact its viewer wants to change. The owner gets it; someone who may read it (a teacher, a classmate) is
 * told 403 — they know it exists, but only its author edits it; anyone else gets the same 404 as for nothing.
 */
export function getArtifactForEditing(app: AppContext, viewer: Viewer, id: string): Artifact {
  const byId = prepared(app.db, 'artifacts.byId', (db) => db.select().from(artifacts).where(eq(artifacts.id, sql.placeholder('id'))).prepare());
  const artifact = byId.get({ id });
  if (artifact?.ownerId === viewer.id) return artifact;
  if (artifact && canReadArtifact(app, viewer, artifact)) {
    throw forbidden('Only the student who wrote this can change it. You can read it on their page.');
  }
  throw notFound('That artifact');
}

/** Every revision of an artifact, newest first. */
export function listRevisions(app: AppContext, artifactId: string): Revision[] {
  return app.db.select().from(revisions).where(eq(revisions.artifactId, artifactId)).orderBy(desc(revisions.number)).all();
}

/** One revision of one of the owner's artifacts; 404 otherwise. */
export function getOwnRevision(app: AppContext, ownerId: string, artifactId: string, number: number): Revision {
  getOwnArtifact(app, ownerId, artifactId);
  const revision = app.db
    .select()
    .from(revisions)
    .where(and(eq(revisions.artifactId, artifactId), eq(revisions.number, number)))
    .get();
  if (!revision) throw notFound('That revision');
  return revision;
}

/** The tags the owner uses, with counts, most used first: the first `limit` of them, or all (-1). */
export function listOwnTags(app: AppContext, ownerId: string, limit = -1): readonly { tag: string; count: number }[] {
  // Counted over every piece: remembered until the database changes (db/changes.ts), as the workspace asks on every view.
  return remembered(app.db, `artifacts.ownTags\u0000${ownerId}\u0000${limit}`, () => Object.freeze(countOwnTags(app, ownerId, limit)));
}

function countOwnTags(app: AppContext, ownerId: string, limit: number): { tag: string; count: number }[] {
  return app.db
    .select({ tag: artifactTags.tag, count: sql<number>`count(*)` })
    .from(artifactTags)
    .innerJoin(artifacts, eq(artifacts.id, artifactTags.artifactId))
    .where(eq(artifacts.ownerId, ownerId))
    .groupBy(artifactTags.tag)
    .orderBy(desc(sql`count(*)`), asc(artifactTags.tag))
    .limit(limit)
    .all();
}

