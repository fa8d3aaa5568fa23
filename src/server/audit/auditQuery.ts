/** Reading the audit log: newest first, filtered by time, handle and action, a page at a time. */
import { and, desc, eq, gte, lte, or, sql, type SQL } from 'drizzle-orm';
import { auditFilterRange, type AuditFilter } from '../../core/audit.ts';
import type { AppContext } from '../context.ts';
import { auditEvents, type AuditEvent } from '../db/schema.ts';

/** A page of events and how many match in all. */
export interface AuditPage {
  events: AuditEvent[];
  total: number;
}

function conditions(filter: AuditFilter): SQL | undefined {
  const where: SQL[] = [];
  const { from, to } = auditFilterRange(filter);
  if (from) where.push(gte(auditEvents.at, from));
  if (to) where.push(lte(auditEvents.at, to));
  if (filter.handle) where.push(or(eq(auditEvents.actorHandle, filter.handle), eq(auditEvents.subjectHandle, filter.handle))!);
  if (filter.action) {
    // `signin` finds every signin.* event; a full name finds just that one. The name's characters are checked by
    // the filter schema, so it holds no LIKE wildcard of its own except `_`, escaped here.
    const escaped = filter.action.replace(/_/g, '\\_');
    where.push(sql`(${auditEvents.action} = ${filter.action} OR ${auditEvents.action} LIKE ${escaped + '.%'} ESCAPE '\\')`);
  }
  return where.length ? and(...where) : undefined;
}

/** The events matching `filter`, newest first, `limit` of them after skipping `offset`. */
export function queryAuditEvents(app: AppContext, filter: AuditFilter, page: { limit: number; offset?: number }): AuditPage {
  const where = conditions(filter);
  const events = app.db
    .select()
    .from(auditEvents)
    .where(where)
    .orderBy(desc(auditEvents.at), desc(auditEvents.id))
    .limit(page.limit)
    .offset(page.offset ?? 0)
    .all();
  const total = app.db.select({ n: sql<number>`count(*)` }).from(auditEvents).where(where).get()!.n;
  return { events, total };
}
