/**
 * Importing an archive zip (the CLI's `potluck import FILE.zip`, the workspace Import page): every entry is checked
 * before anything is unpacked (server/archive/zipReader.ts: traversal, links, duplicates, zip bombs), the parts an
 * import reads are unpacked into a temporary folder inside the data folder, the folder import does the rest (check
 * everything, then one transaction), and the temporary folder is removed whatever happens.
 */
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ZipLimits } from '../core/archive/zipRules.ts';
import { PotluckError } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { extractArchiveZip } from '../server/archive/zipReader.ts';
import { importArchiveFolder, type ImportOrigin, type ImportProgress, type ImportReport } from './archiveImporter.ts';

export interface ImportArchiveZipProps {
  /** Path of the zip file. */
  zip: string;
  /** What to call it in messages (the uploaded file's name); default its file name. */
  label?: string;
  handle: string;
  dryRun?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  /** Tighter limits (tests); never looser than the defaults from an upload. */
  limits?: Partial<ZipLimits>;
  /** Set when the zip was converted from another platform's export. */
  origin?: ImportOrigin;
}

/** Temporary folders zips are unpacked into, in the data folder: `.import-<pid>-<random>`. */
export const UNPACK_PREFIX = '.import-';

/** The parts of an archive that an import reads; site/, feed.json, README.html and hubs.json are left packed. */
export function isImportedEntry(relative: string): boolean {
  return (
    relative === 'potluck.json' ||
    relative === 'media.json' ||
    /^(artifacts|collections|revisions|feedback|mentions|media|variants)\//.test(relative)
  );
}

/** Imports a zip archive into `handle` (see the file comment). */
export async function importArchiveZip(app: AppContext, props: ImportArchiveZipProps): Promise<ImportReport> {
  const stat = await fsp.stat(props.zip).catch(() => undefined);
  if (!stat?.isFile()) {
    throw new PotluckError('BAD_ARCHIVE', `There is no file at ${path.resolve(props.zip)}. Pass the archive .zip (or the folder that holds potluck.json).`);
  }
  // Named after this process, so that a sweep after a crash knows whose it was (sweepDeadImports).
  const temp = path.join(app.config.dataDir, `${UNPACK_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}`);
  try {
    props.onProgress?.({ step: 'unpack', done: 0, total: 1 });
    await extractArchiveZip(props.zip, temp, { wanted: isImportedEntry, limits: props.limits });
    props.onProgress?.({ step: 'unpack', done: 1, total: 1 });
    return await importArchiveFolder(app, {
      dir: temp,
      label: props.label ?? path.basename(props.zip),
      handle: props.handle,
      dryRun: props.dryRun,
      onProgress: props.onProgress,
      consumeFiles: true,
      origin: props.origin,
    });
  } finally {
    await fsp.rm(temp, { recursive: true, force: true });
  }
}
