/**
 * Making (or resetting) the address of someone's private notifications feed. The secret is shown once, to them;
 * only its SHA-256 is stored, so the old address stops working the moment a new one is made.
 */
import { eq } from 'drizzle-orm';
import type { Viewer } from '../core/visibility.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import type { AppContext } from '../server/context.ts';
import { notificationPrefs, users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { ensurePrefs } from '../server/notifications/inbox.ts';
import { feedPath, hashFeedToken, newFeedToken } from '../server/notifications/feed.ts';

/** Replaces the actor's feed secret; returns the new address (a path on this site). */
export function resetNotificationFeed(app: AppContext, props: { actor: Viewer; address?: string | null }): { path: string } {
  const token = newFeedToken();
  inTransaction(app, () => {
    ensurePrefs(app, props.actor.id);
    const before = app.db.select({ hash: notificationPrefs.feedTokenHash }).from(notificationPrefs).where(eq(notificationPrefs.userId, props.actor.id)).get();
    app.db.update(notificationPrefs).set({ feedTokenHash: hashFeedToken(token) }).where(eq(notificationPrefs.userId, props.actor.id)).run();
    const me = app.db.select({ id: users.id, handle: users.handle }).from(users).where(eq(users.id, props.actor.id)).get() ?? null;
    recordAudit(app, {
      action: 'notifications.feed_reset',
      actor: me,
      subjectUser: me,
      subject: { type: 'user', id: props.actor.id },
      address: props.address,
      details: { replaced: Boolean(before?.hash) },
    });
  });
  return { path: feedPath(token) };
}
