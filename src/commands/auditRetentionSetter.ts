/** Choosing how long the audit log keeps events (the school policy page). Older events go at the next sweep. */
import { z } from 'zod';
import { auditRetentionDaysSchema } from '../core/audit.ts';
import { invalid, issuesFromZod } from '../core/errors.ts';
import { authorize } from '../core/policy.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { getAuditRetentionDays, storeAuditRetentionDays } from '../server/audit/retention.ts';
import { inTransaction } from '../server/db/tx.ts';

/** The form on the policy page. */
export const auditRetentionFormSchema = z.object({ auditRetentionDays: auditRetentionDaysSchema });

/** Sets the retention in days; returns the new value. Admins only (actor null: the operator at a shell). */
export function setAuditRetention(app: AppContext, props: { actor: Pick<SessionUser, 'id' | 'role'> | null; days: unknown }): number {
  if (props.actor) authorize(props.actor, 'administer', { type: 'school' }, 'Only an admin can change how long the audit log keeps events.');
  const parsed = auditRetentionFormSchema.safeParse({ auditRetentionDays: props.days });
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const days = parsed.data.auditRetentionDays;
  return inTransaction(app, () => {
    const before = getAuditRetentionDays(app);
    if (before === days) return days;
    storeAuditRetentionDays(app, days);
    recordAudit(app, { action: 'audit.retention_changed', actor: props.actor, subject: { type: 'setting', id: 'auditRetentionDays' }, details: { from: before, to: days } });
    return days;
  });
}
