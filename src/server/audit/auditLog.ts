/**
 * Writing the audit log. One call per event, inside the transaction of the change it records where there is one,
 * so the log never claims what did not happen. Secrets never reach it: any detail whose name says password, token,
 * secret, code or key is replaced by "[redacted]", at any depth (./redact.ts).
 */
import { eq } from 'drizzle-orm';
import type { AuditAction } from '../../core/audit.ts';
import type { AppContext } from '../context.ts';
import { auditEvents, users } from '../db/schema.ts';
import { redact } from './redact.ts';
import { currentAuditScope } from './scope.ts';

export { redact, redactText } from './redact.ts';

export type AuditOutcome = 'ok' | 'refused' | 'failed';

/** A person named in an event; the handle is looked up when only the id is known. */
export type AuditPerson = { id: string; handle?: string | null };

/** One event to record. */
export interface AuditInput {
  /** A name from AUDIT_ACTIONS (src/core/audit.ts); another string only for an event that list does not know yet. */
  action: AuditAction | (string & {});
  outcome?: AuditOutcome;
  /** Who did it; null or absent for someone not signed in, or the operator at the CLI. */
  actor?: AuditPerson | null;
  subject?: { type: string; id?: string | null };
  /** The person the event is about (the account signed in to, the student enrolled, the account deleted). */
  subjectUser?: AuditPerson | null;
  /** The client's address, or `cli`; defaults to the address of the request or CLI command being served. */
  address?: string | null;
  details?: Record<string, unknown>;
}

function person(app: AppContext, who: AuditPerson | null | undefined): { id: string | null; handle: string | null } {
  if (!who) return { id: null, handle: null };
  if (who.handle !== undefined) return { id: who.id, handle: who.handle };
  const row = app.db.select({ handle: users.handle }).from(users).where(eq(users.id, who.id)).get();
  return { id: who.id, handle: row?.handle ?? null };
}

/** Records one event. */
export function recordAudit(app: AppContext, input: AuditInput): void {
  const actor = person(app, input.actor);
  const subjectUser = person(app, input.subjectUser);
  app.db
    .insert(auditEvents)
    .values({
      id: app.newId(),
      at: app.now(),
      action: input.action,
      outcome: input.outcome ?? 'ok',
      actorId: actor.id,
      actorHandle: actor.handle,
      subjectType: input.subject?.type ?? null,
      subjectId: input.subject?.id ?? null,
      subjectUserId: subjectUser.id,
      subjectHandle: subjectUser.handle,
      address: input.address !== undefined ? input.address : (currentAuditScope()?.address ?? null),
      details: redact(input.details ?? {}) as Record<string, unknown>,
    })
    .run();
}
