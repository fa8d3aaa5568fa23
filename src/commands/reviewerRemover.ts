/**
 * A student takes back an invitation to review a piece: the classmate no longer reads or writes in its thread. Their
 * messages stay, under their name, like every message of someone who has left.
 */
import { and, eq } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { Actor } from '../core/policy.ts';
import type { AppContext } from '../server/context.ts';
import { feedbackReviewers } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { threadArtifact } from '../server/feedback/thread.ts';

/** Removes a reviewer from the owner's piece; 404 when they were not one. */
export function removeReviewer(app: AppContext, props: { actor: Actor; artifactId: string; userId: string }): void {
  inTransaction(app, () => {
    const artifact = threadArtifact(app, props.actor, props.artifactId, 'read');
    // Taking an invitation back is the owner's, whatever the school's peer-review setting is now.
    if (props.actor.id !== artifact.ownerId) threadArtifact(app, props.actor, props.artifactId, 'inviteReviewer');
    const removed = app.db
      .delete(feedbackReviewers)
      .where(and(eq(feedbackReviewers.artifactId, artifact.id), eq(feedbackReviewers.userId, props.userId)))
      .returning()
      .get();
    if (!removed) throw notFound('That reviewer');
    recordAudit(app, {
      action: 'feedback.reviewer_removed',
      actor: { id: props.actor.id },
      subject: { type: 'artifact', id: artifact.id },
      subjectUser: { id: props.userId },
    });
  });
}
