/**
 * Where an archive goes: a folder, a zip file, or a zip streamed to a response (a download). Written entry by entry:
 * files on disk (media) are streamed from disk and the next entry is added only once the previous file has been
 * read, so memory holds one file's buffers at a time whatever the size of the archive. Folders and zip files are
 * written beside their target under a temporary name and renamed at the end, so a failed export leaves nothing
 * behind and never half an archive.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import yazl from 'yazl';
import { PotluckError } from '../../core/errors.ts';
import { swapIntoPlace, temporaryBeside } from '../atomicOutput.ts';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../dataFolder.ts';

/**
 * yazl computes each entry's CRC-32 with buffer-crc32, a JavaScript loop (about 160 MB/s): most of the time of
 * writing a 1 GB archive. Node's zlib.crc32 computes the same value natively, many times faster, so buffer-crc32's
 * `unsigned` (the only function yazl calls) is pointed at it — after checking both agree on the standard test
 * vector and a resumed computation. If anything differs, yazl keeps its own.
 */
function useNativeCrc32(): void {
  try {
    const fromYazl = createRequire(createRequire(import.meta.url).resolve('yazl'));
    const crc = fromYazl('buffer-crc32') as { unsigned: (buffer: Buffer, previous?: number) => number };
    if (typeof zlib.crc32 !== 'function' || (crc.unsigned as { native?: boolean }).native) return;
    const native = Object.assign((buffer: Buffer, previous?: number) => zlib.crc32(buffer, previous ?? 0) >>> 0, { native: true });
    const a = Buffer.from('12345');
    const b = Buffer.from('6789');
    if (native(Buffer.concat([a, b])) !== 0xcbf43926 || native(b, native(a)) !== crc.unsigned(b, crc.unsigned(a))) return;
    crc.unsigned = native;
  } catch {
    // yazl's own CRC-32 stays: slower, equally correct.
  }
}
useNativeCrc32();

/** Where to write an archive. `force` replaces a non-empty folder or an existing file. */
export type ArchiveOutput =
  | { kind: 'zip'; path: string; force?: boolean }
  | { kind: 'dir'; path: string; force?: boolean }
  | { kind: 'stream'; stream: NodeJS.WritableStream };

/** One file of the archive: bytes or text to write, or a file on disk to copy. */
export interface ArchiveEntry {
  /** Relative path inside the archive, '/'-separated. */
  path: string;
  data?: Uint8Array | string;
  source?: string;
}

/** A sink for the entries of one archive. */
export interface ArchiveWriter {
  /** Adds one entry; resolves with its size once its bytes are on their way (a file: read to the end). */
  add(entry: ArchiveEntry): Promise<number>;
  /** Finishes and makes the result visible. */
  commit(): Promise<void>;
  /** Removes whatever was written; never throws. */
  abort(): Promise<void>;
}

/** Read and write in large pieces: fewer calls and less garbage per gigabyte. */
const CHUNK = 64 * 1024;

/**
 * Text smaller than this is stored as it is: each compressed entry costs a zlib stream (a few hundred kilobytes of
 * native memory), and thousands of small revisions would cost more memory than the kilobytes compression saves.
 */
const COMPRESS_FROM = 64 * 1024;

// Pictures, sound, video and office files are compressed already: storing them costs nothing and saves time.
const STORED = /\.(webp|jpe?g|png|gif|avif|mp3|m4a|ogg|mp4|webm|zip|pdf|docx|xlsx|pptx|odt|ods|odp|woff2?)$/i;

/**
 * Refuses a target that would lose something: a non-empty folder or an existing file without `force`, a folder
 * where a zip goes (or the reverse), a missing parent folder. Called before anything is gathered, so it is instant.
 */
export function checkArchiveOutput(out: ArchiveOutput): void {
  if (out.kind === 'stream') return;
  const target = path.resolve(out.path);
  const parent = path.dirname(target);
  if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) {
    throw new PotluckError('VALIDATION', `The folder ${parent} does not exist. Create it first or choose another place for the archive.`);
  }
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return;
  if (out.kind === 'dir') {
    if (!stat.isDirectory()) throw new PotluckError('CONFLICT', `${target} is a file, not a folder. Choose a folder for the archive, or a name ending in .zip.`);
    if (fs.readdirSync(target).length > 0 && !out.force) {
      throw new PotluckError('CONFLICT', `The folder ${target} is not empty, so nothing was written. Choose an empty or new folder, or add --force to replace its contents.`);
    }
  } else {
    if (stat.isDirectory()) throw new PotluckError('CONFLICT', `${target} is a folder. Give a file name ending in .zip.`);
    if (!out.force) throw new PotluckError('CONFLICT', `The file ${target} already exists, so nothing was written. Choose another name, or add --force to replace it.`);
  }
}


/** A writer for an output (checked with checkArchiveOutput first). */
export function createArchiveWriter(out: ArchiveOutput, mtime: Date): ArchiveWriter {
  if (out.kind === 'dir') return dirWriter(path.resolve(out.path));
  if (out.kind === 'zip') {
    const target = path.resolve(out.path);
    const staging = temporaryBeside(target, '.zip');
    // The archive holds private work: only its owner's account may read it, whatever the umask.
    const file = fs.createWriteStream(staging, { highWaterMark: CHUNK, mode: PRIVATE_FILE_MODE });
    return zipWriter(file, mtime, {
      async commit() {
        await fsp.rename(staging, target);
      },
      async abort() {
        file.destroy();
        await fsp.rm(staging, { force: true }).catch(() => {});
      },
    });
  }
  const stream = out.stream as NodeJS.WritableStream & { destroy?: (error?: Error) => void };
  return zipWriter(stream, mtime, {
    async commit() {},
    async abort() {
      stream.destroy?.(new Error('The archive export failed.'));
    },
  });
}

function dirWriter(target: string): ArchiveWriter {
  const staging = temporaryBeside(target);
  const made = new Set<string>();
  const ensure = async (dir: string) => {
    if (made.has(dir)) return;
    await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    made.add(dir);
  };
  const abort = () => fsp.rm(staging, { recursive: true, force: true }).catch(() => {});
  return {
    async add(entry) {
      const destination = path.join(staging, ...entry.path.split('/'));
      await ensure(path.dirname(destination));
      if (entry.source) {
        await fsp.copyFile(entry.source, destination, fs.constants.COPYFILE_FICLONE);
        // A copy takes its source's mode; media stored before modes were set may be readable by others.
        await fsp.chmod(destination, PRIVATE_FILE_MODE);
        return (await fsp.stat(destination)).size;
      }
      await fsp.writeFile(destination, entry.data ?? '', { flag: 'wx', mode: PRIVATE_FILE_MODE });
      return typeof entry.data === 'string' ? Buffer.byteLength(entry.data) : (entry.data?.byteLength ?? 0);
    },
    async commit() {
      await ensure(staging);
      await swapIntoPlace(staging, target);
    },
    abort,
  };
}

function zipWriter(
  destination: NodeJS.WritableStream,
  mtime: Date,
  finish: { commit(): Promise<void>; abort(): Promise<void> },
): ArchiveWriter {
  const zip = new yazl.ZipFile();
  let failure: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    const fail = (error: unknown) => {
      failure ??= error instanceof Error ? error : new Error(String(error));
      reject(failure);
    };
    zip.on('error', fail);
    zip.outputStream.on('error', fail);
    destination.on('error', fail);
    // A download the reader cancelled: stop reading files instead of waiting for a reader that is gone.
    destination.on('close', () => {
      if (!(destination as { writableFinished?: boolean }).writableFinished) fail(new Error('The download was closed before the archive was complete.'));
    });
  });
  failed.catch(() => {});
  zip.outputStream.pipe(destination);
  const written = finished(destination as NodeJS.WritableStream & NodeJS.EventEmitter);
  written.catch(() => {});
  const options = (name: string) => ({ mtime, mode: 0o100644, compress: !STORED.test(name) });
  return {
    async add(entry) {
      if (failure) throw failure;
      if (entry.source) {
        const size = (await fsp.stat(entry.source)).size;
        const stream = fs.createReadStream(entry.source, { highWaterMark: CHUNK });
        zip.addReadStream(stream, entry.path, { ...options(entry.path), size });
        // The next entry waits until this file has been read: a slow reader (a download) holds back the export,
        // not memory.
        await Promise.race([finished(stream), failed]);
        return size;
      }
      const raw = entry.data ?? '';
      const data = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      // Not addBuffer: yazl starts compressing every added buffer at once, and thousands of revisions would each hold
      // a zlib stream (hundreds of kilobytes) until their turn. As a stream, one entry is compressed at a time.
      const stream = Readable.from([data]);
      const small = data.byteLength < COMPRESS_FROM;
      zip.addReadStream(stream, entry.path, { ...options(entry.path), ...(small ? { compress: false } : {}), size: data.byteLength });
      await Promise.race([finished(stream), failed]);
      return data.byteLength;
    },
    async commit() {
      if (failure) throw failure;
      zip.end();
      await Promise.race([written, failed]);
      await finish.commit();
    },
    async abort() {
      zip.outputStream.unpipe(destination);
      await finish.abort();
    },
  };
}
