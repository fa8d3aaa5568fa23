/**
 * Pictures of external feed items, shown in a hub's river without any reader's browser calling the blog's host (no
 * page of Potluck makes a third-party request): after a poll has read the feeds, the picture each new item names is
 * fetched once, through safeFetch (SSRF rules, size caps, timeouts) with limits of its own so pictures never hold up
 * feeds, checked and shrunk with sharp (pixel limit, first frame only, no metadata kept: no EXIF or GPS of whoever
 * took it), and stored as a small WebP in `<media>/.hub-thumbnails/` (the media volume every node of a district
 * shares, so the node that made a picture need not be the one that serves it). The river links `/hubs/<slug>/thumbnails/<item>`,
 * answered with the river's access rule.
 *
 * A picture that is not one (a page, SVG, too many pixels, 404) is not asked for again; one that failed for a
 * while (timeout, 5xx, 429) is tried again later; a file that went missing is made again. Files are named by a hash
 * of the picture's address, so an image shared by two hubs is stored once; a sweep removes files no item names.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { OutputInfo } from 'sharp';
import type { Config } from '../config.ts';
import type { AppContext } from '../context.ts';
import { makePrivateDir, moveAcrossVolumes, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../dataFolder.ts';
import { hubItems, type HubThumbnail } from '../db/schema.ts';
import { createLeasedJob, finishJob } from '../jobs/queue.ts';
import { runHeld, type JobHandler } from '../jobs/runner.ts';
import { prepared } from '../db/prepared.ts';
import { MAX_IMAGE_PIXELS } from '../media/limits.ts';
import { safeFetch, type FetchResult, type SafeFetchOptions } from '../net/safeFetch.ts';
import { Semaphore, createFetchLimits } from '../net/semaphore.ts';

/** Width of a thumbnail: the river's cover column (19rem) at 1.5×, enough for a phone at 2×. */
export const THUMBNAIL_WIDTH = 480;
/** Most bytes of a picture read off the wire. */
export const THUMBNAIL_MAX_BYTES = 8 * 1024 * 1024;
/** Pictures made per source and poll: a feed with a hundred new posts fills in over the next polls. */
export const THUMBNAILS_PER_SOURCE = 6;
/** Longest a poll spends on pictures, after its feeds are read; what is left waits for the next poll. */
export const THUMBNAIL_BUDGET_MS = 60_000;
/** When a picture that failed for a while (timeout, 5xx, 429) is asked for again. */
export const THUMBNAIL_RETRY_MS = 6 * 60 * 60_000;
/** A file younger than this is not swept by the routine sweep: a poll may have written it and not yet recorded it. */
const SWEEP_GRACE_MS = 10 * 60_000;

// sharp names AVIF 'heif' (with AV1 compression); HEIC itself is not read.
const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif']);
const ACCEPT = 'image/webp,image/avif,image/png,image/jpeg,image/gif;q=0.9';

// Pictures have limits of their own: two hosts' worth at once, so a slow image host never holds up the feeds.
const pictureLimits = createFetchLimits({ overall: 4, perHost: 2 });
// One picture decoded at a time in this process (a 50-megapixel picture takes 150 MB); fetching goes on meanwhile.
const decoding = new Semaphore(1);

// The file an item's thumbnail names, in SQL.
const THUMBNAIL_FILE = sql<string>`json_extract(${hubItems.thumbnail}, '$.file')`;

/** Where hub thumbnails are stored: on the media volume, under a name no owner's folder can have. */
export function thumbnailsDir(config: Pick<Config, 'mediaDir'>): string {
  return path.join(config.mediaDir, '.hub-thumbnails');
}

/** Where authors' pictures of received Webmentions are kept: a folder of their own, so the hubs' sweep never takes them. */
export function mentionPhotosDir(config: Pick<Config, 'mediaDir'>): string {
  return path.join(config.mediaDir, '.webmention-photos');
}

/** The stored file of a picture in `dir` (thumbnailsDir or mentionPhotosDir), or null for a name that is not one of ours. */
export function thumbnailPath(dir: string, file: string): string | null {
  return /^[a-f0-9]{40}\.webp$/.test(file) ? path.join(dir, file) : null;
}

/**
 * Moves the pictures kept in the data folder before they moved to the media volume (`hub-thumbnails/`,
 * `webmention-photos/hub-thumbnails/`) to their places there, at start. Nodes that each kept their own join theirs to
 * what is there already. A picture that cannot be moved is left out: a poll or a verification makes it again.
 */
export async function moveLegacyPictureFolders(config: Pick<Config, 'dataDir' | 'mediaDir'>): Promise<void> {
  const moves = [
    { from: path.join(config.dataDir, 'hub-thumbnails'), to: thumbnailsDir(config) },
    { from: path.join(config.dataDir, 'webmention-photos', 'hub-thumbnails'), to: mentionPhotosDir(config) },
  ];
  const moved = (from: string, to: string) => moveAcrossVolumes(from, to).then(() => true, () => false);
  for (const { from, to } of moves) {
    if (!fs.existsSync(from)) continue;
    makePrivateDir(path.dirname(to));
    if (!fs.existsSync(to) && (await moved(from, to))) continue;
    makePrivateDir(to);
    for (const name of fs.readdirSync(from)) {
      if (thumbnailPath(to, name) && !fs.existsSync(path.join(to, name))) await moved(path.join(from, name), path.join(to, name));
    }
    fs.rmSync(from, { recursive: true, force: true });
  }
  fs.rmSync(path.join(config.dataDir, 'webmention-photos'), { recursive: true, force: true });
}

/** The address the river shows a hub item's thumbnail at. */
export function hubThumbnailPath(hubSlug: string, itemId: string): string {
  return `/hubs/${encodeURIComponent(hubSlug)}/thumbnails/${encodeURIComponent(itemId)}`;
}

function fileFor(image: string): string {
  return `${createHash('sha256').update(image).digest('hex').slice(0, 40)}.webp`;
}

/** A fetch that may work later (the host was slow, busy or broken for a while), as opposed to "not a picture". */
function isTemporary(response: FetchResult): boolean {
  if (response.ok) return response.status >= 500 || response.status === 429;
  if (response.reason === 'timeout' || response.reason === 'network') return true;
  return response.reason === 'http-error' && (response.status === undefined || response.status >= 500 || response.status === 429);
}

/**
 * Fetches the picture at `image` and stores its thumbnail; never throws. A picture that cannot be had gives
 * `file: null`, with `retryAt` when it may work later.
 */
export async function makeThumbnail(dir: string, image: string, options: { fetch?: SafeFetchOptions; now?: Date } = {}): Promise<HubThumbnail> {
  const now = options.now ?? new Date();
  const failed: HubThumbnail = { image, file: null, width: 0, height: 0 };
  const later: HubThumbnail = { ...failed, retryAt: now.getTime() + THUMBNAIL_RETRY_MS };
  try {
    // sharp is loaded the first time a thumbnail is made: this module is imported wherever hub items are read (every
    // process that serves or exports pages), and sharp with its native library is one of the costliest imports.
    const { default: sharp } = await import('sharp');
    const file = fileFor(image);
    const target = path.join(dir, file);
    if (fs.existsSync(target)) {
      const existing = await sharp(target).metadata().catch(() => null);
      if (existing?.width && existing.height) {
        // Shared with another item: touched, so that a routine sweep sees it as fresh.
        fs.utimesSync(target, now, now);
        return { image, file, width: existing.width, height: existing.height };
      }
    }

    const response = await safeFetch(image, {
      limits: pictureLimits,
      ...options.fetch,
      accept: ACCEPT,
      maxBytes: THUMBNAIL_MAX_BYTES,
      maxDecompressedBytes: THUMBNAIL_MAX_BYTES,
      maxRedirects: 3,
      timeoutMs: 15_000,
    });
    if (isTemporary(response)) return later;
    if (!response.ok || response.status !== 200) return failed;
    const meta = await sharp(response.body, { limitInputPixels: false }).metadata();
    const avif = meta.format === 'heif' && meta.compression === 'av1';
    if (!meta.format || (!FORMATS.has(meta.format) && !avif) || !meta.width || !meta.height) return failed;
    if (meta.width * (meta.pageHeight ?? meta.height) > MAX_IMAGE_PIXELS) return failed;
    const release = await decoding.acquire();
    let encoded: { data: Buffer; info: OutputInfo };
    try {
      encoded = await sharp(response.body, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated', pages: 1, autoOrient: true })
        .timeout({ seconds: 20 })
        .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
        .toColourspace('srgb')
        .webp({ quality: 72 })
        .toBuffer({ resolveWithObject: true });
    } finally {
      release();
    }
    fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const temporary = path.join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
    fs.writeFileSync(temporary, encoded.data, { mode: PRIVATE_FILE_MODE });
    fs.renameSync(temporary, target);
    return { image, file, width: encoded.info.width, height: encoded.info.height };
  } catch {
    // Our own trouble (a full disk, a picture sharp chokes on): tried again later rather than never.
    return later;
  }
}

/**
 * Whether an item needs its thumbnail (re)made: a new picture, a retry that is due, or a file that went missing
 * (`stored`: the files in the folder, read once per run).
 */
function wanted(item: { image: string | null; thumbnail: HubThumbnail | null }, now: number, stored: Set<string>): boolean {
  const thumbnail = item.thumbnail;
  if (!item.image) return false;
  if (!thumbnail || thumbnail.image !== item.image) return true;
  if (thumbnail.file === null) return thumbnail.retryAt !== undefined && thumbnail.retryAt <= now;
  return !stored.has(thumbnail.file);
}

/** A source's newest items with a picture. Every source every poll reads (a thousand of them): one statement prepared per database, not one built per source. */
function newestWithPictures(app: AppContext) {
  return prepared(app.db, 'thumbnails.newestWithPictures', (db) =>
    db
      .select({ id: hubItems.id, image: hubItems.image, thumbnail: hubItems.thumbnail })
      .from(hubItems)
      .where(and(eq(hubItems.sourceId, sql.placeholder('sourceId')), isNotNull(hubItems.image)))
      .orderBy(desc(hubItems.sortDate))
      .limit(50)
      .prepare(),
  );
}

/** The names in the thumbnails folder (none when it does not exist yet). */
function storedFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/**
 * Makes the wanted thumbnails of these sources' newest items (at most THUMBNAILS_PER_SOURCE each), two at a time,
 * until `budgetMs` runs out or `signal` aborts; returns how many were attempted.
 */
export async function makeSourceThumbnails(
  app: AppContext,
  sourceIds: readonly string[],
  options: { fetch?: SafeFetchOptions; budgetMs?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<number> {
  if (sourceIds.length === 0) return 0;
  const now = app.now().getTime();
  const dir = thumbnailsDir(app.config);
  const stored = new Set(storedFiles(dir));
  const deadline = Date.now() + (options.budgetMs ?? THUMBNAIL_BUDGET_MS);
  const work: { id: string; image: string }[] = [];
  const newest = newestWithPictures(app);
  for (const sourceId of sourceIds) {
    const items = newest.all({ sourceId });
    for (const item of items.filter((i) => wanted(i, now, stored)).slice(0, THUMBNAILS_PER_SOURCE)) work.push({ id: item.id, image: item.image! });
  }
  let next = 0;
  let done = 0;
  if (work.length) options.onProgress?.(0, work.length);
  const lane = async () => {
    while (next < work.length && Date.now() < deadline && !options.signal?.aborted) {
      const item = work[next++]!;
      // The school's network rule (POTLUCK_ALLOW_PRIVATE_NETWORKS) as for its feeds, unless a caller says otherwise.
      const thumbnail = await makeThumbnail(dir, item.image, { fetch: { allowPrivateNetworks: app.config.allowPrivateNetworks, ...options.fetch }, now: app.now() });
      // Only if the item still names that picture (a poll may have changed it meanwhile); gone items are skipped.
      app.db
        .update(hubItems)
        .set({ thumbnail })
        .where(and(eq(hubItems.id, item.id), eq(hubItems.image, item.image)))
        .run();
      options.onProgress?.(++done, work.length);
    }
  };
  await Promise.all([lane(), lane()]);
  return Math.min(next, work.length);
}

/** The kind of the job that makes the pictures of the feeds one poll read. */
export const THUMBNAILS_JOB = 'hub-thumbnails';

/** Whether any of these sources' newest items wants a picture made (so that a poll without pictures makes no job). */
function picturesWanted(app: AppContext, sourceIds: readonly string[]): boolean {
  const now = app.now().getTime();
  const stored = new Set(storedFiles(thumbnailsDir(app.config)));
  const newest = newestWithPictures(app);
  return sourceIds.some((sourceId) => newest.all({ sourceId }).some((item) => wanted(item, now, stored)));
}

/**
 * The pictures of the feeds a poll read, as a job with a lease (src/server/jobs/): made here at once, and by another
 * node's job runner when this node dies or stops before they are done (the items already pictured are skipped).
 * Resolves when they are made, or at once when `signal` aborts (the server stopping: the job is given back).
 */
export async function makeThumbnailsAsJob(app: AppContext, sourceIds: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
  if (sourceIds.length === 0 || options.signal?.aborted || !picturesWanted(app, sourceIds)) return;
  const job = createLeasedJob(app, { userId: null, kind: THUMBNAILS_JOB, input: { sourceIds: [...sourceIds] }, progress: { step: 'pictures' } });
  const made = runHeld(app, job, thumbnailsJobHandler);
  const signal = options.signal;
  if (!signal) return made;
  await Promise.race([made, new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))]);
}

/** Makes the wanted pictures of a job's sources, on whichever node holds it. */
export const thumbnailsJobHandler: JobHandler = async (app, job, lease) => {
  const sourceIds = ((job.input as { sourceIds?: unknown } | null)?.sourceIds ?? []) as string[];
  const attempted = await makeSourceThumbnails(app, Array.isArray(sourceIds) ? sourceIds.filter((id) => typeof id === 'string') : [], { signal: lease.signal });
  finishJob(app, job.id, { attempted }, { step: 'done' });
};

/** The thumbnail files some hub items name, among `files` (all of them when absent). */
function namedFiles(app: AppContext, files?: string[]): Set<string> {
  const rows = app.db
    .select({ file: THUMBNAIL_FILE })
    .from(hubItems)
    .where(files ? inArray(THUMBNAIL_FILE, files) : isNotNull(hubItems.thumbnail))
    .all();
  return new Set(rows.map((r) => r.file));
}

/**
 * Removes thumbnail files no hub item names any more; returns how many went; never throws (it runs after deletions
 * that have already been committed). `files`: only these (the ones the deleted rows named), whatever their age, so a
 * deleted account's or hub's pictures go at once. Without it, every unnamed file older than ten minutes.
 */
export function sweepThumbnails(app: AppContext, files?: string[]): number {
  try {
    const dir = thumbnailsDir(app.config);
    const candidates = files ?? storedFiles(dir).filter((name) => thumbnailPath(dir, name) !== null || name.endsWith('.tmp'));
    if (candidates.length === 0) return 0;
    const named = namedFiles(app, files);
    const cutoff = files ? Infinity : Date.now() - SWEEP_GRACE_MS;
    let removed = 0;
    for (const name of candidates) {
      if (named.has(name)) continue;
      const full = thumbnailPath(dir, name) ?? (name.endsWith('.tmp') && !name.includes('/') ? path.join(dir, name) : null);
      if (!full) continue;
      const stat = fs.statSync(full, { throwIfNoEntry: false });
      if (!stat?.isFile() || stat.mtimeMs > cutoff) continue;
      fs.rmSync(full, { force: true });
      removed++;
    }
    return removed;
  } catch {
    return 0;
  }
}

/** The thumbnail files named by some hub items (before deleting them, to sweep exactly those afterwards). */
export function thumbnailFilesOf(app: AppContext, where: { hubId?: string; sourceIds?: string[] }): string[] {
  const conditions = [isNotNull(THUMBNAIL_FILE)];
  if (where.hubId) conditions.push(eq(hubItems.hubId, where.hubId));
  if (where.sourceIds) {
    if (where.sourceIds.length === 0) return [];
    conditions.push(inArray(hubItems.sourceId, where.sourceIds));
  }
  return [...new Set(app.db.select({ file: THUMBNAIL_FILE }).from(hubItems).where(and(...conditions)).all().map((r) => r.file))];
}
