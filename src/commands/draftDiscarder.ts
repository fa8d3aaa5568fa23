/** Throwing away a draft the student does not want: the saved piece (if any) is untouched. */
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../server/context.ts';
import { drafts } from '../server/db/schema.ts';

/** Deletes the owner's draft under `key`; true when there was one. Someone else's key deletes nothing. */
export function discardDraft(app: AppContext, props: { ownerId: string; key: string }): boolean {
  return app.db.delete(drafts).where(and(eq(drafts.ownerId, props.ownerId), eq(drafts.key, props.key))).run().changes > 0;
}
