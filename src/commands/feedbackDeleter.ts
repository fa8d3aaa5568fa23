/**
 * Deleting a message of a feedback thread: only its author does (a teacher their own words, the student theirs);
 * nobody edits or deletes another person's message. The audit log keeps that a message went, not what it said.
 */
import { and, eq } from 'drizzle-orm';
import { forbidden, notFound } from '../core/errors.ts';
import type { Actor } from '../core/policy.ts';
import type { AppContext } from '../server/context.ts';
import { feedbackMessages } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { threadArtifact } from '../server/feedback/thread.ts';

/** Deletes one of the actor's own messages; 404 when they may not read the thread, 403 for another's message. */
export function deleteFeedback(app: AppContext, props: { actor: Actor; artifactId: string; messageId: string }): void {
  inTransaction(app, () => {
    const artifact = threadArtifact(app, props.actor, props.artifactId, 'read');
    const message = app.db
      .select({ id: feedbackMessages.id, authorId: feedbackMessages.authorId, revision: feedbackMessages.revision })
      .from(feedbackMessages)
      .where(and(eq(feedbackMessages.id, props.messageId), eq(feedbackMessages.artifactId, artifact.id)))
      .get();
    if (!message) throw notFound('That message');
    if (message.authorId !== props.actor.id) throw forbidden('You can delete only your own messages. Nobody changes what someone else wrote.');
    app.db.delete(feedbackMessages).where(eq(feedbackMessages.id, message.id)).run();
    recordAudit(app, {
      action: 'feedback.deleted',
      actor: { id: props.actor.id },
      subject: { type: 'feedback', id: message.id },
      subjectUser: { id: artifact.ownerId },
      details: { artifactId: artifact.id, revision: message.revision },
    });
  });
}
