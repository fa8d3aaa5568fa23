/**
 * Writing the audit log. One call per event, inside the transaction of the change it records where there is one,
 * so the log never claims what did not happen. Secrets never reach it: any detail whose name says password, token,
 * secret, code or key is replaced by "[redacted]", at any depth.
 */
import type { AppContext } from '../context.ts';
import { auditEvents } from '../db/schema.ts';

export type AuditOutcome = 'ok' | 'refused' | 'failed';

/** One event to record. */
export interface AuditInput {
  action: string;
  outcome?: AuditOutcome;
  actor?: { id: string; handle: string } | null;
  subject?: { type: string; id?: string | null };
  /** The person the event is about (the account signed in to, the student enrolled, the account deleted). */
  subjectUser?: { id: string; handle: string } | null;
  /** The client's address, or `cli`. */
  address?: string | null;
  details?: Record<string, unknown>;
}

const SECRET_NAME = /pass(word)?|token|secret|code|otp|key|cookie|hash|recovery/i;

/** A copy of `value` with every secret-named field replaced, at any depth. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_NAME.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

/** Records one event. */
export function recordAudit(app: AppContext, input: AuditInput): void {
  app.db
    .insert(auditEvents)
    .values({
      id: app.newId(),
      at: app.now(),
      action: input.action,
      outcome: input.outcome ?? 'ok',
      actorId: input.actor?.id ?? null,
      actorHandle: input.actor?.handle ?? null,
      subjectType: input.subject?.type ?? null,
      subjectId: input.subject?.id ?? null,
      subjectUserId: input.subjectUser?.id ?? null,
      subjectHandle: input.subjectUser?.handle ?? null,
      address: input.address ?? null,
      details: redact(input.details ?? {}) as Record<string, unknown>,
    })
    .run();
}
