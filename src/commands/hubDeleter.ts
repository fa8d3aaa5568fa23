/**
 * Deleting a course hub when the course is over: its owner or an admin, after typing the hub's address to confirm.
 * The hub, its members list, assignments, join codes, external feeds and what was read from them, and its hidden
 * list go, in one transaction. The students' work does not: it lives in their portfolios, and a hub only ever showed
 * it. Their pages stop saying "Also in" this hub.
 */
import { eq } from 'drizzle-orm';
import { PotluckError, invalid } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubs, joinCodes } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { authorize } from '../core/policy.ts';
import { getHubById, hubMemberIds, hubPolicySubject, hubRoleOf } from '../server/hubs/access.ts';
import { sweepThumbnails, thumbnailFilesOf } from '../server/hubs/thumbnails.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

export interface DeleteHubProps {
  /** Who deletes it; null for the operator at a shell. */
  actor: Viewer | null;
  hubId: string;
  /** The hub's address (slug) typed again, so that a hub is never deleted by a stray click. */
  confirm: string;
}

/** Deletes a hub; returns its title and how many members it had. */
export function deleteHub(app: AppContext, props: DeleteHubProps): { title: string; members: number } {
  let pictures: string[] = [];
  const result = inTransaction(app, () => {
    const hub = getHubById(app, props.hubId);
    if (props.actor) authorize(props.actor, 'delete', hubPolicySubject(hub, hubRoleOf(app, hub.id, props.actor.id)));
    if (props.confirm.trim().toLowerCase() !== hub.slug) {
      throw invalid([{ field: 'confirm', message: `Type the hub’s address, ${hub.slug}, to confirm.` }]);
    }
    const members = hubMemberIds(app, hub.id);
    pictures = thumbnailFilesOf(app, { hubId: hub.id });
    // Sign-up codes that would put new accounts in this hub (they name it without a foreign key).
    app.db.delete(joinCodes).where(eq(joinCodes.hubId, hub.id)).run();
    const deleted = app.db.delete(hubs).where(eq(hubs.id, hub.id)).run();
    if (deleted.changes !== 1) throw new PotluckError('CONFLICT', 'The hub changed while it was being deleted; try again.');
    for (const id of members) bumpContentVersion(app, id);
    recordAudit(app, { action: 'hub.deleted', actor: props.actor, subject: { type: 'hub', id: hub.id }, details: { hub: hub.slug, members: members.length } });
    return { title: hub.title, members: members.length };
  });
  // The pictures of its feeds' items, unless another hub shows them too.
  sweepThumbnails(app, pictures);
  return result;
}
