/**
 * Removing an external feed from a hub, with the items it brought. The hub's teachers remove any feed; a student
 * removes the feeds of their own blog. A WebSub hub that pushes the feed is asked to unsubscribe (in the background).
 */
import { eq } from 'drizzle-orm';
import { forbidden, notFound } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubSources, type HubSource } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { sweepThumbnails, thumbnailFilesOf } from '../server/hubs/thumbnails.ts';
import { getHubById, hubAccess } from '../server/hubs/access.ts';
import { queueUnsubscribe, unsubscribeInBackground } from '../server/websub/subscriber.ts';

/** Whether the actor (null: shell) may change this source: its hub's teachers, admins, or the student whose blog it is. */
export function canChangeSource(app: AppContext, actor: Viewer | null, source: HubSource): boolean {
  if (actor === null) return true;
  const access = hubAccess(app, actor, getHubById(app, source.hubId));
  return access.canManage || (access.role !== null && source.memberId === actor.id);
}

/** A source of a hub, or 404. */
export function getHubSource(app: AppContext, hubId: string, sourceId: string): HubSource {
  const source = app.db.select().from(hubSources).where(eq(hubSources.id, sourceId)).get();
  if (!source || source.hubId !== hubId) throw notFound('That feed');
  return source;
}

/** Removes the source and its items; returns what it was. */
export function removeHubSource(app: AppContext, props: { actor: Viewer | null; hubId: string; sourceId: string }): HubSource {
  let pictures: string[] = [];
  let unsubscribe: string | null = null;
  const removed = inTransaction(app, () => {
    const source = getHubSource(app, props.hubId, props.sourceId);
    if (!canChangeSource(app, props.actor, source)) throw forbidden('Only the hub’s teachers, or the student whose blog it is, can remove this feed.');
    pictures = thumbnailFilesOf(app, { sourceIds: [source.id] });
    // A hub that pushes this feed is told to stop; its subscription row goes with the source, so deliveries are refused at once.
    unsubscribe = queueUnsubscribe(app, source.id);
    app.db.delete(hubSources).where(eq(hubSources.id, source.id)).run();
    return source;
  });
  // The pictures of its items, unless another feed's items use them too.
  sweepThumbnails(app, pictures);
  unsubscribeInBackground(app, unsubscribe);
  return removed;
}
