/** Giving a save kept while signed out back to its student, once they have signed in again from that browser. */
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../server/context.ts';
import { keptSaves } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

/**
 * Hands the kept copy for this browser and editor to the person now signed in, and forgets it; undefined when
 * there is none, it expired, or it was kept for another account (which then still waits for its own student).
 */
export function claimKeptEdit(
  app: AppContext,
  props: { tokenHash: string; path: string; userId: string },
): { fields: Record<string, string>; keptAt: Date } | undefined {
  return inTransaction(app, () => {
    const where = and(eq(keptSaves.tokenHash, props.tokenHash), eq(keptSaves.path, props.path));
    const row = app.db.select().from(keptSaves).where(where).get();
    if (!row || row.expiresAt <= app.now() || row.userId !== props.userId) return undefined;
    app.db.delete(keptSaves).where(where).run();
    return { fields: row.fields, keptAt: row.createdAt };
  });
}
