/**
 * Keeping the events of a deleted account but not its content. Every event that names the account, as actor or as
 * the person concerned, keeps its name, time and outcome and the ids and handles of everyone else; it loses the
 * account's handle, its details, the addresses of what the account did (and of its own sign-ins, made before anyone
 * was signed in), and the ids of the account's own things (artifacts, showcases, publish targets, the paths it
 * asked for). The account's id is replaced by a new random one, the same in all its events: they still read as one
 * person's, but nothing left anywhere (a backup, an exported archive) leads from them back to the account. Runs
 * inside the deletion's transaction; the VACUUM after it removes the old bytes from the file.
 */
import { and, eq, inArray, isNull, like, notInArray, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { auditEvents } from '../db/schema.ts';

/** Subjects that belong to someone else or to the school, whose ids stay. */
const SHARED_SUBJECTS = ['hub', 'joincode', 'policy', 'setting', 'audit'];

/** Forgets a person in the audit log (see the file comment); returns the id that now stands for them. */
export function forgetAuditPerson(app: AppContext, user: { id: string; handle: string }): string {
  const alias = app.newId();
  const theirs = or(eq(auditEvents.actorId, user.id), eq(auditEvents.subjectUserId, user.id), and(eq(auditEvents.subjectType, 'user'), eq(auditEvents.subjectId, user.id)));
  // Their own things: ids that lead back to their content.
  app.db
    .update(auditEvents)
    .set({ subjectId: null })
    .where(and(theirs, notInArray(auditEvents.subjectType, [...SHARED_SUBJECTS, 'user'])))
    .run();
  // Addresses: what they did, and what happened to them with nobody signed in (their own sign-ins).
  app.db
    .update(auditEvents)
    .set({ address: null })
    .where(or(eq(auditEvents.actorId, user.id), and(eq(auditEvents.subjectUserId, user.id), isNull(auditEvents.actorId))))
    .run();
  app.db.update(auditEvents).set({ details: sql`'{}'` }).where(theirs).run();
  app.db.update(auditEvents).set({ actorId: alias, actorHandle: null }).where(eq(auditEvents.actorId, user.id)).run();
  app.db.update(auditEvents).set({ subjectUserId: alias, subjectHandle: null }).where(eq(auditEvents.subjectUserId, user.id)).run();
  app.db.update(auditEvents).set({ subjectId: alias }).where(and(eq(auditEvents.subjectType, 'user'), eq(auditEvents.subjectId, user.id))).run();
  // Others refused at one of their addresses (/@handle/...): the path names them.
  app.db
    .update(auditEvents)
    .set({ subjectId: null, details: sql`'{}'` })
    .where(and(inArray(auditEvents.action, ['access.refused', 'access.cross_site']), or(eq(auditEvents.subjectId, `/@${user.handle}`), like(auditEvents.subjectId, `/@${user.handle}/%`))))
    .run();
  return alias;
}
