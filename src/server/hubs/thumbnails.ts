/**
 * Pictures of external feed items, shown in a hub's river without any reader's browser calling the blog's host (no
 * page of Potluck makes a third-party request): when a feed is polled, the picture an item names is fetched once,
 * through safeFetch (SSRF rules, size caps, timeouts, limits per host), checked and shrunk with sharp (pixel limit,
 * first frame only, no metadata kept: no EXIF or GPS of whoever took it), and stored as a small WebP under the data
 * folder. The river links `/hubs/<slug>/thumbnails/<item>`, answered with the same access rule as the river.
 *
 * Files are named by a hash of the picture's address, so an image shared by two hubs is stored once; a sweep removes
 * the files no item names any more (after a source, a member, a hub or an account is removed, and after polls that
 * dropped items).
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import sharp, { type OutputInfo } from 'sharp';
import type { Config } from '../config.ts';
import type { AppContext } from '../context.ts';
import { hubItems, type HubThumbnail } from '../db/schema.ts';
import { MAX_IMAGE_PIXELS } from '../media/limits.ts';
import { safeFetch, type SafeFetchOptions } from '../net/safeFetch.ts';
import { Semaphore } from '../net/semaphore.ts';

/** Width of a thumbnail: the river's cover column (19rem) at 1.5×, enough for a phone at 2×. */
export const THUMBNAIL_WIDTH = 480;
/** Most bytes of a picture read off the wire. */
export const THUMBNAIL_MAX_BYTES = 8 * 1024 * 1024;
/** Pictures made per source and poll: a feed with a hundred new posts fills in over the next polls. */
export const THUMBNAILS_PER_POLL = 6;
/** A file younger than this is never swept: a poll may have written it and not yet recorded it. */
const SWEEP_GRACE_MS = 10 * 60_000;

const FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif']);

// One picture decoded at a time in this process: feeds are polled sixteen at once, and a 50-megapixel picture takes
// 150 MB to decode. Fetching is not held up by it.
const decoding = new Semaphore(1);

/** Where thumbnails are stored. */
export function thumbnailsDir(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'hub-thumbnails');
}

/** The stored file of a thumbnail, or null for a name that is not one of ours. */
export function thumbnailPath(config: Pick<Config, 'dataDir'>, file: string): string | null {
  return /^[a-f0-9]{40}\.webp$/.test(file) ? path.join(thumbnailsDir(config), file) : null;
}

/** The address the river shows a hub item's thumbnail at. */
export function hubThumbnailPath(hubSlug: string, itemId: string): string {
  return `/hubs/${encodeURIComponent(hubSlug)}/thumbnails/${encodeURIComponent(itemId)}`;
}

function fileFor(image: string): string {
  return `${createHash('sha256').update(image).digest('hex').slice(0, 40)}.webp`;
}

/**
 * Fetches the picture at `image` and stores its thumbnail; never throws. A picture that cannot be had (not found,
 * too large, not a picture, too many pixels, SVG) gives `file: null`, so it is not fetched again.
 */
export async function makeThumbnail(config: Pick<Config, 'dataDir'>, image: string, fetch: SafeFetchOptions = {}): Promise<HubThumbnail> {
  const failed: HubThumbnail = { image, file: null, width: 0, height: 0 };
  try {
    const file = fileFor(image);
    const target = path.join(thumbnailsDir(config), file);
    const existing = fs.existsSync(target) ? await sharp(target).metadata().catch(() => null) : null;
    if (existing?.width && existing.height) return { image, file, width: existing.width, height: existing.height };

    const response = await safeFetch(image, {
      ...fetch,
      accept: 'image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9',
      maxBytes: THUMBNAIL_MAX_BYTES,
      maxDecompressedBytes: THUMBNAIL_MAX_BYTES,
      maxRedirects: 3,
      timeoutMs: 15_000,
    });
    if (!response.ok || response.status !== 200) return failed;
    const meta = await sharp(response.body, { limitInputPixels: false }).metadata();
    if (!meta.format || !FORMATS.has(meta.format) || !meta.width || !meta.height) return failed;
    const frameHeight = meta.pageHeight ?? meta.height;
    if (meta.width * frameHeight > MAX_IMAGE_PIXELS) return failed;
    const release = await decoding.acquire();
    let encoded: { data: Buffer; info: OutputInfo };
    try {
      encoded = await sharp(response.body, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'truncated', pages: 1, autoOrient: true })
        .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
        .toColourspace('srgb')
        .webp({ quality: 72 })
        .toBuffer({ resolveWithObject: true });
    } finally {
      release();
    }
    const { data, info } = encoded;
    fs.mkdirSync(thumbnailsDir(config), { recursive: true });
    const temporary = path.join(thumbnailsDir(config), `.${randomBytes(6).toString('hex')}.tmp`);
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, target);
    return { image, file, width: info.width, height: info.height };
  } catch {
    return failed;
  }
}

/**
 * Makes the missing thumbnails of one source's newest items (at most THUMBNAILS_PER_POLL); returns how many were
 * attempted. Items whose picture changed get a new one.
 */
export async function thumbnailSourceItems(app: AppContext, sourceId: string, fetch: SafeFetchOptions = {}): Promise<number> {
  const candidates = app.db
    .select({ id: hubItems.id, image: hubItems.image, thumbnail: hubItems.thumbnail })
    .from(hubItems)
    .where(and(eq(hubItems.sourceId, sourceId), isNotNull(hubItems.image)))
    .orderBy(desc(hubItems.sortDate))
    .limit(50)
    .all()
    .filter((item) => item.thumbnail?.image !== item.image)
    .slice(0, THUMBNAILS_PER_POLL);
  for (const item of candidates) {
    const thumbnail = await makeThumbnail(app.config, item.image!, fetch);
    // Only if the item still names that picture (a poll may have changed it meanwhile).
    app.db
      .update(hubItems)
      .set({ thumbnail })
      .where(and(eq(hubItems.id, item.id), eq(hubItems.image, item.image!)))
      .run();
  }
  return candidates.length;
}

/**
 * Removes the thumbnail files no hub item names any more; returns how many went. Files younger than ten minutes stay
 * (a poll may have written one and not yet recorded it) unless `now` is set: after a deletion, so nothing lingers.
 */
export function sweepThumbnails(app: AppContext, options: { now?: boolean } = {}): number {
  const dir = thumbnailsDir(app.config);
  if (!fs.existsSync(dir)) return 0;
  const named = new Set(
    app.db
      .select({ file: sql<string>`json_extract(${hubItems.thumbnail}, '$.file')` })
      .from(hubItems)
      .where(isNotNull(hubItems.thumbnail))
      .all()
      .map((r) => r.file),
  );
  const cutoff = options.now ? Infinity : Date.now() - SWEEP_GRACE_MS;
  let removed = 0;
  for (const name of fs.readdirSync(dir)) {
    if (named.has(name)) continue;
    const full = path.join(dir, name);
    const stat = fs.statSync(full, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.mtimeMs > cutoff) continue;
    fs.rmSync(full, { force: true });
    removed++;
  }
  return removed;
}
