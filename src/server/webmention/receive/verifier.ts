/**
 * Verifying a queued Webmention: the source is fetched once through safeFetch (SSRF rules: a source on a private
 * network address is refused before anything connects, unless POTLUCK_ALLOW_PRIVATE_NETWORKS; size cap, timeouts),
 * must link to the target, and is read for its microformats (src/core/webmentions/interpret.ts). A source that is
 * gone (410) or no longer links deletes an earlier mention; a verified one waits for the student's approval, and they
 * are told. No picture from the other site is ever in a page: the author's is copied and shrunk like hub thumbnails
 * and served from here; pictures in the text become their alt text.
 */
import { and, asc, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { interpretSource, sourceLinksTo } from '../../../core/webmentions/interpret.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.ts';
import type { AppContext } from '../../context.ts';
import { makeThumbnail, mentionPhotosDir } from '../../hubs/thumbnails.ts';
import { artifacts, webmentions, type Webmention } from '../../db/schema.ts';
import { inTransaction } from '../../db/tx.ts';
import { safeFetch } from '../../net/safeFetch.ts';
import { notify } from '../../notifications/notify.ts';
import { bumpContentVersion } from '../../repositories/portfolio.ts';
import { logger } from '../../logger.ts';

/** Most bytes of a source page read: a blog post with its comments, not a whole site. */
export const SOURCE_MAX_BYTES = 1024 * 1024;
/** Longest a source may take to answer. */
export const SOURCE_TIMEOUT_MS = 15_000;

const KIND_WORDS = { reply: 'A reply to', like: 'A like of', repost: 'A repost of', bookmark: 'A bookmark of', mention: 'A mention of' } as const;

/** The outcome of one verification, for the worker's log and tests. */
export type VerifyOutcome = 'verified' | 'rejected' | 'deleted' | 'missing';

function wasShown(m: Webmention): boolean {
  return m.decision === 'approved' && m.verifiedAt !== null;
}

function reject(app: AppContext, m: Webmention, reason: string): VerifyOutcome {
  // A mention that was verified before and is now gone or unlinked is deleted (the Webmention spec's "delete"):
  // its text and author go, the row stays so the status address can say what happened.
  const deleted = m.verifiedAt !== null;
  inTransaction(app, () => {
    app.db
      .update(webmentions)
      .set(
        deleted
          ? { status: 'deleted', reason, kind: null, authorName: null, authorUrl: null, authorPhoto: null, url: null, published: null, contentHtml: null }
          : { status: 'rejected', reason },
      )
      .where(eq(webmentions.id, m.id))
      .run();
    if (wasShown(m)) bumpContentVersion(app, m.ownerId, ['public']);
  });
  return deleted ? 'deleted' : 'rejected';
}

/** A local, shrunk copy of an author's picture, made the way hub thumbnails are (SSRF rules, size caps, no metadata). */
async function authorPhotoCopy(app: AppContext, image: string): Promise<string | null> {
  const made = await makeThumbnail(mentionPhotosDir(app.config), image, { fetch: { allowPrivateNetworks: app.config.allowPrivateNetworks }, now: app.now() });
  return made.file;
}

/** Verifies one mention by id; never throws for what the other site does. */
export async function verifyWebmention(app: AppContext, id: string): Promise<VerifyOutcome> {
  const m = app.db.select().from(webmentions).where(eq(webmentions.id, id)).get();
  if (!m) return 'missing';
  const piece = app.db.select({ title: artifacts.title, visibility: artifacts.visibility }).from(artifacts).where(eq(artifacts.id, m.artifactId)).get();
  if (!piece || piece.visibility !== 'public') return reject(app, m, 'The target is no longer a public piece.');
  const response = await safeFetch(m.source, {
    allowPrivateNetworks: app.config.allowPrivateNetworks,
    maxBytes: SOURCE_MAX_BYTES,
    timeoutMs: SOURCE_TIMEOUT_MS,
    accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5',
    now: app.now,
  });
  if (!response.ok) {
    if (response.reason === 'http-error' && response.status === 410) return reject(app, m, 'The source page is gone (410).');
    // In fixed words: the fetcher's own message names resolved addresses, which an outsider must not learn.
    if (response.reason === 'blocked-address') return reject(app, m, 'The source cannot be fetched: its address is on a private or reserved network.');
    if (response.reason === 'bad-port') return reject(app, m, 'The source cannot be fetched: only the standard web ports (80 and 443) are allowed.');
    if (response.reason === 'bad-scheme') return reject(app, m, 'The source cannot be fetched: it must be an http or https address.');
    return reject(app, m, `The source could not be read: ${response.message}`);
  }
  const contentType = response.headers['content-type'] ?? 'text/html';
  const body = response.body.toString('utf8');
  if (!sourceLinksTo(body, contentType, response.url, m.target)) return reject(app, m, 'The source does not link to the target.');
  const read = /html/i.test(contentType)
    ? interpretSource(body, response.url, m.target)
    : { kind: 'mention' as const, authorName: null, authorUrl: null, authorPhotoUrl: null, url: null, published: null, contentHtml: null };
  const { authorPhotoUrl, ...fields } = read;
  const authorPhoto = authorPhotoUrl ? await authorPhotoCopy(app, authorPhotoUrl) : null;
  const changed =
    m.verifiedAt === null ||
    m.kind !== read.kind ||
    m.contentHtml !== read.contentHtml ||
    m.authorName !== read.authorName ||
    m.authorUrl !== read.authorUrl ||
    m.url !== read.url ||
    (m.published?.getTime() ?? null) !== (read.published?.getTime() ?? null) ||
    m.authorPhoto !== authorPhoto;
  const now = app.now();
  inTransaction(app, () => {
    app.db
      .update(webmentions)
      .set({
        status: 'verified',
        reason: null,
        ...fields,
        authorPhoto,
        verifiedAt: now,
        // What the student approved is what shows: a changed mention waits for their approval again.
        ...(changed ? { decision: 'pending' as const, teacherApprovedAt: null, teacherApprovedBy: null } : {}),
      })
      .where(eq(webmentions.id, m.id))
      .run();
    if (changed && wasShown(m)) bumpContentVersion(app, m.ownerId, ['public']);
    if (changed) {
      notify(app, {
        to: m.ownerId,
        kind: 'mention.new',
        title: `${KIND_WORDS[read.kind]} “${piece.title}” from ${m.sourceHost}: it shows under your piece once you approve it`,
        url: '/workspace/mentions',
        artifactId: m.artifactId,
        // Once per mention: a source that keeps changing its text cannot flood the student's inbox.
        key: `mention.new:${m.id}`,
      });
    }
  });
  return 'verified';
}

/** How long a node holds a mention it verifies: well past fetching its source and its author's picture. */
export const VERIFY_CLAIM_MS = 3 * 60_000;

/** Queued, and no node holds it (or the node that did died: its claim ended). */
const claimable = (now: Date) => and(eq(webmentions.status, 'queued'), or(isNull(webmentions.claimedUntil), lt(webmentions.claimedUntil, now)));

/** Takes a queued mention for this node; false when another node has it (or it is no longer queued). */
function claimMention(app: AppContext, id: string): boolean {
  const now = app.now();
  return (
    app.db
      .update(webmentions)
      .set({ claimedUntil: new Date(now.getTime() + VERIFY_CLAIM_MS) })
      .where(and(eq(webmentions.id, id), claimable(now)))
      .run().changes === 1
  );
}

/**
 * Verifies every queued mention no other node is verifying, oldest first, at most `limit`; returns how many this
 * node took. Each is claimed first, so that on several nodes a source is fetched once per mention.
 */
export async function verifyQueuedWebmentions(app: AppContext, options: { limit?: number } = {}): Promise<number> {
  const queued = app.db
    .select({ id: webmentions.id })
    .from(webmentions)
    .where(claimable(app.now()))
    .orderBy(asc(webmentions.receivedAt))
    .limit(options.limit ?? 50)
    .all();
  let taken = 0;
  for (const { id } of queued) {
    if (!claimMention(app, id)) continue;
    taken++;
    try {
      await verifyWebmention(app, id);
    } catch (error) {
      // One source Potluck cannot read must not hold up every mention behind it: it is rejected, and the rest go on.
      logger.warn('A Webmention source could not be verified', { mention: id, error });
      app.db.update(webmentions).set({ status: 'rejected', reason: 'The source could not be read.' }).where(and(eq(webmentions.id, id), eq(webmentions.status, 'queued'))).run();
    } finally {
      app.db.update(webmentions).set({ claimedUntil: null }).where(eq(webmentions.id, id)).run();
    }
  }
  return taken;
}

/** A picture younger than this is not swept: a verification may have made it and not yet recorded it. */
const PHOTO_SWEEP_GRACE_MS = 10 * 60_000;

/**
 * Removes authors' pictures no mention names any more (deleted, blocked, or gone with an account); returns how many.
 * Run by the worker now and then.
 */
export function sweepMentionPhotos(app: AppContext): number {
  const dir = mentionPhotosDir(app.config);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  const named = new Set(
    app.db
      .select({ file: webmentions.authorPhoto })
      .from(webmentions)
      .where(isNotNull(webmentions.authorPhoto))
      .all()
      .map((r) => r.file),
  );
  let removed = 0;
  for (const name of names) {
    if (named.has(name) || !/^[a-f0-9]{40}\.webp$/.test(name)) continue;
    const file = path.join(dir, name);
    try {
      if (app.now().getTime() - fs.statSync(file).mtimeMs < PHOTO_SWEEP_GRACE_MS) continue;
      fs.rmSync(file, { force: true });
      removed++;
    } catch {
      // Gone already.
    }
  }
  return removed;
}
