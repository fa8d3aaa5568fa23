/**
 * "Make these public" after an import from another platform: everything arrived private, and the student chooses
 * which pieces to share once they have looked at them. Each chosen piece goes through the artifact saver, exactly as
 * choosing Public in the editor does, so the school's public-sharing rule (consent first, core/policy.ts
 * "publicSharing") applies the same way, a revision records the change and the site's caches notice it. Only the
 * student's own pieces that came in with that import are touched; anything else is named as refused, never changed.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { PotluckError } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts } from '../server/db/schema.ts';
import { saveArtifact } from './artifactSaver.ts';

export interface PublishImportedProps {
  ownerId: string;
  /** The ids of the pieces the import brought in or updated. */
  importedIds: string[];
  /** The ids the student chose. */
  chosenIds: string[];
}

export interface PublishImportedResult {
  /** Made public now. */
  published: { id: string; slug: string; title: string }[];
  /** Were public already. */
  alreadyPublic: { id: string; slug: string; title: string }[];
  /** Not made public, each with why (in words for the student). */
  refused: { id: string; title: string; reason: string }[];
}

/** Most pieces made public in one request (an import holds at most this many pieces anyway). */
export const MAX_PUBLISH_AT_ONCE = 20_000;

/** Makes the chosen pieces of one import public (see the file comment). */
export async function publishImported(app: AppContext, props: PublishImportedProps): Promise<PublishImportedResult> {
  const chosen = [...new Set(props.chosenIds)];
  if (chosen.length === 0) throw new PotluckError('VALIDATION', 'Tick the pieces to make public first.');
  if (chosen.length > MAX_PUBLISH_AT_ONCE) throw new PotluckError('VALIDATION', `Choose at most ${MAX_PUBLISH_AT_ONCE.toLocaleString('en')} pieces at once.`);
  const imported = new Set(props.importedIds);
  const result: PublishImportedResult = { published: [], alreadyPublic: [], refused: [] };
  const rows = app.db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.ownerId, props.ownerId), inArray(artifacts.id, chosen.filter((id) => imported.has(id)))))
    .all();
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const id of chosen) {
    const row = byId.get(id);
    // Someone else's piece, one of this student's from elsewhere, or one deleted since: all look the same.
    if (!row) {
      result.refused.push({ id, title: id, reason: 'It is not one of the pieces this import brought into your account (or it was deleted since).' });
      continue;
    }
    if (row.visibility === 'public') {
      result.alreadyPublic.push({ id, slug: row.slug, title: row.title });
      continue;
    }
    try {
      const saved = await saveArtifact(app, {
        ownerId: props.ownerId,
        artifactId: row.id,
        note: 'Made public after import',
        input: {
          title: row.title,
          summary: row.summary,
          kind: row.kind,
          visibility: 'public',
          format: row.format,
          body: row.body,
          tags: row.tags,
          date: row.date,
          coverMediaId: row.coverMediaId,
          linkUrl: row.linkUrl ?? undefined,
          canonical: row.canonical ?? undefined,
          slug: row.slug,
        },
      });
      result.published.push({ id, slug: saved.artifact.slug, title: saved.artifact.title });
    } catch (error) {
      if (!(error instanceof PotluckError)) throw error;
      const detail = error.issues.length ? ` ${error.issues.map((i) => i.message).join(' ')}` : '';
      result.refused.push({ id, title: row.title, reason: `${error.message}${detail}` });
    }
  }
  return result;
}
