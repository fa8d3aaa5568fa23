/**
 * Saving an artifact: validate, render Markdown to sanitized HTML once (pictures sized for responsive loading), and
 * store the artifact with a new revision in one transaction, marking the owner's portfolio as changed. The workspace
 * editor, the restore button, archive import and the demo loader all come through here.
 */
import { and, eq, inArray } from 'drizzle-orm';
import {
  artifactInputSchema,
  mergeTags,
  slugFromTitle,
  uniqueSlug,
  type ArtifactInput,
  type ValidArtifactInput,
} from '../core/artifacts.ts';
import { PotluckError, forbidden, invalid, issuesFromZod, notFound } from '../core/errors.ts';
import { authorize } from '../core/policy.ts';
import { isCalendarDay } from '../core/dates.ts';
import { htmlExcerpt } from '../core/feeds/excerpt.ts';
import { renderArtifactBody } from '../core/markdown/render.ts';
import { addResponsiveImages, type ResponsiveImage } from '../core/markdown/responsiveImages.ts';
import type { AppContext } from '../server/context.ts';
import {
  artifactMedia,
  artifactOldSlugs,
  artifactTags,
  artifacts,
  drafts,
  media,
  revisions,
  users,
  type Artifact,
  type Revision,
} from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { markResubmitted } from '../server/feedback/resubmission.ts';
import { publicSharingSubject } from '../server/policyFacts.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { recordHubFeatures } from '../server/webmention/send/features.ts';
import { queueArtifactMentions } from '../server/webmention/send/queue.ts';

export type { ArtifactInput };

export interface SaveArtifactProps {
  ownerId: string;
  /** Update this artifact; when it does not exist yet it is created with this id (imports keep their ids). */
  artifactId?: string;
  input: ArtifactInput;
  /** Why this revision exists, shown in the history ("Restored revision 3", "Imported"). */
  note?: string;
  /** Overrides the clock for `updatedAt` (imports keep the archive's dates). */
  updatedAt?: Date;
  /**
   * The revision the editor was opened on. When a newer revision was saved since (another tab or device), the save
   * replaces nothing and throws EDIT_CONFLICT; the student then chooses or merges. Omitted: no check (imports).
   */
  baseRevision?: number;
  /** The draft this save came from (an artifact id or a `new-…` key): deleted in the same transaction. */
  draftKey?: string;
}

export interface SaveArtifactResult {
  artifact: Artifact;
  /** The new revision, or null when nothing changed. */
  revision: Revision | null;
  created: boolean;
}

/** The fields a revision snapshots; equal snapshots mean "nothing changed". */
function snapshotOf(a: {
  title: string;
  summary: string;
  kind: string;
  visibility: string;
  format: string;
  tags: string[];
  coverMediaId: string | null;
  linkUrl: string | null;
  date: Date;
  body: string;
}) {
  return JSON.stringify([a.title, a.summary, a.kind, a.visibility, a.format, a.tags, a.coverMediaId, a.linkUrl, a.date.getTime(), a.body]);
}

/** Validates, renders and stores; throws VALIDATION with field messages (body errors carry line and column). */
export async function saveArtifact(app: AppContext, props: SaveArtifactProps): Promise<SaveArtifactResult> {
  return storeArtifact(app, props);
}

/**
 * The same, synchronously: rendering is synchronous, so a caller that writes many things in one transaction
 * (archive import) can call this inside `inTransaction` without holding a transaction open across an await.
 */
export function storeArtifact(app: AppContext, props: SaveArtifactProps): SaveArtifactResult {
  const parsed = artifactInputSchema.safeParse(props.input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const input: ValidArtifactInput = parsed.data;

  const rendered = renderArtifactBody({ source: input.body, format: input.format });
  if (!rendered.ok) {
    throw invalid(
      rendered.errors.map((e) => ({ field: 'body', message: `Line ${e.line}, column ${e.column}: ${e.message}` })),
      'The text could not be saved.',
    );
  }
  const tags = mergeTags(input.tags, rendered.hashtags);
  const mediaIds = [...new Set([...rendered.mediaRefs, ...(input.coverMediaId ? [input.coverMediaId] : [])])];

  return inTransaction(app, () => {
    const owner = app.db.select().from(users).where(eq(users.id, props.ownerId)).get();
    if (!owner) throw notFound('That account');
    // A guardian account reads its children's work; it writes none of its own.
    if (owner.role === 'guardian') throw forbidden('A guardian account does not write work. Your children’s work is on your Family page (/family).');
    checkPolicy(app, owner, input.visibility);

    const used = mediaIds.length ? ownMediaRows(app, props.ownerId, mediaIds) : [];
    if (mediaIds.length) {
      const mine = used.map((m) => m.id);
      const missing = mediaIds.filter((id) => !mine.includes(id));
      if (missing.length) {
        throw invalid(
          missing.map((id) => ({
            field: id === input.coverMediaId ? 'coverMediaId' : 'body',
            message: `media:${id} is not one of your uploads. Upload the file in Media and use the snippet it gives you.`,
          })),
        );
      }
    }

    const existing = props.artifactId
      ? app.db.select().from(artifacts).where(eq(artifacts.id, props.artifactId)).get()
      : undefined;
    // Another person's artifact id behaves exactly like one that does not exist.
    if (existing && existing.ownerId !== props.ownerId) {
      if (props.note?.startsWith('Imported')) {
        throw new PotluckError('CONFLICT', `Artifact id ${props.artifactId} already belongs to another account.`);
      }
      throw notFound('That artifact');
    }

    const html = sizeImages(rendered.html, used);
    // Feeds and hub rivers show it for every piece without a summary: kept, not made again on every read. Made from
    // the sanitized HTML, so it holds only text the page shows (no raw HTML or comments from the Markdown), by the
    // same rule as rows saved before excerpts were stored.
    const excerpt = htmlExcerpt(html);
    const now = app.now();
    // The editor sends the day a piece is dated; the same day again keeps the moment it was saved at, so that a
    // piece first saved without a date is not moved to midnight UTC (the evening before, west of Greenwich).
    const sameDay = input.date && existing && isCalendarDay(input.date) && sameUtcDay(input.date, existing.date);
    const date = sameDay ? existing.date : (input.date ?? existing?.date ?? now);
    const fields = {
      title: input.title,
      summary: input.summary,
      kind: input.kind,
      visibility: input.visibility,
      format: input.format,
      body: input.body,
      tags,
      coverMediaId: input.coverMediaId ?? null,
      linkUrl: input.linkUrl,
      date,
    };
    const slugTaken = (slug: string) =>
      app.db
        .select({ id: artifacts.id })
        .from(artifacts)
        .where(and(eq(artifacts.ownerId, props.ownerId), eq(artifacts.slug, slug)))
        .all()
        .some((row) => row.id !== existing?.id);

    if (existing) {
      const slug = input.slug && input.slug !== existing.slug ? uniqueSlug(input.slug, slugTaken) : existing.slug;
      const unchanged =
        snapshotOf(existing) === snapshotOf(fields) &&
        slug === existing.slug &&
        (input.canonical ?? null) === existing.canonical;
      if (unchanged) {
        clearDraft(app, props);
        return { artifact: existing, revision: null, created: false };
      }
      checkBaseRevision(existing, props.baseRevision);
      const number = existing.revision + 1;
      const artifact = app.db
        .update(artifacts)
        .set({ ...fields, slug, html, excerpt, canonical: input.canonical, updatedAt: props.updatedAt ?? now, revision: number })
        .where(eq(artifacts.id, existing.id))
        .returning()
        .get();
      if (slug !== existing.slug) keepOldSlug(app, existing, now);
      writeIndexes(app, artifact.id, tags, mediaIds);
      const revision = insertRevision(app, artifact, number, props.note ?? '');
      // A piece a teacher said needs revision is resubmitted by the owner's next save (not by re-importing it).
      if (!props.note?.startsWith('Imported')) markResubmitted(app, artifact);
      clearDraft(app, props);
      bumpContentVersion(app, props.ownerId, [existing.visibility, artifact.visibility]);
      tellOthers(app, owner, artifact, props);
      return { artifact, revision, created: false };
    }

    const artifact = app.db
      .insert(artifacts)
      .values({
        id: props.artifactId ?? app.newId(),
        ownerId: props.ownerId,
        slug: uniqueSlug(input.slug ?? slugFromTitle(input.title), slugTaken),
        ...fields,
        html,
        excerpt,
        canonical: input.canonical,
        createdAt: now,
        updatedAt: props.updatedAt ?? now,
        revision: 1,
      })
      .returning()
      .get();
    writeIndexes(app, artifact.id, tags, mediaIds);
    const revision = insertRevision(app, artifact, 1, props.note ?? '');
    clearDraft(app, props);
    bumpContentVersion(app, props.ownerId, [artifact.visibility]);
    tellOthers(app, owner, artifact, props);
    return { artifact, revision, created: true };
  });
}

function sameUtcDay(a: Date, b: Date): boolean {
  return a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);
}

/**
 * Remembers the address a piece is leaving, so that links, bookmarks and Webmentions to it are redirected to its new
 * one (server/repositories/portfolio.ts, `currentSlugFor`). An old slug another piece of the owner had is taken over:
 * one address leads to one piece.
 */
function keepOldSlug(app: AppContext, existing: Artifact, now: Date): void {
  app.db
    .insert(artifactOldSlugs)
    .values({ ownerId: existing.ownerId, slug: existing.slug, artifactId: existing.id, createdAt: now })
    .onConflictDoUpdate({ target: [artifactOldSlugs.ownerId, artifactOldSlugs.slug], set: { artifactId: existing.id, createdAt: now } })
    .run();
}

/** The owner's media rows among `ids`, with what responsive pictures need; others' ids are simply absent. */
export function ownMediaRows(app: AppContext, ownerId: string, ids: string[]) {
  return app.db
    .select({ id: media.id, kind: media.kind, width: media.width, height: media.height, variants: media.variants, alt: media.alt })
    .from(media)
    .where(and(eq(media.ownerId, ownerId), inArray(media.id, ids)))
    .all();
}

// Pictures are sized on save (srcset, sizes, width, height), so pages serve stored HTML that loads the right file
// and does not shift while it loads; a picture written without alt text gets its description from Media.
/** Sizes and describes the pictures of rendered HTML from the owner's media rows (also used when a description changes). */
export function sizeImages(html: string, rows: ReturnType<typeof ownMediaRows>): string {
  const images = new Map<string, ResponsiveImage>();
  for (const row of rows) if (row.kind === 'image') images.set(row.id, row);
  return addResponsiveImages(html, images);
}

// A save made on an older revision than the newest replaces nothing; a base newer than the newest comes from a form
// that Potluck did not make.
function checkBaseRevision(existing: Artifact, base: number | undefined) {
  if (base === undefined) return;
  if (base > existing.revision) {
    throw new PotluckError(
      'VALIDATION',
      `This form says it was opened on revision ${base}, but the newest is revision ${existing.revision}. Reload the editor and make the change again.`,
    );
  }
  if (base < existing.revision) {
    throw new PotluckError(
      'EDIT_CONFLICT',
      `Revision ${existing.revision} was saved after you opened revision ${base} (in another tab or on another device). Nothing was replaced.`,
    );
  }
}

// The draft a save came from is done with once its text is a revision (or equals the newest one).
function clearDraft(app: AppContext, props: SaveArtifactProps) {
  if (!props.draftKey) return;
  app.db.delete(drafts).where(and(eq(drafts.ownerId, props.ownerId), eq(drafts.key, props.draftKey))).run();
}

// A saved revision queues Webmentions to the pages a public piece links to (sent in the background) and records the
// hubs that now feature it. An import restores work as it was; it announces nothing.
function tellOthers(app: AppContext, owner: typeof users.$inferSelect, artifact: Artifact, props: SaveArtifactProps) {
  if (props.note?.startsWith('Imported')) return;
  queueArtifactMentions(app, artifact, owner.handle);
  recordHubFeatures(app, artifact, owner);
}

// Going public is the owner's choice, under the school's consent rule (core/policy.ts, "publicSharing").
function checkPolicy(app: AppContext, owner: typeof users.$inferSelect, visibility: string) {
  if (visibility !== 'public') return;
  authorize(owner, 'publish', publicSharingSubject(app, owner));
}

function writeIndexes(app: AppContext, artifactId: string, tags: string[], mediaIds: string[]) {
  app.db.delete(artifactTags).where(eq(artifactTags.artifactId, artifactId)).run();
  if (tags.length) app.db.insert(artifactTags).values(tags.map((tag) => ({ artifactId, tag }))).run();
  app.db.delete(artifactMedia).where(eq(artifactMedia.artifactId, artifactId)).run();
  if (mediaIds.length) app.db.insert(artifactMedia).values(mediaIds.map((mediaId) => ({ artifactId, mediaId }))).run();
}

function insertRevision(app: AppContext, a: Artifact, number: number, note: string): Revision {
  return app.db
    .insert(revisions)
    .values({
      id: app.newId(),
      artifactId: a.id,
      number,
      title: a.title,
      summary: a.summary,
      kind: a.kind,
      visibility: a.visibility,
      format: a.format,
      tags: a.tags,
      coverMediaId: a.coverMediaId,
      linkUrl: a.linkUrl,
      date: a.date,
      body: a.body,
      html: a.html,
      note,
      createdAt: app.now(),
    })
    .returning()
    .get();
}
