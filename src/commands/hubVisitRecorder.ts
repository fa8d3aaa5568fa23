/**
 * A member opens a hub's page: their last visit moves to now, so that the teacher's landing page counts what is new
 * from here. Only consented members have visits (the public and invitees have nothing to come back to).
 */
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { writeKeepingMemory } from '../server/db/changes.ts';
import { hubVisits, type Hub } from '../server/db/schema.ts';
import type { HubRole } from '../server/hubs/access.ts';

/** Records the actor's visit to `hub` now, when they are a member of it (`role`); one statement. */
export function recordHubVisit(app: AppContext, props: { actor: Viewer | null; hub: Pick<Hub, 'id'>; role: HubRole }): void {
  const actor = props.actor;
  if (!actor || props.role === null) return;
  const visitedAt = app.now();
  // What a hub page remembers (its people, tags, facets) does not depend on visits: it is kept (db/changes.ts).
  writeKeepingMemory(app.db, () =>
    app.db
      .insert(hubVisits)
      .values({ hubId: props.hub.id, userId: actor.id, visitedAt })
      .onConflictDoUpdate({ target: [hubVisits.hubId, hubVisits.userId], set: { visitedAt } })
      .run(),
  );
}
