/** Reads of accounts for the pages that show one (the profile form, the admin's deletion page). */
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { users, type User } from '../db/schema.ts';

/** The account with this id, or undefined. */
export function findAccount(app: AppContext, id: string): User | undefined {
  return app.db.select().from(users).where(eq(users.id, id)).get();
}
