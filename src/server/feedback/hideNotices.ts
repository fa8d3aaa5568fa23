/**
 * Hidden is not silent: when a teacher hides a student's piece from a hub (or brings it back), the student is told,
 * with the teacher's reason, and pointed at the piece where they can ask about it. Guardians' copies say what
 * happened without the teacher's words. Called inside the hide's transaction.
 */
import { eq } from 'drizzle-orm';
import { sitePaths } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { artifacts, users, type Hub, type HubHide } from '../db/schema.ts';
import { notify } from '../notifications/notify.ts';

/** Tells the owner of a hidden (or shown again) piece; nothing for external feed items. */
export function tellOwnerOfHide(app: AppContext, props: { hub: Pick<Hub, 'id' | 'title'>; hide: HubHide; actorId: string | null; shown: boolean }): void {
  const { hub, hide } = props;
  if (!hide.artifactId) return;
  const piece = app.db
    .select({ id: artifacts.id, title: artifacts.title, slug: artifacts.slug, ownerId: artifacts.ownerId, handle: users.handle, name: users.name })
    .from(artifacts)
    .innerJoin(users, eq(users.id, artifacts.ownerId))
    .where(eq(artifacts.id, hide.artifactId))
    .get();
  if (!piece) return;
  const pagePath = sitePaths.artifact(piece.handle, piece.slug);
  notify(app, {
    to: piece.ownerId,
    kind: props.shown ? 'item.shown' : 'item.hidden',
    title: props.shown
      ? `“${piece.title}” is back in ${hub.title}`
      : `“${piece.title}” was hidden from ${hub.title}. The reason given: ${hide.reason}`,
    url: `/workspace/artifacts/${piece.id}`,
    actorId: props.actorId,
    artifactId: piece.id,
    hubId: hub.id,
    forGuardians: {
      title: props.shown ? `${piece.name}’s “${piece.title}” is back in ${hub.title}` : `${piece.name}’s “${piece.title}” was hidden from ${hub.title}`,
      url: pagePath,
    },
  });
}
