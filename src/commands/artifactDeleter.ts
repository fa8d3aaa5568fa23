/** Deleting an artifact: only its owner, and it takes its revisions, tags and syndication records with it. */
import { and, eq } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

/** Deletes one of the owner's artifacts; 404 when it is not theirs. Media stay in the owner's library. */
export function deleteArtifact(app: AppContext, props: { ownerId: string; artifactId: string }): void {
  inTransaction(app, () => {
    const result = app.db
      .delete(artifacts)
      .where(and(eq(artifacts.id, props.artifactId), eq(artifacts.ownerId, props.ownerId)))
      .run();
    if (result.changes === 0) throw notFound('That artifact');
    bumpContentVersion(app, props.ownerId);
  });
}
