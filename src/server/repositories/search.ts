/**
 * Full-text search over artifacts (the FTS5 index of drizzle/0007_full_text_search.sql), ranked by bm25 with the
 * title weighted above the summary and tags, and those above the body. Search never widens what a viewer may read:
 * each scope filters in SQL by the same rule its page lists with — the owner's own work, the students page's
 * listing rule (core/visibility `listedVisibilities` for the viewer's relation to each student), the hub river's
 * conditions (server/hubs/contributions.ts). Two queries per search (plus the scope's own): the ranked rows, then
 * snippets for those rows only.
 */
import { and, desc, eq, inArray, isNull, ne, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { ArtifactKind } from '../../core/artifacts.ts';
import { SNIPPET_CLOSE, SNIPPET_ELLIPSIS, SNIPPET_OPEN, highlightToHtml, snippetHasMatch, snippetToHtml, type SearchQuery } from '../../core/search.ts';
import { listedVisibilities, type Relation, type Viewer, type Visibility } from '../../core/visibility.ts';
import type { AppContext } from '../context.ts';
import { artifactTags, artifacts, hubMembers, hubs, users, type Artifact, type Hub } from '../db/schema.ts';
import { hubAccess, canSeeHub, riverView } from '../hubs/access.ts';
import { artifactConditions, artifactScope, type RiverFilter } from '../hubs/contributions.ts';
import { consentedMembership } from '../hubs/enrolment.ts';
import { ARTIFACT_CARD_COLUMNS } from './cardColumns.ts';
import { relationTo } from './portfolio.ts';
import { onPostgres } from '../db/index.ts';

/** Stable document numbers of the index, one per artifact (kept by the migration's triggers, never written here). */
const searchDocs = sqliteTable('artifact_search_docs', {
  doc: integer('doc').primaryKey(),
  artifactId: text('artifact_id').notNull(),
});

/** The FTS5 table itself; its columns are only read through FTS5 functions. */
const searchIndex = sqliteTable('artifact_search', { rowid: integer('rowid') });

// bm25 weights in the index's column order (title, summary, body, tags, owner): a word in the title counts ten
// times one in the body; a summary or tag says what the piece is about, so it counts five; the owner token nothing.
const RANK = sql<number>`bm25(${searchIndex}, 10.0, 5.0, 1.0, 5.0, 0.0)`;
// Tokens around the best match of the body; FTS5 keeps it under 64.
const SNIPPET_TOKENS = 24;

/**
 * Most results a search returns: one page, best first. Each result's snippet costs FTS5 a pass over that piece's
 * text (about half a millisecond for 1,500 words), so a page of 20 keeps a search within its 20 ms budget.
 */
export const SEARCH_LIMIT = 20;

/** What a result shows, read for one page of results only. */
const resultColumns = {
  ...ARTIFACT_CARD_COLUMNS,
  ownerId: users.id,
  handle: users.handle,
  name: users.name,
};
type ResultRow = { [K in keyof typeof resultColumns]: (typeof resultColumns)[K]['_']['data'] };

/** Whose work a search looks through. */
export type SearchScope =
  /** The viewer's own workspace: everything of theirs, with the workspace's filters. */
  | { kind: 'own'; filter?: { tag?: string; kind?: ArtifactKind; visibility?: Visibility } }
  /** "My students": the work of the students of the hubs the viewer teaches, as that page lists it for them. */
  | { kind: 'students' }
  /** A hub's river, as the viewer may see it, with the river's member and tag filters. */
  | { kind: 'hub'; hub: Hub; filter?: Pick<RiverFilter, 'memberId' | 'tag'>; view?: 'river' | 'members' };

/** One piece found: what a result list shows, and a highlighted snippet. */
export interface SearchResult {
  id: string;
  slug: string;
  title: string;
  summary: string;
  kind: Artifact['kind'];
  visibility: Artifact['visibility'];
  tags: string[];
  date: Date;
  owner: { id: string; handle: string; name: string };
  /**
   * Safe HTML: the best passage of the text with the matched words in `<mark>` (or of the summary, when the text has
   * none of them); '' when neither has a matched word.
   */
  snippet: string;
  /** Safe HTML: the title with matched words in `<mark>`; '' when the title has none (show `title` then). */
  titleHtml: string;
}

/** A student of one of the teacher's hubs (the students page lists these, hub by hub). */
export interface TaughtStudent {
  id: string;
  handle: string;
  name: string;
  hubId: string;
}

/**
 * The hubs a teacher teaches (a teacher member of), and their active student members other than the teacher, both
 * by consented enrolment. A disabled account's work leaves every list with it.
 */
export function listTaughtStudents(app: AppContext, teacher: Viewer): { hubs: { id: string; title: string; slug: string }[]; students: TaughtStudent[] } {
  const taught = app.db
    .select({ id: hubs.id, title: hubs.title, slug: hubs.slug })
    .from(hubMembers)
    .innerJoin(hubs, eq(hubs.id, hubMembers.hubId))
    .where(and(eq(hubMembers.userId, teacher.id), eq(hubMembers.role, 'teacher'), consentedMembership()))
    .all();
  const students = taught.length
    ? app.db
        .selectDistinct({ id: users.id, handle: users.handle, name: users.name, hubId: hubMembers.hubId })
        .from(hubMembers)
        .innerJoin(users, eq(users.id, hubMembers.userId))
        .where(and(inArray(hubMembers.hubId, taught.map((h) => h.id)), ne(hubMembers.userId, teacher.id), eq(hubMembers.role, 'student'), consentedMembership(), isNull(users.disabledAt)))
        .all()
    : [];
  return { hubs: taught, students };
}

function taggedWith(tag: string): SQL {
  return sql`exists (select 1 from ${artifactTags} where ${artifactTags.artifactId} = ${artifacts.id} and ${artifactTags.tag} = ${tag})`;
}

/** The index's token for an owner (the migration's `'u' || lower(hex(owner_id))`). */
function ownerToken(ownerId: string): string {
  return `"u${Buffer.from(ownerId, 'utf8').toString('hex')}"`;
}

/** Who a search covers: the index narrows to the owners' pieces; `where` is the rule that decides, for every result. */
interface Coverage {
  owners: string[];
  where: SQL;
}

/**
 * The MATCH expression: the person's terms in the text columns, and one of the owners' tokens. The tokens only
 * narrow what FTS5 walks and ranks (a student's pieces, not everyone's); the SQL rule still decides what may be
 * read. (Visibility tokens too were tried: FTS5 then weighs a list of nearly every piece for each query, which made
 * a teacher's search five times slower.)
 */
function matchExpression(match: string, owners: string[]): string {
  return `{title summary body tags} : (${match}) AND owner : (${owners.map(ownerToken).join(' OR ')})`;
}

/** The students page's rule: each student's work listed for the viewer's relation to them (one OR per relation). */
function studentsCoverage(app: AppContext, viewer: Viewer): Coverage | null {
  const owners = [...new Set(listTaughtStudents(app, viewer).students.map((s) => s.id))];
  const byRelation = new Map<Relation, string[]>();
  for (const owner of owners) {
    const relation = relationTo(app, viewer, { id: owner });
    byRelation.set(relation, [...(byRelation.get(relation) ?? []), owner]);
  }
  const parts = [...byRelation].map(
    ([relation, ids]) => and(inArray(artifacts.ownerId, ids), inArray(artifacts.visibility, listedVisibilities(relation)))!,
  );
  return parts.length ? { owners, where: sql`(${sql.join(parts, sql` or `)})` } : null;
}

/** The river's rule for this viewer (the hub's access decides the scope); null when the viewer sees none of it. */
function hubCoverage(app: AppContext, viewer: Viewer | null, hub: Hub, filter: Pick<RiverFilter, 'memberId' | 'tag'>, view: 'river' | 'members' = 'river'): Coverage | null {
  const access = hubAccess(app, viewer, hub);
  if (!canSeeHub(access)) return null;
  const scope = artifactScope(app, hub, filter);
  // The members' view (its teachers' river) searches what it shows; anyone else, what their river shows.
  const where = scope && artifactConditions(hub, scope, { scope: riverView(access, view).scope, filter });
  return scope && where ? { owners: [...scope.people.keys()], where } : null;
}

function coverage(app: AppContext, viewer: Viewer | null, scope: SearchScope, query: SearchQuery): Coverage | null {
  const tagConditions = query.tags.map(taggedWith);
  switch (scope.kind) {
    case 'own': {
      if (!viewer) return null;
      const filter = scope.filter ?? {};
      const where = and(
        eq(artifacts.ownerId, viewer.id),
        filter.tag ? taggedWith(filter.tag.replace(/^#/, '').toLowerCase().normalize('NFC')) : undefined,
        filter.kind ? eq(artifacts.kind, filter.kind) : undefined,
        filter.visibility ? eq(artifacts.visibility, filter.visibility) : undefined,
        ...tagConditions,
      )!;
      return { owners: [viewer.id], where };
    }
    case 'students': {
      if (!viewer) return null;
      const students = studentsCoverage(app, viewer);
      return students ? { owners: students.owners, where: and(students.where, ...tagConditions)! } : null;
    }
    case 'hub': {
      // The river's own tag filter is folded (any spelling); a `#tag` typed in the box fills it when it is empty.
      const [first, ...more] = query.tags;
      const filter = { ...scope.filter, tag: scope.filter?.tag ?? first };
      const river = hubCoverage(app, viewer, scope.hub, filter, scope.view);
      const extra = scope.filter?.tag === undefined ? more : query.tags;
      return river ? { owners: river.owners, where: and(river.where, ...extra.map(taggedWith))! } : null;
    }
  }
}

/**
 * Searches the work `viewer` may read in `scope`: ranked by bm25 when the query has words (best first), newest
 * first when it only filters by tag. Each result carries a highlighted snippet of its text.
 */
export function searchArtifacts(
  app: AppContext,
  viewer: Viewer | null,
  query: SearchQuery,
  scope: SearchScope,
  options: { limit?: number } = {},
): SearchResult[] {
  const covered = coverage(app, viewer, scope, query);
  if (!covered || covered.owners.length === 0 || (query.match === null && query.tags.length === 0 && scope.kind !== 'own')) return [];
  const { where } = covered;
  const match = query.match === null ? null : matchExpression(query.match, covered.owners);
  const limit = Math.max(1, Math.min(options.limit ?? SEARCH_LIMIT, SEARCH_LIMIT));
  if (match !== null && onPostgres(app.db)) return pgSearch(app, query, where, limit);
  const rows: (ResultRow & { doc: number | null })[] =
    match === null
      ? app.db
          .select({ ...resultColumns, doc: sql<number | null>`null` })
          .from(artifacts)
          .innerJoin(users, eq(users.id, artifacts.ownerId))
          .where(where)
          .orderBy(desc(artifacts.date), desc(artifacts.id))
          .limit(limit)
          .all()
      : inOrder(app, rankedDocs(app, match, where, limit));
  const snippets = match === null ? new Map<number, Highlights>() : snippetsFor(app, match, rows.map((r) => r.doc!));
  return rows.map((row) => resultOf(row, row.doc === null ? undefined : snippets.get(row.doc)));
}

/** A found piece as a result list shows it, with its highlights ('' where none). */
function resultOf(row: ResultRow, highlights: Highlights | undefined): SearchResult {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    summary: row.summary,
    kind: row.kind,
    visibility: row.visibility,
    tags: row.tags,
    date: row.date,
    owner: { id: row.ownerId, handle: row.handle, name: row.name },
    snippet: highlights?.snippet ?? '',
    titleHtml: highlights?.title ?? '',
  };
}

/** The best passage (the body's, else the summary's) and the title, marked, from the index's marked-up texts. */
function highlightsOf(body: string | null, summary: string | null, title: string | null): Highlights {
  const passage = [body, summary].find((s): s is string => Boolean(s && snippetHasMatch(s)));
  return { snippet: passage ? snippetToHtml(passage) : '', title: title && snippetHasMatch(title) ? highlightToHtml(title) : '' };
}

/** The rows of ranked documents, in their rank order (one query by id). */
function inOrder(app: AppContext, ranked: { doc: number; id: string }[]): (ResultRow & { doc: number })[] {
  if (ranked.length === 0) return [];
  const rows = app.db
    .select(resultColumns)
    .from(artifacts)
    .innerJoin(users, eq(users.id, artifacts.ownerId))
    .where(inArray(artifacts.id, ranked.map((r) => r.id)))
    .all();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ranked.flatMap(({ doc, id }) => {
    const row = byId.get(id);
    return row ? [{ ...row, doc }] : [];
  });
}

// How many of the index's best matches are checked against the rule per result wanted, before ranking them all.
const CANDIDATES_PER_RESULT = 4;

/**
 * The ids of the best `limit` matches that pass `where`, best first (among equal scores, the piece indexed last).
 * FTS5 ranks its matches alone (the owner tokens already narrowed them to the pieces covered), and only the best
 * few are checked against the rule: when enough of them pass, they are the best that pass. Otherwise every match
 * is checked (`allRankedDocs`).
 */
function rankedDocs(app: AppContext, match: string, where: SQL, limit: number): { doc: number; id: string }[] {
  const wanted = limit * CANDIDATES_PER_RESULT;
  const best = app.db
    .select({ doc: sql<number>`${searchIndex.rowid}` })
    .from(searchIndex)
    .where(sql`${searchIndex} match ${match}`)
    .orderBy(RANK, sql`${searchIndex.rowid} desc`)
    .limit(wanted)
    .all();
  if (best.length === 0) return [];
  // CROSS JOIN keeps SQLite to this order (candidates first, then their artifacts by id): left to choose, it walked
  // every artifact of a visibility through the visibility index and took 200 ms.
  const candidates = sql.join(best.map((b) => sql`${b.doc}`), sql`, `);
  const passing = new Map(
    app.db
      .all<{ doc: number; id: string }>(sql`
        select ${searchDocs.doc} as doc, ${artifacts.id} as id
        from ${searchDocs} cross join ${artifacts} on ${artifacts.id} = ${searchDocs.artifactId}
        where ${searchDocs.doc} in (${candidates}) and ${where}`)
      .map((r) => [r.doc, r.id]),
  );
  const ranked = best.flatMap(({ doc }) => (passing.has(doc) ? [{ doc, id: passing.get(doc)! }] : []));
  return ranked.length >= limit || best.length < wanted ? ranked.slice(0, limit) : allRankedDocs(app, match, where, limit);
}

/**
 * The same, checking every match against the rule. Only the columns stored before the body are read (owner,
 * visibility, kind): a column after it (date, tags) would make SQLite read every candidate's text off its overflow
 * pages, 30 ms for a teacher's 3,000 pieces.
 */
function allRankedDocs(app: AppContext, match: string, where: SQL, limit: number): { doc: number; id: string }[] {
  // CROSS JOIN for the same reason as above: the full-text matches first, each looked up once.
  return app.db.all<{ doc: number; id: string }>(sql`
    select m.doc as doc, ${artifacts.id} as id
    from (select ${searchIndex.rowid} as doc, ${RANK} as score from ${searchIndex} where ${searchIndex} match ${match}) m
    cross join ${searchDocs} on ${searchDocs.doc} = m.doc
    cross join ${artifacts} on ${artifacts.id} = ${searchDocs.artifactId}
    where ${where}
    order by m.score, m.doc desc
    limit ${limit}`);
}

/** A found piece's marked title and best passage, as safe HTML ('' where nothing matched). */
interface Highlights {
  snippet: string;
  title: string;
}

/**
 * Snippets of the body (or the summary) and the marked title, for the found documents only: making one reads and
 * tokenizes the whole text. One pass of the
 * same MATCH (FTS5 would run it again for every id of a `rowid IN (...)`); the CASE makes only the wanted ones.
 */
function snippetsFor(app: AppContext, match: string, docs: number[]): Map<number, Highlights> {
  if (docs.length === 0) return new Map();
  const wanted = sql`${searchIndex.rowid} in (${sql.join(docs.map((d) => sql`${d}`), sql`, `)})`;
  const rows = app.db
    .select({
      doc: searchIndex.rowid,
      body: sql<string | null>`case when ${wanted} then snippet(${searchIndex}, 2, ${SNIPPET_OPEN}, ${SNIPPET_CLOSE}, ${SNIPPET_ELLIPSIS}, ${SNIPPET_TOKENS}) end`,
      summary: sql<string | null>`case when ${wanted} then snippet(${searchIndex}, 1, ${SNIPPET_OPEN}, ${SNIPPET_CLOSE}, ${SNIPPET_ELLIPSIS}, ${SNIPPET_TOKENS}) end`,
      title: sql<string | null>`case when ${wanted} then highlight(${searchIndex}, 0, ${SNIPPET_OPEN}, ${SNIPPET_CLOSE}) end`,
    })
    .from(searchIndex)
    .where(sql`${searchIndex} match ${match}`)
    .all();
  const out = new Map<number, Highlights>();
  for (const row of rows) {
    if (row.doc !== null) out.set(row.doc, highlightsOf(row.body, row.summary, row.title));
  }
  return out;
}

// --- PostgreSQL's full-text search -----------------------------------------------------------------------------

/**
 * The query as a tsquery: every term must match; a word is a prefix (`'photo':*`), a phrase its words in order
 * (`'e' <-> 'mail'`). Lexemes are quoted, so nothing typed is read as tsquery syntax.
 */
export function tsQueryOf(query: SearchQuery): string {
  return query.terms
    .map((term) => {
      const prefix = term.endsWith('…');
      const words = (prefix ? term.slice(0, -1) : term).split(' ').filter(Boolean);
      return words.map((w, i) => `'${w.replace(/'/g, "''").replace(/\\/g, '\\\\')}'${prefix && i === words.length - 1 ? ':*' : ''}`).join(' <-> ');
    })
    .join(' & ');
}

// ts_headline's markers are the ones snippetToHtml reads; 24 words around the best match, as FTS5's snippet.
const HEADLINE = `StartSel="${SNIPPET_OPEN}", StopSel="${SNIPPET_CLOSE}", MaxWords=${SNIPPET_TOKENS}, MinWords=12, ShortWord=0, MaxFragments=1, FragmentDelimiter="${SNIPPET_ELLIPSIS}"`;
const TITLE_HEADLINE = `StartSel="${SNIPPET_OPEN}", StopSel="${SNIPPET_CLOSE}", HighlightAll=true`;
// ts_rank's weights for D, C, B, A: the body (C) counts 1, the summary and tags (B) 5, the title (A) 10, as bm25's above.
const RANK_WEIGHTS = sql.raw(`'{0, 0.1, 0.5, 1.0}'`);

/**
 * ts_headline of a column. Its parser reads `<…>` as an HTML tag and leaves it out, so a piece's text is shown
 * with a private-use character for `<` and given back with `<` (snippetToHtml escapes it): what the person wrote
 * shows as text, as FTS5's snippet shows it.
 */
function headline(column: SQLWrapper, q: SQL, options: string): SQL<string | null> {
  return sql<string | null>`replace(ts_headline('potluck_search', replace(${column}, '<', ${LT_STAND_IN}), ${q}, ${options}), ${LT_STAND_IN}, '<')`;
}
const LT_STAND_IN = '\uE000';

/**
 * Search on PostgreSQL: the generated `search` tsvector (title weighted A, summary and tags B, body C; its GIN
 * index finds the matches), ranked by ts_rank, best first and among equal ranks the newest piece; the same `where`
 * decides what may be read. Snippets are made for the page of results only.
 */
function pgSearch(app: AppContext, query: SearchQuery, where: SQL, limit: number): SearchResult[] {
  const q = sql`to_tsquery('potluck_search', ${tsQueryOf(query)})`;
  const rows = app.db
    .select({
      ...resultColumns,
      body: headline(artifacts.body, q, HEADLINE),
      summaryHeadline: headline(artifacts.summary, q, HEADLINE),
      titleHeadline: headline(artifacts.title, q, TITLE_HEADLINE),
    })
    .from(artifacts)
    .innerJoin(users, eq(users.id, artifacts.ownerId))
    .where(and(sql`search @@ ${q}`, where))
    .orderBy(sql`ts_rank(${RANK_WEIGHTS}, search, ${q}) desc`, desc(artifacts.createdAt), desc(artifacts.id))
    .limit(limit)
    .all();
  return rows.map((row) => resultOf(row, highlightsOf(row.body, row.summaryHeadline, row.titleHeadline)));
}
