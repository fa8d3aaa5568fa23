/** An admin sets a new password for someone who forgot theirs; every session of that account ends. */
import { eq } from 'drizzle-orm';
import { invalid, issuesFromZod, notFound } from '../core/errors.ts';
import { passwordSchema } from '../core/accounts.ts';
import { hashPassword } from '../server/auth/passwords.ts';
import { invalidateUserSessions } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { users, type User } from '../server/db/schema.ts';
import { generatePassword } from './userCreator.ts';

/** Sets a password (given, or generated and returned) and signs the account out everywhere. */
export async function resetPassword(
  app: AppContext,
  props: { handle?: string; userId?: string; password?: string },
): Promise<{ user: User; password: string; generated: boolean; endedSessions: number }> {
  const generated = props.password === undefined;
  const password = props.password ?? generatePassword();
  const checked = passwordSchema.safeParse(password);
  if (!checked.success) throw invalid(issuesFromZod(checked.error).map((i) => ({ ...i, field: 'password' })));
  const where = props.userId ? eq(users.id, props.userId) : eq(users.handle, (props.handle ?? '').toLowerCase());
  const user = app.db.select().from(users).where(where).get();
  if (!user) throw notFound(`The account ${props.handle ? `@${props.handle}` : ''}`.trim());
  const passwordHash = await hashPassword(password);
  app.db.update(users).set({ passwordHash }).where(eq(users.id, user.id)).run();
  const endedSessions = invalidateUserSessions(app, user.id);
  return { user, password, generated, endedSessions };
}
