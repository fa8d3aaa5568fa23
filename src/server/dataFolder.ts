/**
 * The data folder holds minors' work, password hashes and the key that seals GitHub tokens, so nobody but the
 * account that runs Potluck may read it: folders are made 0700 and files 0600 where Potluck creates them (explicit
 * modes, so a permissive umask such as 0002 cannot open them up), and start-up warns about a folder that others can
 * read, naming the command that fixes it.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** Folders of the data folder (and of archive exports): only the owner may list or enter them. */
export const PRIVATE_DIR_MODE = 0o700;
/** Files of the data folder (and of archive exports): only the owner may read or write them. */
export const PRIVATE_FILE_MODE = 0o600;

/** Makes a folder (and its missing parents) that only the owner may open; an existing folder is left as it is. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** `makePrivateDir`, without blocking. */
export async function makePrivateDirAsync(dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Moves a file or folder to `to`: a rename, or a copy and a removal when `to` is on another volume (a shared media
 * volume mounted beside the data folder), where a rename cannot go.
 */
export async function moveAcrossVolumes(from: string, to: string): Promise<void> {
  try {
    await fsp.rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await fsp.cp(from, to, { recursive: true, errorOnExist: true, force: false });
    await fsp.rm(from, { recursive: true, force: true });
  }
}

/**
 * Creates `file` empty with mode 0600 when it does not exist yet (an existing file keeps its mode). SQLite gives the
 * write-ahead log and shared-memory files the mode of the database file, so this covers them too.
 */
export function touchPrivateFile(file: string): void {
  if (fs.existsSync(file)) return;
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, PRIVATE_FILE_MODE));
  } catch (error) {
    // Another process created it first: it made it the same way.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** An entry of the data folder that others may read or enter, with its mode. */
export interface OpenEntry {
  path: string;
  mode: number;
}

/**
 * The data folder and its direct entries that the group or others may reach (any of the `go` bits). Only one level
 * is looked at, so start-up stays instant with any number of media files; those inherit the folders' protection.
 */
export function openEntriesOf(dataDir: string): OpenEntry[] {
  const found: OpenEntry[] = [];
  const check = (p: string) => {
    const stat = fs.lstatSync(p, { throwIfNoEntry: false });
    if (stat && !stat.isSymbolicLink() && (stat.mode & 0o077) !== 0) found.push({ path: p, mode: stat.mode & 0o777 });
  };
  if (!fs.existsSync(dataDir)) return found;
  check(dataDir);
  for (const name of fs.readdirSync(dataDir)) check(path.join(dataDir, name));
  return found;
}

/** The start-up warning for a data folder others can read, or null when it is private. */
export function dataFolderWarning(dataDir: string): string | null {
  const open = openEntriesOf(dataDir);
  if (!open.length) return null;
  const named = open
    .slice(0, 3)
    .map((e) => `${path.relative(dataDir, e.path) || '.'} (${e.mode.toString(8).padStart(4, '0')})`)
    .join(', ');
  return (
    `Warning: other users of this computer can read Potluck's data folder ${dataDir}: ${named}${open.length > 3 ? ', …' : ''}. ` +
    `It holds students' work and password hashes. Make it private with: chmod -R go-rwx ${shellQuote(dataDir)}`
  );
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
