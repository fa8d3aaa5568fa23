/** Deleting an artifact: only its owner, and it takes its revisions, tags and syndication records with it. */
import { and, eq } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { queueDeletedArtifactMentions } from '../server/webmention/send/queue.ts';

/** Deletes one of the owner's artifacts; 404 when it is not theirs. Media stay in the owner's library. */
export function deleteArtifact(app: AppContext, props: { ownerId: string; artifactId: string }): void {
  inTransaction(app, () => {
    const deleted = app.db
      .delete(artifacts)
      .where(and(eq(artifacts.id, props.artifactId), eq(artifacts.ownerId, props.ownerId)))
      .returning({ visibility: artifacts.visibility })
      .all();
    if (deleted.length === 0) throw notFound('That artifact');
    bumpContentVersion(app, props.ownerId, deleted.map((d) => d.visibility));
    // The pages it linked to hear once more that it is gone (its page now answers 404).
    queueDeletedArtifactMentions(app, props.artifactId);
    // Only the id: the log keeps that something was deleted, not what it said.
    recordAudit(app, { action: 'artifact.deleted', actor: { id: props.ownerId }, subject: { type: 'artifact', id: props.artifactId }, subjectUser: { id: props.ownerId } });
  });
}
