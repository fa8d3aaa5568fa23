/**
 * Where media files live: `config.mediaDir/<ownerId>/<mediaId>/` holds `original.<ext>` and the WebP variants
 * (`w480.webp`, ...). Every name on disk is generated here; the student's file name only ever lives in the database.
 * An upload is written into a staging folder beside its final place and renamed in one step, so a failed upload
 * leaves nothing behind and a half-written item is never visible.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../dataFolder.ts';
import { isSafeMediaFileName } from './names.ts';

export { extensionForMime, isSafeMediaFileName, originalFileName, storedFileNames, variantFileName } from './names.ts';

/** Ids used as folder names: generated UUIDs, or ids kept from an import; never `.`/`..` or a path. */
const SAFE_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const STAGING_PREFIX = '.upload-';
/** Staging folders older than this are leftovers of a crash and are removed by the next upload. */
const STALE_STAGING_MS = 60 * 60 * 1000;

function safeSegment(value: string, what: string): string {
  if (!SAFE_SEGMENT.test(value) || value.includes('..')) throw new Error(`Unsafe ${what} for a media path: ${JSON.stringify(value)}`);
  return value;
}

/** The folder of one media item. */
export function mediaItemDir(config: Pick<Config, 'mediaDir'>, ownerId: string, mediaId: string): string {
  return path.join(config.mediaDir, safeSegment(ownerId, 'owner id'), safeSegment(mediaId, 'media id'));
}

/** The path of one stored file of a media item; throws on a name Potluck would not have generated. */
export function mediaFilePath(config: Pick<Config, 'mediaDir'>, item: { ownerId: string; id: string }, file: string): string {
  if (!isSafeMediaFileName(file)) throw new Error(`Unsafe media file name: ${JSON.stringify(file)}`);
  return path.join(mediaItemDir(config, item.ownerId, item.id), file);
}

/** A folder being filled with one upload's files; `commit` moves it into place, `discard` removes it. */
export interface Staging {
  /** Writes one file (fails if the name is taken). Returns its size in bytes. */
  write(file: string, bytes: Uint8Array): Promise<number>;
  /** Renames the staging folder to the item's folder. After this, `discard` removes the committed folder. */
  commit(mediaId: string): Promise<string>;
  /** Removes whatever was written (staged or committed); never throws. */
  discard(): Promise<void>;
}

/** Starts a staging folder in the owner's media folder (same file system, so the final rename is atomic). */
export async function createStaging(config: Pick<Config, 'mediaDir'>, ownerId: string): Promise<Staging> {
  const ownerDir = path.join(config.mediaDir, safeSegment(ownerId, 'owner id'));
  await fs.mkdir(ownerDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await removeStaleStaging(ownerDir);
  const stagingDir = path.join(ownerDir, `${STAGING_PREFIX}${randomBytes(12).toString('hex')}`);
  await fs.mkdir(stagingDir, { mode: PRIVATE_DIR_MODE });
  let current = stagingDir;
  return {
    async write(file, bytes) {
      if (!isSafeMediaFileName(file)) throw new Error(`Unsafe media file name: ${JSON.stringify(file)}`);
      await fs.writeFile(path.join(stagingDir, file), bytes, { flag: 'wx', mode: PRIVATE_FILE_MODE });
      return bytes.byteLength;
    },
    async commit(mediaId) {
      const target = mediaItemDir(config, ownerId, mediaId);
      await fs.rename(stagingDir, target);
      current = target;
      return target;
    },
    async discard() {
      await fs.rm(current, { recursive: true, force: true }).catch(() => {});
    },
  };
}

async function removeStaleStaging(ownerDir: string): Promise<void> {
  const entries = await fs.readdir(ownerDir).catch(() => [] as string[]);
  const cutoff = Date.now() - STALE_STAGING_MS;
  for (const entry of entries) {
    if (!entry.startsWith(STAGING_PREFIX)) continue;
    const full = path.join(ownerDir, entry);
    const stat = await fs.stat(full).catch(() => null);
    if (stat && stat.mtimeMs < cutoff) await fs.rm(full, { recursive: true, force: true }).catch(() => {});
  }
}

/** Removes an item's folder and everything in it (missing is fine). */
export async function deleteMediaFiles(config: Pick<Config, 'mediaDir'>, ownerId: string, mediaId: string): Promise<void> {
  await fs.rm(mediaItemDir(config, ownerId, mediaId), { recursive: true, force: true });
}
