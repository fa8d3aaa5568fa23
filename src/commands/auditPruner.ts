/** Removing audit events older than the retention period now (`potluck audit prune`; the server also sweeps daily). */
import { authorize } from '../core/policy.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { pruneAuditEvents, type AuditPruneResult } from '../server/audit/retention.ts';

/** Prunes the log; only admins, or the operator at a shell (actor null). */
export function pruneAuditLog(app: AppContext, props: { actor: Pick<SessionUser, 'id' | 'role'> | null }): AuditPruneResult {
  if (props.actor) authorize(props.actor, 'administer', { type: 'school' }, 'Only admins can remove audit events.');
  return pruneAuditEvents(app, { actor: props.actor });
}
