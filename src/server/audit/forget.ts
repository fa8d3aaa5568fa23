/**
 * Keeping the events of a deleted account but not its content: the handle, the details and (where they acted) the
 * address are dropped from every event that names the account, as actor or as the person concerned (and the address
of events about them that nobody signed in made: their own sign-ins). The event names,
 * times, outcomes and the ids and handles of everyone else stay, so the log still shows what happened and when.
 * Runs inside the deletion's transaction; the VACUUM after it removes the old bytes from the file.
 */
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { auditEvents } from '../db/schema.ts';

/** Drops a person's handle, details and address from their events; returns how many events were changed. */
export function forgetAuditPerson(app: AppContext, userId: string): number {
  const asActor = app.db
    .update(auditEvents)
    .set({ actorHandle: null, address: null, details: sql`'{}'` })
    .where(eq(auditEvents.actorId, userId))
    .run().changes;
  const asSubject = app.db
    .update(auditEvents)
    .set({ subjectHandle: null, details: sql`'{}'` })
    .where(or(eq(auditEvents.subjectUserId, userId), and(eq(auditEvents.subjectType, 'user'), eq(auditEvents.subjectId, userId))))
    .run().changes;
  // Events about them with nobody signed in (their own sign-ins, failed or not) came from their devices, most likely:
  // those addresses go too. An admin's address on what the admin did to them stays.
  app.db
    .update(auditEvents)
    .set({ address: null })
    .where(and(eq(auditEvents.subjectUserId, userId), isNull(auditEvents.actorId)))
    .run();
  return asActor + asSubject;
}
