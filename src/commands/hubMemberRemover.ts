/**
 * Removing someone from a hub: by its teachers and admins, or a member leaving of their own accord. Their portfolio
 * work leaves the river at once (it was read live), and so do the external feeds attached to them. The hub's owner
 * stays: they delete the hub instead (hubDeleter.ts).
 */
import { and, eq } from 'drizzle-orm';
import { PotluckError, notFound } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, hubSources } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { assertCanManage, getHubById } from '../server/hubs/access.ts';
import { sweepThumbnails, thumbnailFilesOf } from '../server/hubs/thumbnails.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

/** Removes a member; returns how many of their feeds left with them. */
export function removeHubMember(app: AppContext, props: { actor: Viewer | null; hubId: string; userId: string }): { sourcesRemoved: number } {
  return afterward(
    inTransaction(app, () => {
      const hub = getHubById(app, props.hubId);
      assertCanManage(app, props.actor, hub);
      if (hub.ownerId === props.userId) {
        throw new PotluckError('CONFLICT', 'The hub’s owner cannot be removed from it.');
      }
      const ended = endMembership(app, hub.id, props.userId);
      recordAudit(app, { action: 'hub.member.removed', actor: props.actor, subject: { type: 'hub', id: hub.id }, subjectUser: { id: props.userId }, details: { hub: hub.slug, by: 'teacher', feedsRemoved: ended.sourcesRemoved } });
      return ended;
    }),
    app,
  );
}

/**
 * A member leaving a hub: anyone but its owner, who deletes the hub instead. Returns how many of their feeds left
 * with them.
 */
export function leaveHub(app: AppContext, props: { userId: string; hubId: string }): { sourcesRemoved: number } {
  return afterward(
    inTransaction(app, () => {
      const hub = getHubById(app, props.hubId);
      if (hub.ownerId === props.userId) {
        throw new PotluckError('CONFLICT', 'You own this hub, so you cannot leave it. Delete it from its Settings page when the course is over.');
      }
      const ended = endMembership(app, hub.id, props.userId);
      recordAudit(app, { action: 'hub.member.removed', actor: { id: props.userId }, subject: { type: 'hub', id: hub.id }, subjectUser: { id: props.userId }, details: { hub: hub.slug, by: 'member', feedsRemoved: ended.sourcesRemoved } });
      return ended;
    }),
    app,
  );
}

/** After the membership ended: the pictures of their feeds' items go too, unless another feed uses them. */
function afterward(ended: { sourcesRemoved: number; pictures: string[] }, app: AppContext): { sourcesRemoved: number } {
  sweepThumbnails(app, ended.pictures);
  return { sourcesRemoved: ended.sourcesRemoved };
}

function endMembership(app: AppContext, hubId: string, userId: string): { sourcesRemoved: number; pictures: string[] } {
  const result = app.db.delete(hubMembers).where(and(eq(hubMembers.hubId, hubId), eq(hubMembers.userId, userId))).run();
  if (result.changes === 0) throw notFound('That member');
  const theirs = app.db.select({ id: hubSources.id }).from(hubSources).where(and(eq(hubSources.hubId, hubId), eq(hubSources.memberId, userId))).all();
  const pictures = thumbnailFilesOf(app, { sourceIds: theirs.map((s) => s.id) });
  const sources = app.db.delete(hubSources).where(and(eq(hubSources.hubId, hubId), eq(hubSources.memberId, userId))).run();
  // Their work's pages listed the hub ("Also in"); cached copies must not.
  bumpContentVersion(app, userId);
  return { sourcesRemoved: sources.changes, pictures };
}
