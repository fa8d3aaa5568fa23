/**
 * Removing someone from a hub (its teachers, admins): their portfolio work leaves the river at once (it was read
 * live), and so do the external feeds attached to them. The hub's owner stays; give the hub another owner first.
 */
import { and, eq } from 'drizzle-orm';
import { PotluckError, notFound } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, hubSources } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertCanManage, getHubById } from '../server/hubs/access.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

/** Removes a member; returns how many of their feeds left with them. */
export function removeHubMember(app: AppContext, props: { actor: Viewer | null; hubId: string; userId: string }): { sourcesRemoved: number } {
  return inTransaction(app, () => {
    const hub = getHubById(app, props.hubId);
    assertCanManage(app, props.actor, hub);
    if (hub.ownerId === props.userId) {
      throw new PotluckError('CONFLICT', 'The hub’s owner cannot be removed from it.');
    }
    const result = app.db.delete(hubMembers).where(and(eq(hubMembers.hubId, hub.id), eq(hubMembers.userId, props.userId))).run();
    if (result.changes === 0) throw notFound('That member');
    const sources = app.db.delete(hubSources).where(and(eq(hubSources.hubId, hub.id), eq(hubSources.memberId, props.userId))).run();
    bumpContentVersion(app, props.userId);
    return { sourcesRemoved: sources.changes };
  });
}
