/**
 * Keeping an autosaved draft: the editor's fields as typed, stored for the owner alone. A draft is not a revision:
 * nothing public, no feed, hub, export or search sees it, and the artifact stays as it was until the student saves.
 */
import { and, count, eq } from 'drizzle-orm';
import { PotluckError, notFound } from '../core/errors.ts';
import { editorFieldsFrom, isNewDraftKey } from '../core/editor/fields.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts, drafts, type Draft } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

/** Drafts one account may keep at once: far more than anyone writes in parallel, few enough to bound the table. */
export const MAX_DRAFTS_PER_ACCOUNT = 200;

export interface SaveDraftProps {
  ownerId: string;
  /** The artifact's id, or a `new-…` key for a piece not saved yet. */
  key: string;
  /** The revision the editor was opened on (ignored for new pieces). */
  baseRevision?: number | null;
  /** The editor's fields as strings; anything else is dropped. */
  values: Record<string, unknown>;
}

/** Stores (or replaces) the owner's draft under `key`; 404 for someone else's artifact, 413 for oversized text. */
export function saveDraft(app: AppContext, props: SaveDraftProps): Draft {
  const cut = editorFieldsFrom(props.values);
  if (!cut.ok) throw new PotluckError('TOO_LARGE', cut.message, { issues: [{ field: 'body', message: cut.message }] });
  const isNew = isNewDraftKey(props.key);
  return inTransaction(app, () => {
    if (!isNew) {
      // A draft for another person's artifact behaves exactly like one for an artifact that does not exist.
      const owned = app.db
        .select({ id: artifacts.id })
        .from(artifacts)
        .where(and(eq(artifacts.id, props.key), eq(artifacts.ownerId, props.ownerId)))
        .get();
      if (!owned) throw notFound('That artifact');
    }
    const exists = app.db.select({ key: drafts.key }).from(drafts).where(and(eq(drafts.ownerId, props.ownerId), eq(drafts.key, props.key))).get();
    if (!exists) {
      const held = app.db.select({ n: count() }).from(drafts).where(eq(drafts.ownerId, props.ownerId)).get()!.n;
      if (held >= MAX_DRAFTS_PER_ACCOUNT) {
        throw new PotluckError(
          'RATE_LIMITED',
          `You have ${MAX_DRAFTS_PER_ACCOUNT} unsaved drafts already. Save or discard some (they are offered on the New artifact page), then this one is kept too; until then it is kept in this browser.`,
        );
      }
    }
    const row = {
      ownerId: props.ownerId,
      key: props.key,
      artifactId: isNew ? null : props.key,
      baseRevision: isNew ? null : (props.baseRevision ?? null),
      fields: cut.fields as Record<string, string>,
      bytes: cut.bytes,
      updatedAt: app.now(),
    };
    return app.db
      .insert(drafts)
      .values(row)
      .onConflictDoUpdate({ target: [drafts.ownerId, drafts.key], set: { ...row } })
      .returning()
      .get();
  });
}
