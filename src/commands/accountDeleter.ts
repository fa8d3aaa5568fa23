/**
 * Deleting an account for good, when a student leaves (after exporting their archive). The student does it from
 * their Account page (typing their handle and password), an admin at their request from /admin (typing the handle),
 * or the operator with `potluck user delete --handle H --yes`.
 *
 * Everything of theirs goes, in one transaction: the account, its sessions and sign-in counters, every artifact with
 * its revisions, tags, media links, syndications, hub hides and showcase places, every media row, showcases, hub
 * memberships, the feeds of their own blogs that hubs polled with the items taken from them, their GitHub connection
 * (publish token), publish targets and jobs; join codes they created stay usable with `created_by` emptied, hubs
 * they ran stay with no owner. Then their media folder (originals and variants) is removed, and the database is compacted
 * (VACUUM, then the write-ahead log is checkpointed and truncated) so that no page of the file still holds their
 * words: secure_delete (src/server/db/index.ts) already overwrites deleted cells, VACUUM rebuilds the file without
 * free pages, and the truncated WAL drops the old copies of pages it held.
 */
import { onPostgres } from '../server/db/index.ts';
import fs from 'node:fs/promises';
import path from 'node:path';
import { and, count, eq, inArray, ne } from 'drizzle-orm';
import { z } from 'zod';
import { handleSchema } from '../core/accounts.ts';
import { PotluckError, invalid } from '../core/errors.ts';
import { authorize as authorizeAction } from '../core/policy.ts';
import { accountSubject } from '../server/policyFacts.ts';
import { verifyPassword } from '../server/auth/passwords.ts';
import {
  SIGNIN_ACCOUNT_RULE,
  clearRateLimit,
  reserveAttempt,
  signInAccountKey, signInCodeKey, signInUntrustedKey,
  signInUnknownLoginKey,
  type RateRule,
} from '../server/auth/rateLimit.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts, hubMembers, hubSources, hubs, joinCodes, keptSaves, media, rateLimits, revisions, sessions, showcases, users, type User } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { forgetAuditPerson } from '../server/audit/forget.ts';
import { mediaItemDir } from '../server/media/storage.ts';
import { sweepThumbnails, thumbnailFilesOf } from '../server/hubs/thumbnails.ts';

/** The confirmation form: the handle typed out, and (for one's own account) the password. */
export const deleteAccountFormSchema = z.object({
  confirmHandle: z.string({ error: 'Type the handle of the account to delete.' }).trim().min(1, 'Type the handle of the account to delete.'),
  password: z.string().optional(),
});

export interface DeleteAccountProps {
  /** The account, by id or by handle. */
  userId?: string;
  handle?: string;
  /** Who asks; null for the operator at a shell (who confirms with --yes). */
  actor: Pick<SessionUser, 'id' | 'role'> | null;
  /** The handle as typed to confirm (required unless the operator asks). */
  confirmHandle?: string;
  /** The account's password, required when people delete their own account. */
  password?: string;
  accountRule?: RateRule;
}

export interface DeleteAccountResult {
  handle: string;
  removed: { artifacts: number; revisions: number; media: number; showcases: number; sessions: number; hubMemberships: number };
  /** Whether the write-ahead log could be emptied right away (false when another process was reading). */
  compacted: boolean;
}

function unknownAccount(handle?: string): PotluckError {
  return new PotluckError(
    'NOT_FOUND',
    handle
      ? `No account has the handle "${handle}". Check the spelling ("potluck user list" shows every account).`
      : 'That account no longer exists. Reload the page to see the current list.',
  );
}

function findUser(app: AppContext, props: DeleteAccountProps): User {
  if (props.userId) {
    const user = app.db.select().from(users).where(eq(users.id, props.userId)).get();
    if (!user) throw unknownAccount();
    return user;
  }
  const handle = handleSchema.safeParse((props.handle ?? '').replace(/^@/, ''));
  if (!handle.success) {
    if (!props.handle) throw invalid([{ field: 'handle', message: 'Name the account by its handle.' }]);
    throw unknownAccount(props.handle);
  }
  const user = app.db.select().from(users).where(eq(users.handle, handle.data)).get();
  if (!user) throw unknownAccount(props.handle);
  return user;
}

/** Checks who asks and the confirmation; throws FORBIDDEN, VALIDATION or RATE_LIMITED. */
async function authorize(app: AppContext, user: User, props: DeleteAccountProps): Promise<void> {
  const actor = props.actor;
  if (actor) authorizeAction(actor, 'delete', accountSubject(user));
  if (actor) {
    const typed = (props.confirmHandle ?? '').trim().replace(/^@/, '').toLowerCase();
    if (typed !== user.handle) {
      const message = `Type the handle exactly as shown (${user.handle}) to confirm.`;
      throw new PotluckError('VALIDATION', message, { issues: [{ field: 'confirmHandle', message }] });
    }
  }
  if (actor && actor.id === user.id) {
    const key = signInAccountKey(user.id);
    if (!reserveAttempt(app, key, props.accountRule ?? SIGNIN_ACCOUNT_RULE)) {
      throw new PotluckError('RATE_LIMITED', 'Too many wrong passwords for this account. Wait 15 minutes and try again.');
    }
    const matches = user.passwordHash !== null && (await verifyPassword(user.passwordHash, props.password ?? ''));
    if (!matches) {
      const message = 'That is not your password. Type the password you sign in with.';
      throw new PotluckError('VALIDATION', message, { issues: [{ field: 'password', message }] });
    }
    clearRateLimit(app, key);
  }
  if (user.role === 'admin') {
    const otherAdmins = app.db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, 'admin'), ne(users.id, user.id)))
      .get()!.n;
    if (otherAdmins === 0) {
      throw new PotluckError('CONFLICT', 'This is the only admin account: nobody would be left to run this Potluck. Make another admin first.');
    }
  }
}

/** Deletes an account and everything of it (see the file comment). */
export async function deleteAccount(app: AppContext, props: DeleteAccountProps): Promise<DeleteAccountResult> {
  const user = findUser(app, props);
  await authorize(app, user, props);

  let pictures: string[] = [];
  const removed = inTransaction(app, () => {
    const artifactIds = app.db.select({ id: artifacts.id }).from(artifacts).where(eq(artifacts.ownerId, user.id)).all().map((r) => r.id);
    let revisionCount = 0;
    for (let i = 0; i < artifactIds.length; i += 500) {
      revisionCount += app.db.select({ n: count() }).from(revisions).where(inArray(revisions.artifactId, artifactIds.slice(i, i + 500))).get()!.n;
    }
    const counted = {
      artifacts: artifactIds.length,
      revisions: revisionCount,
      media: app.db.select({ n: count() }).from(media).where(eq(media.ownerId, user.id)).get()!.n,
      showcases: app.db.select({ n: count() }).from(showcases).where(eq(showcases.ownerId, user.id)).get()!.n,
      sessions: app.db.select({ n: count() }).from(sessions).where(eq(sessions.userId, user.id)).get()!.n,
      hubMemberships: app.db.select({ n: count() }).from(hubMembers).where(eq(hubMembers.userId, user.id)).get()!.n,
    };
    // Sign-in counters name the account by id, and by the handle or email typed before it existed.
    const keys = [
      signInAccountKey(user.id),
      signInUntrustedKey(user.id),
      signInCodeKey(user.id),
      signInUnknownLoginKey(user.handle),
      ...(user.email ? [signInUnknownLoginKey(user.email)] : []),
    ];
    app.db.delete(rateLimits).where(inArray(rateLimits.key, keys)).run();
    app.db.update(joinCodes).set({ createdBy: null }).where(eq(joinCodes.createdBy, user.id)).run();
    app.db.update(hubs).set({ ownerId: null }).where(eq(hubs.ownerId, user.id)).run();
    // The feeds of their own blogs that hubs polled, with every item taken from them (their items in hubs).
    const theirFeeds = app.db.select({ id: hubSources.id }).from(hubSources).where(eq(hubSources.memberId, user.id)).all();
    pictures = thumbnailFilesOf(app, { sourceIds: theirFeeds.map((s) => s.id) });
    app.db.delete(hubSources).where(eq(hubSources.memberId, user.id)).run();
    // Saves kept while signed out name the account by id only (no foreign key: the form said whose they were).
    app.db.delete(keptSaves).where(eq(keptSaves.userId, user.id)).run();
    // The rest follows by ON DELETE CASCADE: sessions, drafts, media, artifacts (revisions, tags, media links, syndications,
    // showcase items), showcases, hub memberships.
    app.db.delete(users).where(eq(users.id, user.id)).run();
    // The audit log keeps what happened but not who they were: their handle, details and addresses go from their
    // events, their id becomes a new random one, and the deletion itself names them by that id only.
    const alias = forgetAuditPerson(app, user);
    const self = props.actor?.id === user.id;
    recordAudit(app, {
      action: 'account.deleted',
      actor: self ? { id: alias, handle: null } : props.actor,
      subject: { type: 'user', id: alias },
      subjectUser: { id: alias, handle: null },
      address: self ? null : undefined,
      details: { by: self ? 'owner' : props.actor ? 'admin' : 'operator', ...counted },
    });
    return counted;
  });

  // The rows are gone first: a crash here leaves unreachable files, never rows pointing at missing ones.
  await fs.rm(path.dirname(mediaItemDir(app.config, user.id, 'x')), { recursive: true, force: true });
  // Pictures of their blog's posts that hubs showed, unless another feed uses the same picture.
  sweepThumbnails(app, pictures);
  return { handle: user.handle, removed, compacted: compactDatabase(app) };
}

/**
 * Rebuilds the database file without free pages and empties the write-ahead log, so deleted content is gone from
 * every file on disk. Returns false when the log could not be emptied yet (another connection was reading); SQLite
 * then empties it at a later checkpoint.
 */
export function compactDatabase(app: AppContext): boolean {
  const client = app.db.$client;
  if (onPostgres(app.db)) {
    // PostgreSQL: VACUUM removes the deleted rows' dead tuples and their index entries (the full-text index's
    // too) from every table's pages now, instead of whenever autovacuum comes by.
    client.exec('VACUUM');
    return true;
  }
  client.exec('VACUUM');
  const result = client.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  return result[0]?.busy === 0;
}
