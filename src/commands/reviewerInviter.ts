/**
 * A student invites a hub-mate to review a piece in its feedback thread, where the school turned peer review on
 * (core/policy.ts, `inviteReviewer`). Only consented hub-mates can be invited: an open invitation to a hub makes
 * nobody a classmate. The invitee is told; reviewerRemover.ts takes the invitation back.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import type { Actor } from '../core/policy.ts';
import type { AppContext } from '../server/context.ts';
import { feedbackReviewers, users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { reviewerCandidates, threadArtifact, threadPath } from '../server/feedback/thread.ts';
import { notify } from '../server/notifications/notify.ts';

const handleSchema = z
  .string({ error: 'Choose the classmate to invite.' })
  .trim()
  .transform((v) => v.replace(/^@/, '').toLowerCase())
  .pipe(z.string().min(1, 'Choose the classmate to invite.'));

/** Invites the hub-mate with `handle` to review the owner's piece; returns their id. */
export function inviteReviewer(app: AppContext, props: { actor: Actor; artifactId: string; handle: unknown }): string {
  const handle = handleSchema.safeParse(props.handle ?? '');
  if (!handle.success) throw invalid(issuesFromZod(handle.error).map((i) => ({ ...i, field: 'handle' })));
  return inTransaction(app, () => {
    const artifact = threadArtifact(app, props.actor, props.artifactId, 'inviteReviewer');
    const candidate = reviewerCandidates(app, artifact.ownerId, artifact.id).find((c) => c.handle === handle.data);
    if (!candidate) {
      const already = app.db
        .select({ id: feedbackReviewers.userId })
        .from(feedbackReviewers)
        .innerJoin(users, eq(users.id, feedbackReviewers.userId))
        .where(and(eq(feedbackReviewers.artifactId, artifact.id), eq(users.handle, handle.data)))
        .get();
      if (already) throw new PotluckError('CONFLICT', `@${handle.data} is already a reviewer of this piece.`);
      throw invalid([{ field: 'handle', message: `@${handle.data} is not a classmate in one of your hubs. You can invite students who are in a hub with you.` }]);
    }
    app.db.insert(feedbackReviewers).values({ artifactId: artifact.id, userId: candidate.id, invitedAt: app.now() }).run();
    const owner = app.db.select({ name: users.name }).from(users).where(eq(users.id, artifact.ownerId)).get();
    notify(app, {
      to: candidate.id,
      kind: 'reviewer.invited',
      title: `${owner?.name ?? 'A classmate'} asked you to review “${artifact.title}”`,
      url: threadPath(artifact.id),
      actorId: props.actor.id,
      artifactId: artifact.id,
      key: `reviewer:${artifact.id}:${artifact.revision}`,
    });
    recordAudit(app, {
      action: 'feedback.reviewer_invited',
      actor: { id: props.actor.id },
      subject: { type: 'artifact', id: artifact.id },
      subjectUser: { id: candidate.id },
    });
    return candidate.id;
  });
}
