/** Revokes a join code so that nobody else can sign up with it. Admins revoke any; teachers the ones they issued. */
import { eq } from 'drizzle-orm';
import { normalizeJoinCode } from '../core/accounts.ts';
import { notFound } from '../core/errors.ts';
import { authorize } from '../core/policy.ts';
import { joinCodeSubject } from '../server/policyFacts.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { joinCodes } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

export interface RevokeJoinCodeProps {
  code: string;
  /** Who asks; null for the instance operator at a shell. */
  actor: Pick<SessionUser, 'id' | 'role'> | null;
}

/** Marks a code revoked (idempotent); a code the actor may not see is "not found". */
export function revokeJoinCode(app: AppContext, props: RevokeJoinCodeProps): { code: string; revokedAt: Date } {
  const code = normalizeJoinCode(props.code);
  const row = code ? app.db.select().from(joinCodes).where(eq(joinCodes.code, code)).get() : undefined;
  const actor = props.actor;
  if (!row) throw notFound('That join code');
  if (actor !== null) authorize(actor, 'revoke', joinCodeSubject(app, actor, row));
  if (row.revokedAt) return { code: row.code, revokedAt: row.revokedAt };
  const revokedAt = app.now();
  inTransaction(app, () => {
    app.db.update(joinCodes).set({ revokedAt }).where(eq(joinCodes.code, row.code)).run();
    recordAudit(app, { action: 'joincode.revoked', actor, subject: { type: 'joincode', id: `…${row.code.slice(-4)}` }, details: { role: row.role, hubId: row.hubId } });
  });
  return { code: row.code, revokedAt };
}
