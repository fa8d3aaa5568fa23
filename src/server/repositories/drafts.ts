/** Reads of autosaved drafts: the owner's own, never anyone else's. */
import { and, desc, eq, isNull, like } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { drafts, type Draft } from '../db/schema.ts';

/** The owner's draft under `key` (an artifact id or a `new-…` key), if there is one. */
export function getOwnDraft(app: AppContext, ownerId: string, key: string): Draft | undefined {
  return app.db
    .select()
    .from(drafts)
    .where(and(eq(drafts.ownerId, ownerId), eq(drafts.key, key)))
    .get();
}

/** Drafts of pieces the owner has not saved yet, newest first (the "new piece" page offers them). */
export function listOwnNewDrafts(app: AppContext, ownerId: string, limit = 5): Draft[] {
  return app.db
    .select()
    .from(drafts)
    .where(and(eq(drafts.ownerId, ownerId), isNull(drafts.artifactId), like(drafts.key, 'new-%')))
    .orderBy(desc(drafts.updatedAt))
    .limit(limit)
    .all();
}
