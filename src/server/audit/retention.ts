/**
 * How long the audit log keeps events (an instance setting, default 365 days) and removing the older ones. The
 * server sweeps at start-up and daily (./sweeper.ts); `potluck audit prune` does it at once.
 */
import { eq, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { DEFAULT_AUDIT_RETENTION_DAYS, auditRetentionDaysSchema } from '../../core/audit.ts';
import type { AppContext } from '../context.ts';
import { auditEvents, settings } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { recordAudit, type AuditPerson } from './auditLog.ts';

const KEY = 'audit';
const DAY_MS = 24 * 60 * 60 * 1000;

const settingSchema = z.object({ retentionDays: auditRetentionDaysSchema.default(DEFAULT_AUDIT_RETENTION_DAYS) });

/** The number of days events are kept. */
export function getAuditRetentionDays(app: AppContext): number {
  const row = app.db.select().from(settings).where(eq(settings.key, KEY)).get();
  const parsed = settingSchema.safeParse(row?.value ?? {});
  return parsed.success ? parsed.data.retentionDays : DEFAULT_AUDIT_RETENTION_DAYS;
}

/** Stores the number of days (already validated by the caller's schema). */
export function storeAuditRetentionDays(app: AppContext, days: number): void {
  const value = { retentionDays: days };
  app.db.insert(settings).values({ key: KEY, value }).onConflictDoUpdate({ target: settings.key, set: { value } }).run();
}

/** What a prune did. */
export interface AuditPruneResult {
  removed: number;
  /** Events before this instant were removed. */
  before: Date;
  retentionDays: number;
}

/**
 * Removes the events older than the retention period, in one transaction, and records that it did (when it removed
 * any) so that a gap in the log is explained by the log itself.
 */
export function pruneAuditEvents(app: AppContext, options: { actor?: AuditPerson | null } = {}): AuditPruneResult {
  const retentionDays = getAuditRetentionDays(app);
  const before = new Date(app.now().getTime() - retentionDays * DAY_MS);
  return inTransaction(app, () => {
    const removed = app.db.delete(auditEvents).where(lt(auditEvents.at, before)).run().changes;
    if (removed > 0) {
      recordAudit(app, {
        action: 'audit.pruned',
        actor: options.actor ?? null,
        subject: { type: 'audit' },
        details: { removed, before: before.toISOString(), retentionDays },
      });
    }
    return { removed, before, retentionDays };
  });
}

/** How many events the log holds (for the admin page). */
export function countAuditEvents(app: AppContext): number {
  return app.db.select({ n: sql<number>`count(*)` }).from(auditEvents).get()!.n;
}
