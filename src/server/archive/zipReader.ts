/**
 * Unpacking an uploaded archive zip, safely. Two passes with yauzl:
 *
 * 1. Every entry of the central directory is checked before anything is written (core/archive/zipRules.ts): names
 *    (no `..`, absolute paths, drive letters, backslashes, NUL), types (no symbolic or hard links, devices), no name
 *    twice (also as macOS and Windows see names: case-folded, normalised), how many, how large in total and how
 *    well compressed (zip bombs), no encryption, only stored or deflated data. Any problem: refused, nothing written.
 * 2. The entries Potluck imports are inflated into a fresh folder, counting the real bytes as they stream: an entry
 *    that inflates to more than its header said, or a total past the limit, stops the unpacking (a lying header);
 *    one shorter than said, or whose CRC-32 does not match, is damaged. The folder is removed on any failure.
 *
 * Names are decoded without yauzl's leniency (which turns "\" into "/"), so what is checked is what the zip says.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { foldedName } from '../../core/archive/names.ts';
import {
  DEFAULT_ZIP_LIMITS,
  archiveRootOf,
  checkEntryName,
  checkEntrySizes,
  entryType,
  formatSize,
  type ZipLimits,
} from '../../core/archive/zipRules.ts';
import { PotluckError, type FieldIssue } from '../../core/errors.ts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../dataFolder.ts';

export interface ExtractOptions {
  limits?: Partial<ZipLimits>;
  /** Which entries (paths relative to the archive root) to unpack; the rest are checked but not written. */
  wanted?: (path: string) => boolean;
  /** Unpack a zip of anything (another platform's export): no potluck.json needed, every entry kept where it is. */
  anyContent?: boolean;
}

export interface ExtractResult {
  /** Files written. */
  files: number;
  /** Bytes written. */
  bytes: number;
}

/** Shown to the student: what was wrong, and that nothing was imported. */
function refusal(issues: FieldIssue[], what = 'This zip'): PotluckError {
  const shown = issues.slice(0, 20).map((i) => `  - ${i.field}: ${i.message}`);
  if (issues.length > 20) shown.push(`  - … and ${issues.length - 20} more`);
  return new PotluckError(
    'BAD_ARCHIVE',
    `${what} cannot be imported safely, so nothing was imported:\n${shown.join('\n')}\nMake the archive again with "Export everything" (or zip the archive folder itself) and try again.`,
    { issues },
  );
}

function decodeName(entry: yauzl.Entry): string {
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
}

/** Counts inflated bytes (and their CRC-32) and stops the stream past a limit, whatever the headers claim. */
class ByteLimit extends Transform {
  count = 0;
  crc = 0;
  private readonly limit: number;
  private readonly onOver: () => Error;
  constructor(limit: number, onOver: () => Error) {
    super();
    this.limit = limit;
    this.onOver = onOver;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.limit) return callback(this.onOver());
    this.crc = zlib.crc32(chunk, this.crc);
    callback(null, chunk);
  }
}

/**
 * Checks every entry of `zipPath`, then unpacks the wanted ones into `dest` (which must not exist yet; it is created,
 * and removed again on failure). Throws BAD_ARCHIVE listing every problem found in the first pass.
 */
export async function extractArchiveZip(zipPath: string, dest: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const limits: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...options.limits };
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { decodeStrings: false, validateEntrySizes: true, autoClose: false, strictFileNames: true });
  } catch (error) {
    throw new PotluckError(
      'BAD_ARCHIVE',
      `This file is not a zip archive, or it is damaged (${(error as Error).message}). Choose the .zip file that "Export everything" made.`,
      { cause: error },
    );
  }
  try {
    // Pass 1: the central directory only.
    const issues: FieldIssue[] = [];
    const entries: { entry: yauzl.Entry; name: string; type: 'file' | 'dir' }[] = [];
    const seen = new Map<string, string>();
    let declaredTotal = 0;
    let count = 0;
    for await (const entry of zip.eachEntry()) {
      count++;
      if (count > limits.maxEntries) {
        issues.push({
          field: 'the zip',
          message: `has more than ${limits.maxEntries.toLocaleString('en')} files and folders; an archive has far fewer. Split it, or check it is the right file.`,
        });
        break;
      }
      const name = decodeName(entry);
      const shown = JSON.stringify(name.replace(/\0/g, '\\0'));
      const nameProblem = checkEntryName(name);
      if (nameProblem) {
        issues.push({ field: shown, message: nameProblem });
        continue;
      }
      const type = entryType(entry.versionMadeBy, entry.externalFileAttributes, name);
      if (type === 'link') {
        issues.push({ field: shown, message: 'is a link (symbolic or hard), which could point anywhere on this computer; an archive holds only files and folders' });
        continue;
      }
      if (type === 'special') {
        issues.push({ field: shown, message: 'is not a file or a folder (a device, pipe or socket)' });
        continue;
      }
      if (entry.isEncrypted()) issues.push({ field: shown, message: 'is encrypted; export the archive again without a password' });
      else if (type === 'file' && entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        issues.push({ field: shown, message: `uses a compression method Potluck does not read (${entry.compressionMethod}); zip it again with standard settings` });
      }
      const key = foldedName(name.replace(/\/$/, ''));
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        issues.push({
          field: shown,
          message: earlier === name ? 'appears twice in the zip' : `has the same name as ${JSON.stringify(earlier)} on Windows and macOS (only the case or accents differ)`,
        });
        continue;
      }
      seen.set(key, name);
      if (type === 'file') {
        const sizeProblem = checkEntrySizes(entry.uncompressedSize, entry.compressedSize, limits);
        if (sizeProblem) issues.push({ field: shown, message: sizeProblem });
        declaredTotal += entry.uncompressedSize;
      }
      entries.push({ entry, name, type });
    }
    // A file and a folder of the same name (`a` and `a/b`) cannot both be unpacked.
    const folders = new Set<string>();
    for (const { name } of entries) {
      const parts = name.replace(/\/$/, '').split('/');
      for (let i = 1; i < parts.length; i++) folders.add(foldedName(parts.slice(0, i).join('/')));
    }
    for (const { name, type } of entries) {
      if (type === 'file' && folders.has(foldedName(name))) issues.push({ field: JSON.stringify(name), message: 'is both a file and a folder in the zip' });
    }
    if (declaredTotal > limits.maxTotalBytes) {
      issues.push({
        field: 'the zip',
        message: `says it unpacks to ${formatSize(declaredTotal)}, more than the ${formatSize(limits.maxTotalBytes)} an archive may hold`,
      });
    }
    if (issues.length) throw refusal(issues);
    const root = options.anyContent ? '' : archiveRootOf(entries.map((e) => e.name));
    if (root === undefined) {
      throw refusal([{ field: 'potluck.json', message: 'is missing: a Potluck archive has potluck.json at its top. Is this the zip that "Export everything" made?' }], 'This zip');
    }

    // Pass 2: unpack what is wanted, counting the real bytes and checking each CRC-32. The data of each entry is
    // read straight from the zip in large pieces (yauzl finds where it starts), a few entries at a time.
    await fsp.mkdir(dest, { mode: PRIVATE_DIR_MODE });
    const jobs = entries.filter(({ name, type }) => {
      if (type !== 'file' || !name.startsWith(root)) return false;
      return !options.wanted || options.wanted(name.slice(root.length));
    });
    const made = new Set<string>();
    let files = 0;
    let total = 0;
    let next = 0;
    let failure: unknown;
    const unpackOne = async ({ entry, name }: (typeof jobs)[number]) => {
      const relative = name.slice(root.length);
      const target = path.join(dest, ...relative.split('/'));
      // Checked again on the real path: nothing lands outside dest, whatever the name rules missed.
      const inside = path.relative(dest, target);
      if (inside.startsWith('..') || path.isAbsolute(inside)) {
        throw refusal([{ field: JSON.stringify(name), message: 'would unpack outside the archive folder' }]);
      }
      const dir = path.dirname(target);
      if (!made.has(dir)) {
        await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
        made.add(dir);
      }
      const damaged = (why: string, cause?: unknown) =>
        new PotluckError('BAD_ARCHIVE', `"${name}" ${why}, so nothing was imported. Make the archive again and retry.`, {
          issues: [{ field: JSON.stringify(name), message: why }],
          cause,
        });
      // Whatever the header claims, never more than it claims, and never past what is left of the total allowance.
      const limit = Math.min(entry.uncompressedSize, limits.maxTotalBytes - total);
      const counter = new ByteLimit(limit, () => damaged('unpacks to more bytes than its header says'));
      const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
      const stages: NodeJS.ReadWriteStream[] = entry.compressionMethod === 8 ? [zlib.createInflateRaw(), counter] : [counter];
      try {
        if (entry.compressedSize === 0) {
          // An empty file stored as it is (a `.nojekyll`): there is no data to read, and no range to read it from.
          await fsp.writeFile(target, '', { flag: 'wx', mode: PRIVATE_FILE_MODE });
        } else {
          const raw = fs.createReadStream(zipPath, {
            start: fileDataStart,
            end: fileDataStart + entry.compressedSize - 1,
            highWaterMark: 1024 * 1024,
          });
          await pipeline(raw, ...(stages as [NodeJS.ReadWriteStream]), fs.createWriteStream(target, { flags: 'wx', mode: PRIVATE_FILE_MODE, highWaterMark: 1024 * 1024 }));
        }
      } catch (error) {
        if (error instanceof PotluckError) throw error;
        if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw damaged('is damaged (its compressed data does not inflate)', error);
        throw error;
      }
      if (counter.count !== entry.uncompressedSize) throw damaged('is shorter than its header says (damaged or forged)');
      if (counter.crc >>> 0 !== entry.crc32 >>> 0) throw damaged('is damaged (its checksum does not match)');
      total += counter.count;
      files++;
    };
    const worker = async () => {
      while (failure === undefined && next < jobs.length) {
        const job = jobs[next++];
        try {
          await unpackOne(job);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, jobs.length) }, worker));
    if (failure !== undefined) {
      await fsp.rm(dest, { recursive: true, force: true });
      throw failure;
    }
    return { files, bytes: total };
  } finally {
    zip.close();
  }
}
