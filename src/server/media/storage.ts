/**
 * Where media files live: `config.mediaDir/<ownerId>/<mediaId>/` holds `original.<ext>` and the WebP variants
 * (`w480.webp`, ...). Every name on disk is generated here; the student's file name only ever lives in the database.
 * An upload is written into a staging folder beside its final place and renamed in one step, so a failed upload
 * leaves nothing behind and a half-written item is never visible.
 *
 * An import stages all its files first and commits them with its pieces (`beginImportStaging`): each item is
 * readied in `config.mediaDir/.staging/<import>/<ownerId>/<mediaId>/` (same file system, a name no owner id can
 * have), the media rows go into the import's one transaction, and the folders are renamed into place right after it
 * commits. A crash leaves only the staging folder: `sweepImportStaging` finishes the renames of items whose rows
 * were committed and removes the rest, so nothing of a dead import stays in the student's library or on disk.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
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
  /**
   * Writes one file (fails if the name is taken). Returns its size in bytes. With `moveFrom` (a file of a temporary
   * copy that may be given up), that file is renamed into place instead, when it is on the same disk.
   */
  write(file: string, bytes: Uint8Array, moveFrom?: string): Promise<number>;
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
  return stagingIn(stagingDir, (mediaId) => mediaItemDir(config, ownerId, mediaId));
}

/** A Staging filling `stagingDir`, whose commit renames it to `targetOf(mediaId)`. */
function stagingIn(stagingDir: string, targetOf: (mediaId: string) => string): Staging {
  let current = stagingDir;
  return {
    async write(file, bytes, moveFrom) {
      if (!isSafeMediaFileName(file)) throw new Error(`Unsafe media file name: ${JSON.stringify(file)}`);
      const destination = path.join(stagingDir, file);
      if (moveFrom) {
        try {
          await fs.rename(moveFrom, destination);
          return bytes.byteLength;
        } catch (error) {
          // Another disk (EXDEV) or a file already given up: write the bytes instead.
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'EXDEV' && code !== 'ENOENT') throw error;
        }
      }
      await fs.writeFile(destination, bytes, { flag: 'wx', mode: PRIVATE_FILE_MODE });
      return bytes.byteLength;
    },
    async commit(mediaId) {
      const target = targetOf(safeSegment(mediaId, 'media id'));
      await fs.rename(stagingDir, target);
      current = target;
      return target;
    },
    async discard() {
      await fs.rm(current, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/** The folder (inside the media folder) where imports stage their files. */
const IMPORT_STAGING = '.staging';
/** Written first into an import's staging folder: which process it belongs to, so a sweep leaves a live one alone. */
const IMPORT_MARKER = 'import.json';
/** A staging folder without its marker is being created, or was left by a crash at that moment. */
const MARKERLESS_GRACE_MS = 60 * 1000;

/** Imports of this process that are still running (their staging is never swept). */
const activeImports = new Set<string>();

/** The media of one import, staged until its transaction commits (see the file comment). */
export interface ImportStaging {
  id: string;
  /** A Staging for one item of `ownerId`; its `commit(mediaId)` readies the item in the staging area. */
  item(ownerId: string): Promise<Staging>;
  /** After the import's transaction committed: moves every readied item into place and removes the staging. */
  finish(): Promise<void>;
  /** The import failed (its transaction rolled back): removes everything it staged; never throws. */
  discard(): Promise<void>;
}

export async function beginImportStaging(config: Pick<Config, 'mediaDir'>): Promise<ImportStaging> {
  const id = randomBytes(12).toString('hex');
  const root = path.join(config.mediaDir, IMPORT_STAGING, id);
  await fs.mkdir(root, { recursive: true, mode: PRIVATE_DIR_MODE });
  activeImports.add(id);
  await fs.writeFile(path.join(root, IMPORT_MARKER), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() }), {
    mode: PRIVATE_FILE_MODE,
  });
  const readied: { ownerId: string; mediaId: string }[] = [];
  const done = async () => {
    await fs.rm(root, { recursive: true, force: true }).catch(() => {});
    activeImports.delete(id);
  };
  return {
    id,
    async item(ownerId) {
      const ownerDir = path.join(root, safeSegment(ownerId, 'owner id'));
      await fs.mkdir(ownerDir, { recursive: true, mode: PRIVATE_DIR_MODE });
      const dir = path.join(ownerDir, `${STAGING_PREFIX}${randomBytes(12).toString('hex')}`);
      await fs.mkdir(dir, { mode: PRIVATE_DIR_MODE });
      return stagingIn(dir, (mediaId) => {
        readied.push({ ownerId, mediaId });
        return path.join(ownerDir, mediaId);
      });
    },
    async finish() {
      for (const { ownerId, mediaId } of readied) await moveIntoPlace(config, path.join(root, ownerId, mediaId), ownerId, mediaId);
      await done();
    },
    async discard() {
      await done();
    },
  };
}

async function moveIntoPlace(config: Pick<Config, 'mediaDir'>, from: string, ownerId: string, mediaId: string): Promise<boolean> {
  const target = mediaItemDir(config, ownerId, mediaId);
  if (await fs.lstat(target).catch(() => undefined)) return false;
  await fs.mkdir(path.dirname(target), { recursive: true, mode: PRIVATE_DIR_MODE });
  await fs.rename(from, target);
  return true;
}

/** Whether the process that wrote a staging folder still runs (never this one: its own imports are tracked). */
export function processIsAlive(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What an import's staging folder says about who is running it. */
interface ImportMarker {
  pid?: unknown;
  /** The machine (os.hostname()) the import runs on: a media folder shared by several app nodes holds theirs too. */
  host?: unknown;
  startedAt?: unknown;
}

/** An import staged on another machine is taken for dead only this long after it began (none runs for so long). */
const FOREIGN_IMPORT_MS = 6 * 60 * 60 * 1000;

/**
 * Whether the import that wrote `marker` may still run. On this machine its process answers; another node's
 * process cannot be asked from here, so its staging is left alone until FOREIGN_IMPORT_MS after it began.
 */
export function importMayBeRunning(marker: ImportMarker, now = Date.now()): boolean {
  if (typeof marker.host === 'string' && marker.host !== os.hostname()) {
    const started = typeof marker.startedAt === 'string' ? Date.parse(marker.startedAt) : Number.NaN;
    return Number.isFinite(started) && now - started < FOREIGN_IMPORT_MS;
  }
  return processIsAlive(marker.pid);
}

/**
 * Cleans up after imports that died (killed, crashed, power cut): for each staging folder whose process is gone,
 * items whose media row was committed (`isCommitted`) are moved into place, and everything else is removed. The
 * staging of a running import (this process's or another's) is left alone.
 */
export async function sweepImportStaging(
  config: Pick<Config, 'mediaDir'>,
  isCommitted: (ownerId: string, mediaId: string) => boolean,
): Promise<{ finished: number; removed: number }> {
  const base = path.join(config.mediaDir, IMPORT_STAGING);
  let finished = 0;
  let removed = 0;
  for (const id of await fs.readdir(base).catch(() => [] as string[])) {
    if (activeImports.has(id)) continue;
    const root = path.join(base, id);
    const stat = await fs.lstat(root).catch(() => undefined);
    if (!stat) continue;
    if (stat.isDirectory()) {
      const marker = await fs
        .readFile(path.join(root, IMPORT_MARKER), 'utf8')
        .then((text) => JSON.parse(text) as ImportMarker)
        .catch(() => undefined);
      if (marker ? importMayBeRunning(marker) : Date.now() - stat.mtimeMs < MARKERLESS_GRACE_MS) continue;
      for (const ownerId of await fs.readdir(root).catch(() => [] as string[])) {
        if (!SAFE_SEGMENT.test(ownerId)) continue;
        for (const mediaId of await fs.readdir(path.join(root, ownerId)).catch(() => [] as string[])) {
          if (!SAFE_SEGMENT.test(mediaId) || !isCommitted(ownerId, mediaId)) continue;
          if (await moveIntoPlace(config, path.join(root, ownerId, mediaId), ownerId, mediaId).catch(() => false)) finished++;
        }
      }
    }
    await fs.rm(root, { recursive: true, force: true }).catch(() => {});
    removed++;
  }
  return { finished, removed };
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
