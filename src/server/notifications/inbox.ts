/**
 * Reading someone's notifications: the inbox page (newest first, a page at a time, each guardian copy with the
 * child's name) and the private feed. Always one person's own rows; nothing here reads anyone else's.
 */
import { onPostgres } from '../db/index.ts';
import { count, desc, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { notificationPrefs, notifications, users, type NotificationPrefs } from '../db/schema.ts';

/** Notifications per inbox page. */
export const INBOX_PAGE_SIZE = 25;

/** One notification as the inbox and the feed show it. */
export interface InboxItem {
  id: string;
  kind: string;
  title: string;
  url: string;
  createdAt: Date;
  readAt: Date | null;
  /** For a guardian's copy: the child it is about. */
  about: { name: string; handle: string } | null;
}

const child = alias(users, 'child');

/** One page (1-based) of someone's notifications, newest first (made in the same moment: the later one first), with the totals for the page's header. */
export function listInbox(app: AppContext, userId: string, page = 1, pageSize = INBOX_PAGE_SIZE): { items: InboxItem[]; total: number; unread: number; page: number; pages: number } {
  const totals = prepared(app.db, 'notifications.totals', (db) =>
    db
      .select({ total: count(), unread: sql<number>`coalesce(sum(${notifications.readAt} is null), 0)` })
      .from(notifications)
      .where(eq(notifications.userId, sql.placeholder('user')))
      .prepare(),
  ).get({ user: userId }) ?? { total: 0, unread: 0 };
  const pages = Math.max(1, Math.ceil(totals.total / pageSize));
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pages);
  const rows = prepared(app.db, 'notifications.page', (db) =>
    db
      .select({
        id: notifications.id,
        kind: notifications.kind,
        title: notifications.title,
        url: notifications.url,
        createdAt: notifications.createdAt,
        readAt: notifications.readAt,
        childName: child.name,
        childHandle: child.handle,
      })
      .from(notifications)
      .leftJoin(child, eq(child.id, notifications.aboutUserId))
      .where(eq(notifications.userId, sql.placeholder('user')))
      .orderBy(desc(notifications.createdAt), onPostgres(db) ? desc(notifications.id) : sql`notifications.rowid desc`)
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare(),
  ).all({ user: userId, limit: pageSize, offset: (current - 1) * pageSize });
  return {
    items: rows.map(({ childName, childHandle, ...r }) => ({ ...r, about: childName !== null && childHandle !== null ? { name: childName, handle: childHandle } : null })),
    total: totals.total,
    unread: Number(totals.unread),
    page: current,
    pages,
  };
}

/** Someone's notification settings, or the defaults when they never saved any. */
export function prefsOf(app: AppContext, userId: string): NotificationPrefs {
  return (
    app.db.select().from(notificationPrefs).where(eq(notificationPrefs.userId, userId)).get() ?? {
      userId,
      email: 'digest',
      quietStart: null,
      quietEnd: null,
      feedTokenHash: null,
      guardianKinds: ['feedback.new', 'status.changed', 'item.hidden'],
      lastDigestAt: null,
    }
  );
}

/** Makes sure someone has a settings row (the feed, the digest clock and the settings page write to it). */
export function ensurePrefs(app: AppContext, userId: string): void {
  app.db.insert(notificationPrefs).values({ userId }).onConflictDoNothing().run();
}
