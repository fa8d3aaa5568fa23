/**
 * A teacher marks a contribution reviewed or needing revision, per hub: a teacher of a hub the owner is in, on a
 * piece that is in that hub, who may write in its thread. The student's next save of a piece that needs revision
 * marks it resubmitted (server/feedback/resubmission.ts). The owner, and their guardians, are told; the audit log
 * records every change.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { CONTRIBUTION_STATUSES } from '../core/notifications.ts';
import { forbidden, invalid, issuesFromZod } from '../core/errors.ts';
import { teacherStatusSchema } from '../core/feedback.ts';
import type { Actor } from '../core/policy.ts';
import { sitePaths } from '../core/urls.ts';
import type { AppContext } from '../server/context.ts';
import { contributionStatuses, users, type ContributionStatus } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { hubsTaughtOfPiece, statusesOf } from '../server/feedback/hubs.ts';
import { threadArtifact, threadPath } from '../server/feedback/thread.ts';
import { notify } from '../server/notifications/notify.ts';

const inputSchema = z.object({ hubId: z.string({ error: 'Choose the hub.' }).min(1, 'Choose the hub.'), status: teacherStatusSchema });

/** Sets the status of a piece in one hub; 404 when the actor may not read its thread, 403 when they do not teach it there. */
export function setContributionStatus(
  app: AppContext,
  props: { actor: Actor; artifactId: string; hubId: unknown; status: unknown },
): ContributionStatus {
  const input = inputSchema.safeParse({ hubId: props.hubId, status: props.status });
  if (!input.success) throw invalid(issuesFromZod(input.error));
  return inTransaction(app, () => {
    const artifact = threadArtifact(app, props.actor, props.artifactId, 'read');
    const hub = hubsTaughtOfPiece(app, props.actor.id, artifact).find((h) => h.id === input.data.hubId);
    if (!hub) throw forbidden('Only a teacher of a hub this piece is in can set its review status there.');
    // Teaching the hub is not enough: the teacher must be one who may give feedback on the piece (not a private one).
    threadArtifact(app, props.actor, props.artifactId, 'write');
    const before = statusesOf(app, artifact.id).get(hub.id)?.status ?? null;
    const values = { status: input.data.status, revision: artifact.revision, setBy: props.actor.id, setAt: app.now() };
    const row = app.db
      .insert(contributionStatuses)
      .values({ hubId: hub.id, artifactId: artifact.id, ...values })
      .onConflictDoUpdate({ target: [contributionStatuses.hubId, contributionStatuses.artifactId], set: values })
      .returning()
      .get();
    recordAudit(app, {
      action: 'contribution.status_changed',
      actor: { id: props.actor.id },
      subject: { type: 'artifact', id: artifact.id },
      subjectUser: { id: artifact.ownerId },
      details: { hubId: hub.id, from: before, to: row.status, revision: row.revision },
    });
    if (before !== row.status) {
      const people = app.db.select({ id: users.id, name: users.name, handle: users.handle }).from(users).where(eq(users.id, artifact.ownerId)).get();
      const teacher = app.db.select({ name: users.name }).from(users).where(eq(users.id, props.actor.id)).get();
      const words = CONTRIBUTION_STATUSES[row.status].toLowerCase();
      notify(app, {
        to: artifact.ownerId,
        kind: 'status.changed',
        title: `${teacher?.name ?? 'Your teacher'} marked “${artifact.title}” ${words} in ${hub.title}`,
        url: threadPath(artifact.id),
        actorId: props.actor.id,
        artifactId: artifact.id,
        hubId: hub.id,
        forGuardians: people
          ? { title: `${people.name}’s “${artifact.title}” was marked ${words} in ${hub.title}`, url: sitePaths.artifact(people.handle, artifact.slug) }
          : undefined,
      });
    }
    return row;
  });
}
