/**
 * An admin sets a new password for someone who forgot theirs; every session of that account ends. A password the
 * admin types must pass the same rules as one the person chooses; a generated one is long and random. The page
 * asks for the admin's own password (re-authentication) before it calls this.
 */
import { eq } from 'drizzle-orm';
import { invalid, issuesFromZod, notFound } from '../core/errors.ts';
import { passwordSchema } from '../core/accounts.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { hashPassword } from '../server/auth/passwords.ts';
import { assertStrongPassword } from '../server/auth/passwordStrength.ts';
import { invalidateUserSessions } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { users, type User } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { generatePassword } from './userCreator.ts';

/** Sets a password (given, or generated and returned) and signs the account out everywhere. */
export async function resetPassword(
  app: AppContext,
  props: {
    handle?: string;
    userId?: string;
    password?: string;
    /** Who resets it (null: the operator at the CLI) and from where, for the audit log. */
    actor?: { id: string; handle: string } | null;
    address?: string;
  },
): Promise<{ user: User; password: string; generated: boolean; endedSessions: number }> {
  const generated = props.password === undefined;
  const password = props.password ?? generatePassword();
  const checked = passwordSchema.safeParse(password);
  if (!checked.success) throw invalid(issuesFromZod(checked.error).map((i) => ({ ...i, field: 'password' })));
  const where = props.userId ? eq(users.id, props.userId) : eq(users.handle, (props.handle ?? '').toLowerCase());
  const user = app.db.select().from(users).where(where).get();
  if (!user) throw notFound(`The account ${props.handle ? `@${props.handle}` : ''}`.trim());
  if (!generated) await assertStrongPassword(app, password, { handle: user.handle, name: user.name, email: user.email });
  const passwordHash = await hashPassword(password);
  const endedSessions = inTransaction(app, () => {
    app.db.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
    const ended = invalidateUserSessions(app, user.id);
    recordAudit(app, {
      action: 'password.reset',
      actor: props.actor ?? null,
      subject: { type: 'user', id: user.id },
      subjectUser: { id: user.id, handle: user.handle },
      address: props.address ?? (props.actor ? null : 'cli'),
      details: { generated, endedSessions: ended },
    });
    return ended;
  });
  return { user, password, generated, endedSessions };
}
