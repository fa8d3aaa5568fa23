/** Accounts as the admin page and `potluck user list` show them. */
import { asc, eq, isNotNull } from 'drizzle-orm';
import type { AppContext } from '../server/context.ts';
import { twoFactor, users, type Role } from '../server/db/schema.ts';

export interface UserSummary {
  id: string;
  handle: string;
  name: string;
  email: string | null;
  role: Role;
  status: 'active' | 'disabled';
  /** Whether the account signs in with a two-factor code (an admin can turn it off for a lost phone). */
  twoFactor: boolean;
  createdAt: Date;
}

/** Every account (or those with one role), by handle. Never includes password hashes. */
export function listUsers(app: AppContext, props: { role?: Role } = {}): UserSummary[] {
  const withTwoFactor = new Set(
    app.db.select({ id: twoFactor.userId }).from(twoFactor).where(isNotNull(twoFactor.enabledAt)).all().map((r) => r.id),
  );
  return app.db
    .select({
      id: users.id,
      handle: users.handle,
      name: users.name,
      email: users.email,
      role: users.role,
      disabledAt: users.disabledAt,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(props.role ? eq(users.role, props.role) : undefined)
    .orderBy(asc(users.handle))
    .all()
    .map(({ disabledAt, ...user }) => ({ ...user, status: disabledAt ? 'disabled' : 'active', twoFactor: withTwoFactor.has(user.id) }));
}
