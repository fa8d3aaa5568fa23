/** Reads of accounts for the pages that show one (the profile form, the admin's deletion page) and for start-up. */
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { users, type User } from '../db/schema.ts';

/** The account with this id, or undefined. */
export function findAccount(app: AppContext, id: string): User | undefined {
  return app.db.select().from(users).where(eq(users.id, id)).get();
}

/** Whether the database holds any account at all (`potluck serve` loads the demo school only into an empty one). */
export function hasAccounts(app: AppContext): boolean {
  return app.db.select({ id: users.id }).from(users).limit(1).get() !== undefined;
}
