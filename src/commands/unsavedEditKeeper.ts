/**
 * Keeping a save (or draft) that arrived after the student's session had ended — signed out everywhere, a password
 * reset, 30 idle days, a cleared cookie — so that signing in again brings every field back. The kept copy is bound
 * to the browser (a random cookie; only its SHA-256 is stored) and to the account that opened the editor, lasts an
 * hour, is size-limited, and is never published or shown to anyone else.
 */
import { lt, sql } from 'drizzle-orm';
import { PotluckError } from '../core/errors.ts';
import { editorFieldsFrom } from '../core/editor/fields.ts';
import { addressBucket, reserveAttempt, type RateRule } from '../server/auth/rateLimit.ts';
import type { AppContext } from '../server/context.ts';
import { keptSaves } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

/** How long a kept save waits for its student to sign in again. */
export const KEPT_SAVE_MS = 60 * 60 * 1000;
/** Kept saves one address may leave in an hour: a class behind one NAT signing out at once fits; a flood does not. */
export const KEPT_SAVE_ADDRESS_RULE: RateRule = { limit: 120, windowMs: 60 * 60 * 1000 };
/** The most all kept saves together may hold, so that nobody can fill the disk with signed-out posts. */
export const KEPT_SAVES_TOTAL_BYTES = 256 * 1024 * 1024;

export interface KeepUnsavedEditProps {
  /** SHA-256 of the browser's kept-save cookie. */
  tokenHash: string;
  /** The editor address the form was sent to. */
  path: string;
  /** The account the editor was opened by (the form's `editor` field). */
  userId: string;
  values: Record<string, unknown>;
  /** Where the request came from, for the per-address limit. */
  address: string;
}

/** Stores the kept copy (replacing an older one of the same browser and editor); refuses oversized or too many. */
export function keepUnsavedEdit(app: AppContext, props: KeepUnsavedEditProps): void {
  const cut = editorFieldsFrom(props.values);
  if (!cut.ok) throw new PotluckError('TOO_LARGE', cut.message);
  const now = app.now();
  inTransaction(app, () => {
    app.db.delete(keptSaves).where(lt(keptSaves.expiresAt, now)).run();
    if (!reserveAttempt(app, `kept:address:${addressBucket(props.address)}`, KEPT_SAVE_ADDRESS_RULE)) {
      throw new PotluckError('RATE_LIMITED', 'Too many signed-out saves came from this network in the last hour.');
    }
    const held = app.db.select({ total: sql<number>`coalesce(sum(${keptSaves.bytes}), 0)` }).from(keptSaves).get();
    if ((held?.total ?? 0) + cut.bytes > KEPT_SAVES_TOTAL_BYTES) {
      throw new PotluckError('TOO_LARGE', 'Potluck is holding too many signed-out saves right now to keep another.');
    }
    const fields: Record<string, string> = { ...cut.fields };
    // The revision the editor was opened on travels with the text, so a save after signing in still notices an edit
    // made meanwhile on another device.
    if (typeof props.values.baseRevision === 'string' && /^\d{1,9}$/.test(props.values.baseRevision)) {
      fields.baseRevision = props.values.baseRevision;
    }
    const row = {
      tokenHash: props.tokenHash,
      path: props.path,
      userId: props.userId,
      fields,
      bytes: cut.bytes,
      createdAt: now,
      expiresAt: new Date(now.getTime() + KEPT_SAVE_MS),
    };
    app.db
      .insert(keptSaves)
      .values(row)
      .onConflictDoUpdate({ target: [keptSaves.tokenHash, keptSaves.path], set: row })
      .run();
  });
}
