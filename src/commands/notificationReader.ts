/**
 * Marking notifications read: one (opening it, or "Mark read") or all of them. Only the owner's own: anyone else's
 * id is the same 404 as one that does not exist, and changes nothing.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { notifications } from '../server/db/schema.ts';

const idSchema = z.string().min(1).max(100);

/** Marks the actor's notification `id` read (once: a second open keeps the first time); returns where it points. */
export function markNotificationRead(app: AppContext, props: { actor: Viewer; id: string }): { url: string } {
  const id = idSchema.safeParse(props.id);
  if (!id.success) throw notFound('That notification');
  const mine = and(eq(notifications.id, id.data), eq(notifications.userId, props.actor.id));
  const row = app.db.select({ url: notifications.url, readAt: notifications.readAt }).from(notifications).where(mine).get();
  if (!row) throw notFound('That notification');
  if (!row.readAt) app.db.update(notifications).set({ readAt: app.now() }).where(mine).run();
  return { url: row.url };
}

/** Marks every unread notification of the actor read; returns how many. */
export function markAllNotificationsRead(app: AppContext, props: { actor: Viewer }): number {
  return app.db
    .update(notifications)
    .set({ readAt: app.now() })
    .where(and(eq(notifications.userId, props.actor.id), isNull(notifications.readAt)))
    .run().changes;
}
