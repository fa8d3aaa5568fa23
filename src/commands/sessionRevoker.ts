/** Signing a person's own sessions out from the sessions list: one of them, or every one but the session in use. */
import { PotluckError } from '../core/errors.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { invalidateSession, invalidateUserSessions, sessionIdForRef } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { inTransaction } from '../server/db/tx.ts';

interface RevokeProps {
  user: { id: string; handle: string };
  /** The session in use (kept by "all others"). */
  currentSessionId: string;
  address?: string;
}

/** Ends one of the person's sessions, named by its reference in the list; another person's answers "not found". */
export function revokeSession(app: AppContext, props: RevokeProps & { ref: string }): { current: boolean } {
  const id = sessionIdForRef(app, props.user.id, props.ref);
  if (!id) throw new PotluckError('NOT_FOUND', 'That session has ended already. The list below shows the ones still signed in.');
  return inTransaction(app, () => {
    invalidateSession(app, id);
    recordAudit(app, {
      action: 'session.revoked',
      actor: props.user,
      subject: { type: 'session' },
      subjectUser: props.user,
      address: props.address ?? null,
      details: { which: id === props.currentSessionId ? 'this one' : 'one other', count: 1 },
    });
    return { current: id === props.currentSessionId };
  });
}

/** Ends every session of the person but the one in use; returns how many ended. */
export function revokeOtherSessions(app: AppContext, props: RevokeProps): { ended: number } {
  return inTransaction(app, () => {
    const ended = invalidateUserSessions(app, props.user.id, props.currentSessionId);
    recordAudit(app, {
      action: 'session.revoked',
      actor: props.user,
      subject: { type: 'session' },
      subjectUser: props.user,
      address: props.address ?? null,
      details: { which: 'all others', count: ended },
    });
    return { ended };
  });
}
