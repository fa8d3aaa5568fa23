/** Reading received Webmentions: the ones a piece shows, and the ones waiting for a student's or a teacher's approval. */
import { and, count, desc, eq, inArray, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { prepared } from '../../db/prepared.ts';
import { artifacts, users, webmentionBlocks, webmentions, type Webmention } from '../../db/schema.ts';
import { getPolicy } from '../../policy.ts';
import { teachesStudentOf } from '../../policyFacts.ts';

/** A mention as a page shows it. */
export type ShownMention = Pick<Webmention, 'id' | 'kind' | 'authorName' | 'authorUrl' | 'authorPhoto' | 'url' | 'source' | 'sourceHost' | 'published' | 'contentHtml'>;

const SHOWN_FIELDS = {
  id: webmentions.id,
  kind: webmentions.kind,
  authorName: webmentions.authorName,
  authorUrl: webmentions.authorUrl,
  authorPhoto: webmentions.authorPhoto,
  url: webmentions.url,
  source: webmentions.source,
  sourceHost: webmentions.sourceHost,
  published: webmentions.published,
  contentHtml: webmentions.contentHtml,
};

/**
 * The mentions shown under a piece: verified, approved by the student (and a teacher when the school asks), and
 * only while the piece is public. A mention being re-verified (queued again) keeps showing what was approved.
 */
export function shownMentions(app: AppContext, artifact: { id: string; visibility: string }): ShownMention[] {
  if (artifact.visibility !== 'public') return [];
  const needTeacher = getPolicy(app).mentionsNeedTeacher;
  const statement = prepared(app.db, `webmentions.shown.${needTeacher ? 'approved' : 'any'}`, (db) =>
    db
      .select(SHOWN_FIELDS)
      .from(webmentions)
      .where(and(eq(webmentions.artifactId, sql.placeholder('artifact')), shown(app)))
      .orderBy(webmentions.verifiedAt)
      .prepare(),
  );
  return statement.all({ artifact: artifact.id });
}

/** What makes a mention show, whatever its piece. */
function shown(app: AppContext) {
  return and(
    eq(webmentions.decision, 'approved'),
    isNotNull(webmentions.verifiedAt),
    inArray(webmentions.status, ['verified', 'queued']),
    getPolicy(app).mentionsNeedTeacher ? isNotNull(webmentions.teacherApprovedAt) : undefined,
  );
}

/** The stored picture of a shown mention's author (on a public piece), or null: the same rule as the mention itself. */
export function shownMentionPhoto(app: AppContext, id: string): string | null {
  const row = app.db
    .select({ file: webmentions.authorPhoto })
    .from(webmentions)
    .innerJoin(artifacts, eq(artifacts.id, webmentions.artifactId))
    .where(and(eq(webmentions.id, id), eq(artifacts.visibility, 'public'), shown(app)))
    .get();
  return row?.file ?? null;
}

/** A mention on the moderation page, with the piece it is about. */
export type ModeratedMention = ShownMention & {
  ownerId: string;
  decision: Webmention['decision'];
  teacherApprovedAt: Date | null;
  artifactTitle: string;
  artifactSlug: string;
  artifactVisibility: string;
  ownerHandle: string;
  ownerName: string;
};

const MODERATED_FIELDS = {
  ...SHOWN_FIELDS,
  ownerId: webmentions.ownerId,
  decision: webmentions.decision,
  teacherApprovedAt: webmentions.teacherApprovedAt,
  artifactTitle: artifacts.title,
  artifactSlug: artifacts.slug,
  artifactVisibility: artifacts.visibility,
  ownerHandle: users.handle,
  ownerName: users.name,
};

/** A student's verified mentions, newest first (pending, approved and rejected ones). */
export function mentionsOfStudent(app: AppContext, ownerId: string): ModeratedMention[] {
  return app.db
    .select(MODERATED_FIELDS)
    .from(webmentions)
    .innerJoin(artifacts, eq(artifacts.id, webmentions.artifactId))
    .innerJoin(users, eq(users.id, webmentions.ownerId))
    .where(and(eq(webmentions.ownerId, ownerId), inArray(webmentions.status, ['verified', 'queued']), isNotNull(webmentions.verifiedAt)))
    .orderBy(desc(webmentions.verifiedAt))
    .limit(200)
    .all();
}

/** How many verified mentions wait for the student's decision: the count beside "Mentions" in the workspace. */
export function pendingMentionCount(app: AppContext, ownerId: string): number {
  // On every workspace page: built once per database.
  const statement = prepared(app.db, 'webmentions.pending', (db) =>
    db
      .select({ n: count() })
      .from(webmentions)
      .where(and(eq(webmentions.ownerId, sql.placeholder('owner')), eq(webmentions.status, 'verified'), eq(webmentions.decision, 'pending')))
      .prepare(),
  );
  return statement.get({ owner: ownerId })?.n ?? 0;
}

/**
 * The mentions a teacher may approve: the student already approved them, the school asks for a teacher's approval
 * too, the student is one the teacher teaches, and the piece is still public. Empty when the policy does not ask.
 */
export function mentionsAwaitingTeacher(app: AppContext, teacher: { id: string; role: string }): ModeratedMention[] {
  if (teacher.role !== 'teacher' || !getPolicy(app).mentionsNeedTeacher) return [];
  const rows = app.db
    .select(MODERATED_FIELDS)
    .from(webmentions)
    .innerJoin(artifacts, eq(artifacts.id, webmentions.artifactId))
    .innerJoin(users, eq(users.id, webmentions.ownerId))
    .where(
      and(
        eq(webmentions.decision, 'approved'),
        isNull(webmentions.teacherApprovedAt),
        isNotNull(webmentions.verifiedAt),
        eq(artifacts.visibility, 'public'),
        ne(webmentions.status, 'deleted'),
        ne(webmentions.status, 'rejected'),
      ),
    )
    .orderBy(desc(webmentions.verifiedAt))
    .limit(500)
    .all();
  const owners = new Map<string, boolean>();
  return rows.filter((r) => {
    if (!owners.has(r.ownerId)) owners.set(r.ownerId, teachesStudentOf(app, teacher.id, r.ownerId));
    return owners.get(r.ownerId)!;
  });
}

/** The domains a student blocked, alphabetically. */
export function blockedDomains(app: AppContext, ownerId: string): string[] {
  return app.db
    .select({ domain: webmentionBlocks.domain })
    .from(webmentionBlocks)
    .where(eq(webmentionBlocks.ownerId, ownerId))
    .orderBy(webmentionBlocks.domain)
    .all()
    .map((r) => r.domain);
}

/** The approved, shown mentions of every piece of an owner, by artifact id (for the archive). */
export function approvedMentionsByArtifact(app: AppContext, ownerId: string): Map<string, Webmention[]> {
  const rows = app.db
    .select()
    .from(webmentions)
    .where(and(eq(webmentions.ownerId, ownerId), eq(webmentions.decision, 'approved'), isNotNull(webmentions.verifiedAt), inArray(webmentions.status, ['verified', 'queued'])))
    .orderBy(webmentions.verifiedAt)
    .all();
  const out = new Map<string, Webmention[]>();
  for (const r of rows) out.set(r.artifactId, [...(out.get(r.artifactId) ?? []), r]);
  return out;
}
