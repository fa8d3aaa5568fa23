/**
 * Making notifications: one row per person told, written in the same transaction as what happened. Email and feeds
 * read these rows (server/notifications/*); nothing here sends anything. A guardian gets a copy about their child
 * for the kinds they chose, and only when they may read the piece (and, for feedback, when the school lets them).
 */
import { EventEmitter } from 'node:events';
import { and, count, eq, isNull } from 'drizzle-orm';
import { GUARDIAN_KINDS, type NotificationKind } from '../../core/notifications.ts';
import { can } from '../../core/policy.ts';
import type { AppContext } from '../context.ts';
import { artifacts, guardianLinks, notificationPrefs, notifications, users } from '../db/schema.ts';
import { prepared } from '../db/prepared.ts';
import { feedbackSubject, workSubject } from '../policyFacts.ts';
import { sql } from 'drizzle-orm';

export interface NewNotification {
  /** Who is told. */
  to: string;
  kind: NotificationKind;
  /** What happened, in words for that person: no private content of anyone else. */
  title: string;
  /** A path on this site where they can see it. */
  url: string;
  actorId?: string | null;
  artifactId?: string | null;
  hubId?: string | null;
  /** Deduplicates: a second notification with the same key for the same person is not made. */
  key?: string | null;
  /**
   * Copies for the recipient's guardians, when the recipient is a student: their title and address (the guardian
   * cannot open the workspace). Left out, guardians get nothing.
   */
  forGuardians?: { title: string; url: string };
}

/**
 * Emits 'created' with the new rows' ids after they are written (email delivery listens). One emitter per process,
 * kept on globalThis: the built site and the server's own code (scripts/cli/serve.ts) are separate module copies.
 */
const EVENTS = Symbol.for('potluck.notificationEvents');
export const notificationEvents: EventEmitter = ((globalThis as Record<symbol, unknown>)[EVENTS] as EventEmitter | undefined) ??
  ((globalThis as Record<symbol, unknown>)[EVENTS] = new EventEmitter());

/** Writes notifications; returns the ids made (fewer than asked when keys already existed or nobody may be told). */
export function notify(app: AppContext, items: NewNotification | NewNotification[]): string[] {
  const list = Array.isArray(items) ? items : [items];
  const made: string[] = [];
  const now = app.now();
  for (const n of list) {
    if (n.actorId && n.actorId === n.to) continue; // Nobody is told about what they did themselves.
    const base = { kind: n.kind, actorId: n.actorId ?? null, artifactId: n.artifactId ?? null, hubId: n.hubId ?? null, createdAt: now };
    const row = app.db
      .insert(notifications)
      .values({ ...base, id: app.newId(), userId: n.to, title: n.title, url: n.url, key: n.key ?? null })
      .onConflictDoNothing()
      .returning({ id: notifications.id })
      .get();
    if (!row) continue;
    made.push(row.id);
    if (n.forGuardians && (GUARDIAN_KINDS as readonly string[]).includes(n.kind)) {
      for (const guardian of guardiansToTell(app, n)) {
        const copy = app.db
          .insert(notifications)
          .values({
            ...base,
            id: app.newId(),
            userId: guardian,
            aboutUserId: n.to,
            title: n.forGuardians.title,
            url: n.forGuardians.url,
            key: n.key ? `${n.key}:${n.to}` : null,
          })
          .onConflictDoNothing()
          .returning({ id: notifications.id })
          .get();
        if (copy) made.push(copy.id);
      }
    }
  }
  if (made.length) queueMicrotask(() => notificationEvents.emit('created', made));
  return made;
}

/** The guardians of `n.to` who chose this kind and may read what it is about. */
function guardiansToTell(app: AppContext, n: NewNotification): string[] {
  const rows = app.db
    .select({ id: users.id, role: users.role, kinds: notificationPrefs.guardianKinds })
    .from(guardianLinks)
    .innerJoin(users, eq(users.id, guardianLinks.guardianId))
    .leftJoin(notificationPrefs, eq(notificationPrefs.userId, guardianLinks.guardianId))
    .where(and(eq(guardianLinks.studentId, n.to), isNull(users.disabledAt)))
    .all();
  if (rows.length === 0) return [];
  const work = n.artifactId
    ? app.db.select({ id: artifacts.id, ownerId: artifacts.ownerId, visibility: artifacts.visibility }).from(artifacts).where(eq(artifacts.id, n.artifactId)).get()
    : undefined;
  return rows
    .filter((g) => (g.kinds ?? DEFAULT_GUARDIAN_KINDS).includes(n.kind))
    .filter((g) => {
      if (!work) return n.artifactId == null;
      const actor = { id: g.id, role: g.role };
      if (!can(actor, 'read', workSubject(app, actor, work))) return false;
      return n.kind !== 'feedback.new' || can(actor, 'read', feedbackSubject(app, actor, work));
    })
    .map((g) => g.id);
}

/** What a guardian receives before choosing (the column's default). */
export const DEFAULT_GUARDIAN_KINDS: string[] = ['feedback.new', 'status.changed', 'item.hidden'];

/** How many unread notifications someone has: the count in the header on every page. */
export function unreadCount(app: AppContext, userId: string): number {
  const statement = prepared(app.db, 'notifications.unread', (db) =>
    db
      .select({ n: count() })
      .from(notifications)
      .where(and(eq(notifications.userId, sql.placeholder('user')), isNull(notifications.readAt)))
      .prepare(),
  );
  return statement.get({ user: userId })?.n ?? 0;
}
