/** Restoring a revision: its content becomes a new revision on top, so nothing in the history is ever lost. */
import type { AppContext } from '../server/context.ts';
import { getOwnArtifact, getOwnRevision } from '../server/repositories/artifacts.ts';
import { saveArtifact, type SaveArtifactResult } from './artifactSaver.ts';

/** Saves revision `number` of the owner's artifact as the newest revision. */
export async function restoreRevision(
  app: AppContext,
  props: { ownerId: string; artifactId: string; number: number },
): Promise<SaveArtifactResult> {
  const artifact = getOwnArtifact(app, props.ownerId, props.artifactId);
  const revision = getOwnRevision(app, props.ownerId, props.artifactId, props.number);
  return saveArtifact(app, {
    ownerId: props.ownerId,
    artifactId: artifact.id,
    note: `Restored revision ${revision.number}`,
    input: {
      title: revision.title,
      summary: revision.summary,
      kind: revision.kind as never,
      visibility: revision.visibility as never,
      format: revision.format as never,
      body: revision.body,
      tags: revision.tags,
      date: revision.date,
      coverMediaId: revision.coverMediaId,
      linkUrl: revision.linkUrl,
    },
  });
}
