/**
 * An admin turns someone's two-factor sign-in off because they lost their phone and their recovery codes: the key
 * and the codes go, and their sessions end. They sign in with the password alone (and set two-factor up again at
 * that sign-in when the school requires it of staff).
 */
import { eq } from 'drizzle-orm';
import { PotluckError, notFound } from '../core/errors.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { invalidateUserSessions } from '../server/auth/sessions.ts';
import { hasTwoFactor } from '../server/auth/twoFactor.ts';
import type { AppContext } from '../server/context.ts';
import { recoveryCodes, twoFactor, users, type User } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

/** Removes an account's two-factor key and recovery codes and ends its sessions. */
export function resetTwoFactor(
  app: AppContext,
  props: { handle: string; actor?: { id: string; handle: string } | null; address?: string },
): { user: User; endedSessions: number } {
  const user = app.db.select().from(users).where(eq(users.handle, props.handle.trim().toLowerCase())).get();
  if (!user) throw notFound(`The account @${props.handle}`);
  if (!hasTwoFactor(app, user.id)) throw new PotluckError('CONFLICT', `@${user.handle} does not use two-factor sign-in; nothing to do.`);
  return inTransaction(app, () => {
    app.db.delete(twoFactor).where(eq(twoFactor.userId, user.id)).run();
    app.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id)).run();
    const endedSessions = invalidateUserSessions(app, user.id);
    recordAudit(app, {
      action: '2fa.disabled',
      actor: props.actor ?? null,
      subject: { type: 'user', id: user.id },
      subjectUser: { id: user.id, handle: user.handle },
      address: props.address ?? (props.actor ? null : 'cli'),
      details: { by: 'admin', endedSessions },
    });
    return { user, endedSessions };
  });
}
