/**
 * Disables an account (it cannot sign in, and every session it has ends at once) or enables it again. Only admins,
 * and the instance operator at a shell, may do either.
 */
import { eq } from 'drizzle-orm';
import { handleSchema } from '../core/accounts.ts';
import { PotluckError, forbidden, invalid } from '../core/errors.ts';
import { authorize } from '../core/policy.ts';
import { schoolSubject } from '../server/policyFacts.ts';
import { invalidateUserSessions, type SessionUser } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

export interface SetUserDisabledProps {
  /** The account, by handle or by id. */
  handle?: string;
  userId?: string;
  disabled: boolean;
  /** Who asks; null for the instance operator at a shell. */
  actor: Pick<SessionUser, 'id' | 'role'> | null;
}

export interface SetUserDisabledResult {
  user: { id: string; handle: string; name: string; disabledAt: Date | null };
  /** Sessions ended by disabling. */
  endedSessions: number;
  /** False when the account already was in the asked-for state. */
  changed: boolean;
}

function unknownAccount(handle: string | undefined): PotluckError {
  return new PotluckError(
    'NOT_FOUND',
    handle
      ? `No account has the handle "${handle}". Check the spelling ("potluck user list" shows every account).`
      : 'That account no longer exists. Reload the page to see the current list.',
  );
}

/** Disables or enables an account; see SetUserDisabledProps. */
export function setUserDisabled(app: AppContext, props: SetUserDisabledProps): SetUserDisabledResult {
  if (props.actor) authorize(props.actor, 'administer', schoolSubject, 'Only admins can disable or enable accounts.');
  let where;
  if (props.userId) where = eq(users.id, props.userId);
  else {
    const handle = handleSchema.safeParse(props.handle ?? '');
    if (!handle.success) {
      // A malformed handle cannot name an account; say so the same way as an unknown one.
      if (!props.handle) throw invalid([{ field: 'handle', message: 'Name the account by its handle.' }]);
      throw unknownAccount(props.handle);
    }
    where = eq(users.handle, handle.data);
  }
  return inTransaction(app, () => {
    const user = app.db
      .select({ id: users.id, handle: users.handle, name: users.name, disabledAt: users.disabledAt })
      .from(users)
      .where(where)
      .get();
    if (!user) throw unknownAccount(props.handle);
    if (props.disabled && props.actor?.id === user.id) {
      throw forbidden('You cannot disable your own account: nobody would be left to enable it. Ask another admin.');
    }
    const alreadyDisabled = user.disabledAt !== null;
    if (alreadyDisabled === props.disabled) {
      const endedSessions = props.disabled ? invalidateUserSessions(app, user.id) : 0;
      return { user, endedSessions, changed: false };
    }
    const disabledAt = props.disabled ? app.now() : null;
    app.db.update(users).set({ disabledAt }).where(eq(users.id, user.id)).run();
    const endedSessions = props.disabled ? invalidateUserSessions(app, user.id) : 0;
    recordAudit(app, {
      action: props.disabled ? 'account.disabled' : 'account.enabled',
      actor: props.actor,
      subject: { type: 'user', id: user.id },
      subjectUser: user,
      details: props.disabled ? { endedSessions } : {},
    });
    return { user: { ...user, disabledAt }, endedSessions, changed: true };
  });
}
