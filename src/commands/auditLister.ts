/** Reading the audit log: admins at /admin/audit, and the operator with `potluck audit`. */
import { auditFilterSchema, type AuditFilterInput } from '../core/audit.ts';
import { invalid, issuesFromZod } from '../core/errors.ts';
import { authorize } from '../core/policy.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { queryAuditEvents, type AuditPage } from '../server/audit/auditQuery.ts';

export interface ListAuditEventsProps {
  /** Who asks; null for the operator at a shell. */
  actor: Pick<SessionUser, 'id' | 'role'> | null;
  filter: AuditFilterInput;
  /** How many events, at most 1,000 (default 50). */
  limit?: number;
  /** 1-based page number (default 1). */
  page?: number;
}

/** A page of matching events, newest first, and how many match in all. */
export function listAuditEvents(app: AppContext, props: ListAuditEventsProps): AuditPage & { page: number; limit: number } {
  if (props.actor) authorize(props.actor, 'administer', { type: 'school' }, 'Only admins can read the audit log.');
  const parsed = auditFilterSchema.safeParse(props.filter);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error), 'The filter needs fixing.');
  const limit = props.limit ?? 50;
  const page = props.page ?? 1;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw invalid([{ field: 'limit', message: 'Show between 1 and 1,000 events at a time.' }]);
  }
  if (!Number.isInteger(page) || page < 1) throw invalid([{ field: 'page', message: 'Pages are numbered from 1.' }]);
  return { ...queryAuditEvents(app, parsed.data, { limit, offset: (page - 1) * limit }), page, limit };
}
