/** A teacher brings back something they hid from a hub: it is in the river, the hub's feeds and the artifact's page again. */
import { and, eq } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts, hubHides, hubs, type HubHide } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertCanManage, getHubById } from '../server/hubs/access.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { tellOwnerOfHide } from '../server/feedback/hideNotices.ts';

/** Unhides: the entry is back in the river, feeds and the artifact's page. */
export function unhideHubEntry(app: AppContext, props: { actor: Viewer | null; hubId: string; hideId: string }): HubHide {
  return inTransaction(app, () => {
    const hub = getHubById(app, props.hubId);
    assertCanManage(app, props.actor, hub);
    const hide = app.db.delete(hubHides).where(and(eq(hubHides.id, props.hideId), eq(hubHides.hubId, hub.id))).returning().get();
    if (!hide) throw notFound('That hidden item');
    app.db.update(hubs).set({ updatedAt: app.now() }).where(eq(hubs.id, hub.id)).run();
    if (hide.artifactId) {
      const owner = app.db.select({ ownerId: artifacts.ownerId }).from(artifacts).where(eq(artifacts.id, hide.artifactId)).get();
      if (owner) {
        bumpContentVersion(app, owner.ownerId);
        tellOwnerOfHide(app, { hub, hide, actorId: props.actor?.id ?? null, shown: true });
      }
    }
    return hide;
  });
}
