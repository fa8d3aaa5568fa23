/**
 * Deciding on a received Webmention (/workspace/mentions): the student who owns the piece approves or rejects it;
 * when the school policy asks (mentionsNeedTeacher), a teacher of theirs approves it too before it shows. Anyone else
 * gets the same 404 as a mention that does not exist.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { notFound, forbidden } from '../core/errors.ts';
import type { Actor } from '../core/policy.ts';
import type { AppContext } from '../server/context.ts';
import { webmentions } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { getPolicy } from '../server/policy.ts';
import { teachesStudentOf } from '../server/policyFacts.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

/** The moderation form: which mention, and what to do with it. */
export const mentionDecisionSchema = z.object({
  mention: z.string({ error: 'Choose a mention.' }).min(1, 'Choose a mention.').max(100),
  decision: z.enum(['approve', 'reject', 'teacher-approve'], { error: 'Choose approve or reject.' }),
});
export type MentionDecision = z.infer<typeof mentionDecisionSchema>;

/** Records `actor`'s decision on one mention. */
export function moderateMention(app: AppContext, props: { actor: Actor; input: MentionDecision }): void {
  const { actor, input } = props;
  inTransaction(app, () => {
    const m = app.db.select().from(webmentions).where(eq(webmentions.id, input.mention)).get();
    if (!m || m.verifiedAt === null || m.status === 'deleted' || m.status === 'rejected') throw notFound('That mention');
    if (input.decision === 'teacher-approve') {
      if (actor.role !== 'teacher' || !teachesStudentOf(app, actor.id, m.ownerId)) throw notFound('That mention');
      if (!getPolicy(app).mentionsNeedTeacher) throw forbidden('Your school does not ask teachers to approve mentions, so there is nothing to approve.');
      if (m.decision !== 'approved') throw forbidden('The student has not approved this mention; it can be approved by a teacher only after that.');
      app.db.update(webmentions).set({ teacherApprovedAt: app.now(), teacherApprovedBy: actor.id }).where(eq(webmentions.id, m.id)).run();
    } else {
      if (m.ownerId !== actor.id) throw notFound('That mention');
      app.db
        .update(webmentions)
        .set({ decision: input.decision === 'approve' ? 'approved' : 'rejected' })
        .where(eq(webmentions.id, m.id))
        .run();
    }
    // The piece's public page and its cached copies change when a mention starts or stops showing.
    bumpContentVersion(app, m.ownerId, ['public']);
  });
}
