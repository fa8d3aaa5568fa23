/**
 * Where a static site goes: a folder, a zip file, or a zip streamed to a response. Folders and zip files are
 * written beside their target under a temporary name and renamed into place at the end, so a failed export leaves
 * the target as it was and a half-written site is never visible.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';
import { PotluckError } from '../../core/errors.ts';
import { swapIntoPlace, temporaryBeside } from '../atomicOutput.ts';
import type { SiteFile } from './crawler.ts';

/** Where to write a site. `list` writes nothing (dry run: the listing is the result). */
export type SiteOutput =
  | { kind: 'dir'; path: string; force?: boolean }
  | { kind: 'zip'; path: string; force?: boolean }
  | { kind: 'stream'; stream: NodeJS.WritableStream }
  | { kind: 'list' };

/** A sink for the files of one export. */
export interface SiteWriter {
  write(file: SiteFile): Promise<void>;
  /** Makes a folder (relative, '/'-separated) ahead of the files that go in it, where the output has folders. */
  prepare(folder: string): Promise<void>;
  /** Makes the result visible (rename into place, finish the zip). */
  commit(): Promise<void>;
  /** Removes whatever was written; never throws. */
  abort(): Promise<void>;
}

function isEmptyDir(target: string): boolean {
  return fs.readdirSync(target).length === 0;
}

/**
 * Refuses a target that would lose something: a non-empty folder or an existing file without `force`, a file where
 * a folder goes, a missing parent folder. Called before any rendering, so a refusal is instant.
 */
export function checkOutput(output: SiteOutput): void {
  if (output.kind !== 'dir' && output.kind !== 'zip') return;
  const target = path.resolve(output.path);
  const parent = path.dirname(target);
  if (!fs.statSync(parent, { throwIfNoEntry: false })?.isDirectory()) {
    throw new PotluckError('VALIDATION', `The folder ${parent} does not exist. Create it first or choose another place.`);
  }
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) return;
  if (output.kind === 'dir') {
    if (!stat.isDirectory()) throw new PotluckError('CONFLICT', `${target} is a file, not a folder. Choose a folder for the site.`);
    if (!isEmptyDir(target) && !output.force) {
      throw new PotluckError(
        'CONFLICT',
        `The folder ${target} is not empty, so nothing was written. Choose an empty or new folder, or add --force to replace its contents.`,
      );
    }
  } else {
    if (stat.isDirectory()) throw new PotluckError('CONFLICT', `${target} is a folder. Give a file name ending in .zip.`);
    if (!output.force) {
      throw new PotluckError('CONFLICT', `The file ${target} already exists, so nothing was written. Choose another name, or add --force to replace it.`);
    }
  }
}

/** A writer for an output. */
export function createWriter(output: SiteOutput, mtime: Date): SiteWriter {
  switch (output.kind) {
    case 'dir':
      return dirWriter(path.resolve(output.path), output.force === true);
    case 'zip':
      return zipFileWriter(path.resolve(output.path), mtime);
    case 'stream':
      return zipStreamWriter(output.stream, mtime);
    case 'list':
      return { write: async () => {}, prepare: async () => {}, commit: async () => {}, abort: async () => {} };
  }
}


/** Ignores the error of making a folder that is already there (a writer racing another into the same folder). */
function existing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EEXIST') throw error;
}

function dirWriter(target: string, force: boolean): SiteWriter {
  const staging = temporaryBeside(target);
  // Writes run in parallel: each folder is made once, and the staging folder before anything else.
  let started: Promise<unknown> | undefined;
  const start = () => (started ??= fsp.mkdir(staging));
  const folders = new Map<string, Promise<unknown>>();
  const inside = staging + path.sep;
  // Each folder is made once, after its parent, with one mkdir. A recursive mkdir per folder would not be: the
  // 200 `media/<id>/` folders of a portfolio are asked for at once, each finds `media/` missing and tries to make it,
  // three system calls per folder where one does (each new name costs about half a millisecond on a slow disk).
  const ensureDir = (dir: string): Promise<unknown> => {
    if (dir === staging) return start();
    let made = folders.get(dir);
    if (!made) {
      made = dir.startsWith(inside)
        ? ensureDir(path.dirname(dir)).then(() => fsp.mkdir(dir).catch(existing))
        : start().then(() => fsp.mkdir(dir, { recursive: true }));
      folders.set(dir, made);
    }
    return made;
  };
  // Writes still in flight when an export fails would make folders again after the staging folder is removed: abort
  // stops new ones, waits for those running, and only then removes it.
  const running = new Set<Promise<unknown>>();
  let aborted = false;
  const track = (work: () => Promise<void>): Promise<void> => {
    if (aborted) {
      // Work handed in after a failure (the crawler still announcing folders) is refused; a caller that no longer
      // waits for it must not leave an unhandled rejection behind.
      const refused = Promise.reject(new Error('The export was stopped.'));
      refused.catch(() => {});
      return refused;
    }
    const task = work();
    running.add(task);
    void task.finally(() => running.delete(task)).catch(() => {});
    return task;
  };
  const abort = async () => {
    aborted = true;
    await Promise.allSettled([...running]);
    await fsp.rm(staging, { recursive: true, force: true }).catch(() => {});
  };
  return {
    write: (file) =>
      track(async () => {
        const destination = path.join(staging, ...file.path.split('/'));
        await ensureDir(path.dirname(destination));
        if (file.source) await fsp.copyFile(file.source, destination, fs.constants.COPYFILE_FICLONE);
        else await fsp.writeFile(destination, file.data!);
      }),
    prepare: (folder) =>
      track(async () => {
        await ensureDir(path.join(staging, ...folder.split('/')));
      }),
    async commit() {
      await start();
      // Checked again at the end: something may have appeared in the folder while the site rendered.
      if (fs.statSync(target, { throwIfNoEntry: false }) && !isEmptyDir(target) && !force) {
        await abort();
        checkOutput({ kind: 'dir', path: target });
      }
      await swapIntoPlace(staging, target);
    },
    abort,
  };
}

// Pictures are already compressed: storing them saves time and loses nothing.
const STORED = /\.(webp|jpe?g|png|gif|avif|mp3|m4a|ogg|mp4|webm|zip|pdf|docx|xlsx|pptx|odt|ods|odp|woff2?)$/i;

function addToZip(zip: yazl.ZipFile, file: SiteFile, mtime: Date): void {
  const options = { mtime, mode: 0o100644, compress: !STORED.test(file.path) };
  if (file.source) zip.addFile(file.source, file.path, options);
  else zip.addBuffer(file.data!, file.path, options);
}

function zipFileWriter(target: string, mtime: Date): SiteWriter {
  const staging = temporaryBeside(target, '.zip');
  const zip = new yazl.ZipFile();
  const out = fs.createWriteStream(staging);
  // A file that cannot be read (removed while the site was exported) fails the export instead of the process.
  zip.on('error', (error: Error) => out.destroy(error));
  zip.outputStream.pipe(out);
  const written = finished(out);
  written.catch(() => {});
  return {
    async write(file) {
      addToZip(zip, file, mtime);
    },
    prepare: async () => {},
    async commit() {
      zip.end();
      await written;
      await fsp.rename(staging, target);
    },
    async abort() {
      zip.outputStream.unpipe(out);
      // Wait for the file to be closed (it may still be opening), or it could reappear after the removal.
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()).destroy());
      await fsp.rm(staging, { force: true }).catch(() => {});
    },
  };
}

function zipStreamWriter(stream: NodeJS.WritableStream, mtime: Date): SiteWriter {
  const zip = new yazl.ZipFile();
  const destroy = (error: Error) => (stream as NodeJS.WritableStream & { destroy?: (e?: Error) => void }).destroy?.(error);
  zip.on('error', destroy);
  zip.outputStream.pipe(stream);
  return {
    async write(file) {
      addToZip(zip, file, mtime);
    },
    prepare: async () => {},
    async commit() {
      zip.end();
      // A reader that goes away (a cancelled download) ends the export instead of leaving it waiting forever.
      const gone = finished(stream as NodeJS.WritableStream, { readable: false }).then(() => {});
      await Promise.race([finished(zip.outputStream), gone]);
    },
    async abort() {
      zip.outputStream.unpipe(stream as NodeJS.WritableStream);
      destroy(new Error('The site export failed.'));
    },
  };
}
