/**
 * Deleting and undeleting through Micropub. Deletion is the editor's (commands/artifactDeleter.ts: the piece, its
 * revisions, tags and syndication records go); before it, what the piece was (its ArtifactInput and address) is
 * kept in `micropub_deleted`, so that `action=undelete` can save it again through saveArtifact, under the same id
 * and, when still free, the same address. The revision history before the deletion is not brought back.
 */
import { and, desc, eq } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts, micropubDeleted, type Artifact } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { deleteArtifact } from './artifactDeleter.ts';
import { storeArtifact } from './artifactSaver.ts';

export function deleteThroughMicropub(app: AppContext, props: { ownerId: string; artifact: Artifact }): void {
  const a = props.artifact;
  inTransaction(app, () => {
    const snapshot = {
      title: a.title,
      summary: a.summary,
      kind: a.kind,
      visibility: a.visibility,
      format: a.format,
      body: a.body,
      tags: a.tags,
      date: a.date.toISOString(),
      linkUrl: a.linkUrl,
      canonical: a.canonical,
    };
    app.db
      .insert(micropubDeleted)
      .values({ artifactId: a.id, ownerId: props.ownerId, slug: a.slug, snapshot, deletedAt: app.now() })
      .onConflictDoUpdate({ target: micropubDeleted.artifactId, set: { slug: a.slug, snapshot, deletedAt: app.now() } })
      .run();
    deleteArtifact(app, { ownerId: props.ownerId, artifactId: a.id });
  });
}

/** Brings back the owner's piece last deleted at `slug`; 404 when there is none. */
export function undeleteThroughMicropub(app: AppContext, props: { ownerId: string; slug: string }): Artifact {
  return inTransaction(app, () => {
    const row = app.db
      .select()
      .from(micropubDeleted)
      .where(and(eq(micropubDeleted.ownerId, props.ownerId), eq(micropubDeleted.slug, props.slug)))
      .orderBy(desc(micropubDeleted.deletedAt))
      .get();
    if (!row) throw notFound('That deleted piece');
    const live = app.db.select({ id: artifacts.id }).from(artifacts).where(eq(artifacts.id, row.artifactId)).get();
    if (live) throw notFound('That deleted piece');
    const s = row.snapshot as Record<string, unknown> & { date: string };
    const { artifact } = storeArtifact(app, {
      ownerId: props.ownerId,
      artifactId: row.artifactId,
      input: { ...(s as object), date: new Date(s.date), slug: row.slug } as never,
      note: 'Restored after deletion',
    });
    app.db.delete(micropubDeleted).where(eq(micropubDeleted.artifactId, row.artifactId)).run();
    return artifact;
  });
}
