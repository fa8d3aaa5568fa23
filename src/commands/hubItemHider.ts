/**
 * A teacher hides something from a hub, with a reason (hubItemUnhider.ts brings it back). Hiding changes only the hub: the
 * student's work, page and feeds stay exactly as they were (teachers never edit student work). A hide points at
 * the artifact, or at the external item by feed and identity, so it holds when the item is edited or comes back.
 */
import { and, eq } from 'drizzle-orm';
import { PotluckError, invalid, issuesFromZod, notFound } from '../core/errors.ts';
import { foldTag, foldedSet } from '../core/hubs/matching.ts';
import { hideReasonSchema } from '../core/hubs/input.ts';
import { itemDisplayTitle } from '../core/hubs/itemTitle.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts, hubHides, hubItems, hubs, type HubHide } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertCanManage, getHubById, hubRoleOf } from '../server/hubs/access.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { canReadArtifact } from '../server/access.ts';
import { tellOwnerOfHide } from '../server/feedback/hideNotices.ts';

/** What to hide: a member's artifact, or an external item of the hub. */
export type HideTarget = { artifactId: string } | { itemId: string };

/** Hides an entry of the hub's river; returns the hide. Hiding twice is an error that says so. */
export function hideHubEntry(app: AppContext, props: { actor: Viewer | null; hubId: string; target: HideTarget; reason: string }): HubHide {
  const reason = hideReasonSchema.safeParse(props.reason);
  if (!reason.success) throw invalid(issuesFromZod(reason.error).map((i) => ({ ...i, field: 'reason' })));
  return inTransaction(app, () => {
    const hub = getHubById(app, props.hubId);
    assertCanManage(app, props.actor, hub);
    const base = { id: app.newId(), hubId: hub.id, reason: reason.data, hiddenBy: props.actor?.id ?? null, hiddenAt: app.now() };
    let values: typeof hubHides.$inferInsert;
    let ownerId: string | null = null;
    if ('artifactId' in props.target) {
      const artifact = app.db.select().from(artifacts).where(eq(artifacts.id, props.target.artifactId)).get();
      // Only work that is in this hub can be hidden from it (a member's, with one of its tags).
      const hubTags = foldedSet(hub.tags);
      if (!artifact || !hubRoleOf(app, hub.id, artifact.ownerId) || !artifact.tags.some((t) => hubTags.has(foldTag(t)))) throw notFound('That item');
      // Someone who manages the hub but may not read the piece (a private one, or an admin outside the class) cannot
      // hide it either: the river never showed it to them, and the hide would keep its title.
      if (props.actor !== null && !canReadArtifact(app, props.actor, artifact)) throw notFound('That item');
      values = { ...base, artifactId: artifact.id, title: artifact.title };
      ownerId = artifact.ownerId;
    } else {
      const item = app.db.select().from(hubItems).where(and(eq(hubItems.id, props.target.itemId), eq(hubItems.hubId, hub.id))).get();
      if (!item) throw notFound('That item');
      values = { ...base, sourceId: item.sourceId, itemKey: item.key, title: itemDisplayTitle(item.title, item.excerpt) };
    }
    const hide = app.db.insert(hubHides).values(values).onConflictDoNothing().returning().get();
    if (!hide) throw new PotluckError('CONFLICT', 'That item is already hidden from this hub.');
    app.db.update(hubs).set({ updatedAt: app.now() }).where(eq(hubs.id, hub.id)).run();
    // The artifact's page stops naming the hub; its owner is told why (hidden is not silent).
    if (ownerId) {
      bumpContentVersion(app, ownerId);
      tellOwnerOfHide(app, { hub, hide, actorId: props.actor?.id ?? null, shown: false });
    }
    return hide;
  });
}
