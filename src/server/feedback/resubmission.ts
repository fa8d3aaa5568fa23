/**
 * The student's answer to "needs revision" is their next save: every hub that asked for a revision of the piece
 * sees it as resubmitted, on the new revision, and that hub's teachers are told. Runs inside the save's transaction
 * (commands/artifactSaver.ts), so a save and its status never disagree.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { contributionStatuses, hubs, users, type Artifact } from '../db/schema.ts';
import { canReadArtifact } from '../access.ts';
import { notify } from '../notifications/notify.ts';
import { teachersOfHubs } from './hubs.ts';
import { threadPath } from './thread.ts';

/** Marks `artifact` resubmitted in every hub where it needed revision; returns those hubs' ids. */
export function markResubmitted(app: AppContext, artifact: Artifact): string[] {
  const waiting = app.db
    .select({ hubId: contributionStatuses.hubId, title: hubs.title })
    .from(contributionStatuses)
    .innerJoin(hubs, eq(hubs.id, contributionStatuses.hubId))
    .where(and(eq(contributionStatuses.artifactId, artifact.id), eq(contributionStatuses.status, 'needs_revision')))
    .all();
  if (waiting.length === 0) return [];
  const now = app.now();
  const hubIds = waiting.map((w) => w.hubId);
  app.db
    .update(contributionStatuses)
    .set({ status: 'resubmitted', revision: artifact.revision, setBy: artifact.ownerId, setAt: now })
    .where(and(eq(contributionStatuses.artifactId, artifact.id), inArray(contributionStatuses.hubId, hubIds)))
    .run();
  const owner = app.db.select({ name: users.name }).from(users).where(eq(users.id, artifact.ownerId)).get();
  const teachers = teachersOfHubs(app, hubIds);
  const roles = new Map(
    app.db.select({ id: users.id, role: users.role }).from(users).where(inArray(users.id, [...new Set([...teachers.values()].flat())])).all().map((u) => [u.id, u.role]),
  );
  const readers = new Map([...roles].map(([id, role]) => [id, canReadArtifact(app, { id, role }, artifact)]));
  for (const w of waiting) {
    notify(
      app,
      // Only teachers who may read the piece now hear of it (a piece made private names itself to nobody).
      (teachers.get(w.hubId) ?? []).filter((to) => readers.get(to)).map((to) => ({
        to,
        kind: 'status.changed' as const,
        title: `${owner?.name ?? 'A student'} resubmitted “${artifact.title}” (revision ${artifact.revision}) in ${w.title}`,
        url: threadPath(artifact.id),
        actorId: artifact.ownerId,
        artifactId: artifact.id,
        hubId: w.hubId,
        key: `resubmitted:${w.hubId}:${artifact.id}:${artifact.revision}`,
      })),
    );
  }
  return hubIds;
}
