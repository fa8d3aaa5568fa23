/**
 * What an uploaded zip may contain before a single byte of it is unpacked: names that stay inside the folder they
 * are unpacked into, plain files and folders only, no name twice, and sizes that cannot fill the disk (zip bombs).
 * Pure, so that the rules and their messages are tested without building zips; server/archive/zipReader.ts applies
 * them to real entries and counts the real inflated bytes as well.
 */

/** The limits an archive zip must stay within. */
export interface ZipLimits {
  /** Most entries (files and folders). A school career of work is a few thousand. */
  maxEntries: number;
  /** Most bytes once unpacked, all entries together. */
  maxTotalBytes: number;
  /** Highest uncompressed : compressed ratio of one entry (text compresses ~10:1, a zip bomb ~1000:1)… */
  maxRatio: number;
  /** …for entries larger than this (small files may compress well and harm nobody). */
  ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 20_000,
  maxTotalBytes: 2 * 1024 ** 3,
  maxRatio: 100,
  ratioFloorBytes: 1024 ** 2,
};

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Windows: FILE_ATTRIBUTE_REPARSE_POINT (symbolic links and junctions). */
const WINDOWS_REPARSE_POINT = 0x400;

/** Why an entry name cannot be unpacked safely, or undefined when it can. */
export function checkEntryName(name: string): string | undefined {
  if (name.includes('\0')) return 'has a NUL character in its name';
  if (name.includes('\\')) return 'uses "\\" in its name (zip names use "/"; a "\\" can step out of the folder on Windows)';
  if (/^[A-Za-z]:/.test(name)) return 'starts with a drive letter (an absolute path)';
  if (name.startsWith('/')) return 'is an absolute path';
  if (name === '') return 'has an empty name';
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.includes('..')) return 'has ".." in its path, which would unpack it outside the archive folder';
  if (parts.some((p) => p === '' || p === '.')) return 'has an empty or "." part in its path';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'has a control character in its name';
  return undefined;
}

/** What an entry is, from its "version made by" and external attributes (Unix mode, or DOS/Windows attributes). */
export function entryType(versionMadeBy: number, externalFileAttributes: number, name: string): 'file' | 'dir' | 'link' | 'special' {
  const system = versionMadeBy >>> 8;
  const mode = externalFileAttributes >>> 16;
  // Unix (3) and macOS (19) keep the mode in the high 16 bits.
  if ((system === 3 || system === 19) && mode !== 0) {
    const type = mode & S_IFMT;
    if (type === S_IFLNK) return 'link';
    if (type === S_IFDIR) return 'dir';
    if (type === S_IFREG || type === 0) return name.endsWith('/') ? 'dir' : 'file';
    return 'special';
  }
  if (externalFileAttributes & WINDOWS_REPARSE_POINT) return 'link';
  return name.endsWith('/') ? 'dir' : 'file';
}

/** Why an entry's declared sizes are refused, or undefined. */
export function checkEntrySizes(uncompressed: number, compressed: number, limits: ZipLimits): string | undefined {
  if (uncompressed > limits.maxTotalBytes) {
    return `says it unpacks to ${formatSize(uncompressed)}, more than the ${formatSize(limits.maxTotalBytes)} an archive may hold`;
  }
  if (uncompressed > limits.ratioFloorBytes && (compressed === 0 || uncompressed / compressed > limits.maxRatio)) {
    const ratio = compressed === 0 ? 'infinitely' : `${Math.round(uncompressed / compressed)} times`;
    return `is compressed ${ratio} (${formatSize(compressed)} unpacking to ${formatSize(uncompressed)}), which only a "zip bomb" does; refused`;
  }
  return undefined;
}

/** "1.5 GB", "300 KB": sizes as people read them. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Math.round((bytes / 1024 ** 3) * 10) / 10} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round((bytes / 1024 ** 2) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

/**
 * The folder inside the zip that holds potluck.json: the top (''), or the one folder everything is in when the
 * archive folder itself was zipped (`maya-archive/potluck.json`). Undefined when there is no potluck.json.
 */
export function archiveRootOf(names: readonly string[]): string | undefined {
  const files = names.filter((n) => !n.endsWith('/') && !n.startsWith('__MACOSX/') && !n.split('/').some((p) => p.startsWith('.')));
  if (files.includes('potluck.json')) return '';
  const tops = new Set(files.map((n) => (n.includes('/') ? n.slice(0, n.indexOf('/') + 1) : n)));
  if (tops.size !== 1) return undefined;
  const [top] = tops;
  return top.endsWith('/') && files.includes(`${top}potluck.json`) ? top : undefined;
}
