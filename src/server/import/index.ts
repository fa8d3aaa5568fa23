/**
 * "Bring it in from anywhere": one entry point for every source the CLI's `potluck import` and the workspace Import
 * page take. The source is made ready (a feed address fetched through safeFetch, a zip checked and unpacked with the
 * archive zip rules, both into a temporary folder inside the data folder), detected (detect.ts), converted by its
 * format's converter into a potluck-archive/1 folder, and handed to the archive importer with its origin: the
 * importer forces everything private, normalises tags, does the dry run and the one transaction. A Potluck archive
 * keeps going through the archive importer's own path. Everything temporary is removed whatever happens.
 */
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { importArchiveFolder, type ImportProgress, type ImportReport } from '../../commands/archiveImporter.ts';
import { importArchiveZip, isImportedEntry } from '../../commands/archiveZipImporter.ts';
import type { ZipLimits } from '../../core/archive/zipRules.ts';
import { formatSize } from '../../core/archive/zipRules.ts';
import { PotluckError } from '../../core/errors.ts';
import type { AppContext } from '../context.ts';
import { extractArchiveZip } from '../archive/zipReader.ts';
import { makePrivateDirAsync, PRIVATE_FILE_MODE } from '../dataFolder.ts';
import { FEED_ACCEPT, safeFetch } from '../net/safeFetch.ts';
import { detectSource, isPotluckZip, isUrl, isZipFile, SOURCE_KIND_NAMES, type SourceKind } from './detect.ts';
import type { Converter, ForeignKind } from './types.ts';

/** Each format's converter, loaded when it is first needed. */
const converters: Record<ForeignKind, () => Promise<Converter>> = {
  wordpress: async () => (await import('./wordpress.ts')).convertWordpress,
  feed: async () => (await import('./feed.ts')).convertFeed,
  leap2a: async () => (await import('./leap2a.ts')).convertLeap2a,
  markdown: async () => (await import('./markdown.ts')).convertMarkdownFolder,
  documents: async () => (await import('./documents.ts')).convertDocuments,
};

/** Largest feed fetched from an address (a feed's full content, many years of it). */
export const MAX_FEED_DOWNLOAD_BYTES = 50 * 1024 * 1024;

/** A step of an import from anywhere: the archive importer's steps, and the ones before it. */
export interface AnywhereProgress {
  step: ImportProgress['step'] | 'download' | 'convert' | 'fetch';
  done: number;
  total: number;
  item?: string;
}

export interface PrepareProps {
  /** A file, a folder, a zip or an http(s):// feed address. */
  source: string;
  /** Overrides detection. */
  format?: SourceKind;
  /** What to call the source in messages; default its file name or address. */
  label?: string;
  /** A private folder (inside the data folder) to download and unpack into; the caller removes it. */
  workDir: string;
  onProgress?: (progress: AnywhereProgress) => void;
  signal?: AbortSignal;
  /** Tighter zip limits (tests). */
  limits?: Partial<ZipLimits>;
}

/** A source made ready to import: what it is and where it is on disk. */
export interface PreparedSource {
  kind: SourceKind;
  /** The file or folder its importer reads. */
  path: string;
  label: string;
  /** Set for a Potluck archive zip, which the archive zip importer takes as it is. */
  potluckZip?: string;
}

/** Fetches a feed address into `dir` (through safeFetch: public addresses only, capped). */
async function download(app: AppContext, url: string, dir: string, signal?: AbortSignal): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PotluckError('VALIDATION', `${url} is not a web address. Give the feed’s address, starting with https://.`);
  }
  signal?.throwIfAborted();
  const result = await safeFetch(parsed, {
    accept: FEED_ACCEPT,
    maxBytes: MAX_FEED_DOWNLOAD_BYTES,
    timeoutMs: 60_000,
    allowPrivateNetworks: app.config.allowPrivateNetworks,
  });
  if (!result.ok) {
    const size = result.reason === 'too-large' ? ` (a feed of at most ${formatSize(MAX_FEED_DOWNLOAD_BYTES)} is imported from an address; download it and import the file)` : '';
    throw new PotluckError('UPSTREAM', `Could not fetch ${url}: ${result.message}${size}. Check the address, or download the feed and import the file.`);
  }
  const json = /json/i.test(result.headers['content-type'] ?? '') || result.body.subarray(0, 64).toString('utf8').trimStart().startsWith('{');
  const file = path.join(dir, json ? 'feed.json' : 'feed.xml');
  await fsp.writeFile(file, result.body, { mode: PRIVATE_FILE_MODE });
  return file;
}

/** Makes a source ready (see the file comment); writes only inside `workDir`. */
export async function prepareSource(app: AppContext, props: PrepareProps): Promise<PreparedSource> {
  const label = props.label ?? (isUrl(props.source) ? props.source : path.basename(props.source));
  await makePrivateDirAsync(props.workDir);
  let source = props.source;
  if (isUrl(source)) {
    if (props.format && props.format !== 'feed' && props.format !== 'wordpress') {
      throw new PotluckError('VALIDATION', `Only a feed is imported from an address; download ${SOURCE_KIND_NAMES[props.format]} and import the file.`);
    }
    props.onProgress?.({ step: 'download', done: 0, total: 1, item: label });
    source = await download(app, source, props.workDir, props.signal);
    props.onProgress?.({ step: 'download', done: 1, total: 1, item: label });
    const detected = await detectSource(source, { format: props.format, label });
    if (detected.kind !== 'feed' && detected.kind !== 'wordpress') {
      throw new PotluckError('BAD_ARCHIVE', `${label} did not answer with a feed (RSS, Atom or JSON Feed). Give the address of the feed itself.`);
    }
    return { ...detected, label };
  }
  const stat = await fsp.stat(source).catch(() => undefined);
  if (!stat) throw new PotluckError('BAD_ARCHIVE', `There is no file at ${path.resolve(source)}. Pass a file, a folder, a .zip or a feed address (https://…).`);
  if (stat.isFile() && (await isZipFile(source))) {
    if ((props.format === undefined || props.format === 'potluck') && (await isPotluckZip(source))) {
      return { kind: 'potluck', path: source, label, potluckZip: source };
    }
    props.onProgress?.({ step: 'unpack', done: 0, total: 1 });
    const unpacked = path.join(props.workDir, 'unpacked');
    const asArchive = props.format === 'potluck';
    await extractArchiveZip(source, unpacked, { limits: props.limits, wanted: asArchive ? isImportedEntry : undefined, anyContent: !asArchive });
    props.onProgress?.({ step: 'unpack', done: 1, total: 1 });
    props.signal?.throwIfAborted();
    return { ...(await detectSource(unpacked, { format: props.format, label })), label };
  }
  return { ...(await detectSource(source, { format: props.format, label })), label };
}

export interface ImportPreparedProps {
  handle: string;
  dryRun?: boolean;
  /** A private folder for the converted archive; removed again whatever happens. */
  outDir: string;
  onProgress?: (progress: AnywhereProgress) => void;
  signal?: AbortSignal;
  limits?: Partial<ZipLimits>;
}

/** Converts a prepared source (unless it is a Potluck archive) and imports it; the source itself is left as it is. */
export async function importPrepared(app: AppContext, prepared: PreparedSource, props: ImportPreparedProps): Promise<ImportReport> {
  const common = { handle: props.handle, dryRun: props.dryRun ?? false, onProgress: props.onProgress, label: prepared.label };
  if (prepared.kind === 'potluck') {
    if (prepared.potluckZip) return importArchiveZip(app, { ...common, zip: prepared.potluckZip, limits: props.limits });
    return importArchiveFolder(app, { ...common, dir: prepared.path });
  }
  const convert = await converters[prepared.kind]();
  try {
    await makePrivateDirAsync(props.outDir);
    props.signal?.throwIfAborted();
    const converted = await convert({
      app,
      source: prepared.path,
      out: props.outDir,
      handle: props.handle,
      label: prepared.label,
      dryRun: common.dryRun,
      onProgress: (p) => props.onProgress?.({ step: p.step, done: p.done, total: p.total, item: p.item }),
      signal: props.signal,
    });
    props.signal?.throwIfAborted();
    return await importArchiveFolder(app, {
      ...common,
      dir: props.outDir,
      consumeFiles: true,
      origin: { kind: converted.kind, platform: converted.platform, warnings: converted.warnings, drafts: converted.drafts },
    });
  } finally {
    await fsp.rm(props.outDir, { recursive: true, force: true });
  }
}

export interface ImportFromAnywhereProps extends Omit<PrepareProps, 'workDir'> {
  handle: string;
  dryRun?: boolean;
}

/** A private temporary folder inside the data folder (where the media folder is, so files move instead of copy). */
export function temporaryFolder(app: AppContext, prefix = '.import-'): string {
  return path.join(app.config.dataDir, `${prefix}${randomBytes(8).toString('hex')}`);
}

/** Imports any supported source into `handle` (see the file comment). */
export async function importFromAnywhere(app: AppContext, props: ImportFromAnywhereProps): Promise<ImportReport> {
  const workDir = temporaryFolder(app);
  try {
    const prepared = await prepareSource(app, { ...props, workDir });
    return await importPrepared(app, prepared, {
      handle: props.handle,
      dryRun: props.dryRun,
      outDir: path.join(workDir, 'archive'),
      onProgress: props.onProgress,
      signal: props.signal,
      limits: props.limits,
    });
  } finally {
    await fsp.rm(workDir, { recursive: true, force: true });
  }
}
