/**
 * Files an import brings from disk (a site's pictures beside its posts, Micro.blog's uploads/, Leap2A's files/):
 * found from the addresses a piece's body uses, never outside the import's folder, never through a link, never
 * larger than Potluck takes. Every importer that reads files from a folder asks here.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { maxFileBytes } from './fileKinds.ts';
import { markdownTargets, pointMarkdownAt } from './htmlMarkdown.ts';
import { localFileName } from './remoteFiles.ts';
import type { StagedFile } from './stagedArchive.ts';

/** The file an address names, or why it is not one the import may take. */
export type LocalFile = { ok: true; full: string; size: number } | { ok: false; why: 'missing' | 'outside' | 'link' | 'large' | 'folder' };

/** What an address in a piece is relative to. */
export interface LocalFileOptions {
  /** The folder (inside `root`) a relative address starts from; `root` itself when not given. */
  from?: string;
  /** The folders a site path (`/uploads/a.jpg`) is looked for in, in order; `root` when not given. */
  sitePaths?: readonly string[];
  /** Hosts of the old site: an `http(s)` address on one of them names the file at its path. */
  siteHosts?: ReadonlySet<string>;
}

/**
 * The file of `root` that `address` names: a relative address, a site path, or the old site's own address of it.
 * `root` must be a real path (not through a link); every folder on the way and the file itself are checked.
 */
export async function localFile(root: string, address: string, options: LocalFileOptions = {}): Promise<LocalFile> {
  let local = address.trim();
  if (/^https?:\/\//i.test(local)) {
    let host: string;
    try {
      host = new URL(local).host.toLowerCase();
    } catch {
      return { ok: false, why: 'missing' };
    }
    if (!options.siteHosts?.has(host)) return { ok: false, why: 'outside' };
    local = `/${localFileName(local)}`;
  } else if (local === '' || /^[a-z][a-z0-9+.-]*:/i.test(local) || local.startsWith('//') || local.startsWith('#')) {
    return { ok: false, why: 'outside' };
  } else {
    try {
      local = decodeURIComponent(local.split(/[?#]/, 1)[0]);
    } catch {
      return { ok: false, why: 'missing' };
    }
  }
  if (local.includes('\0') || local.includes('\\')) return { ok: false, why: 'missing' };
  const bases = local.startsWith('/') ? (options.sitePaths ?? [root]) : [options.from ?? root];
  let outside = false;
  for (const base of bases) {
    const full = path.resolve(base, `.${local.startsWith('/') ? '' : '/'}${local}`);
    const inside = path.relative(root, full);
    if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
      outside = true;
      continue;
    }
    // Every folder on the way and the file itself must be what they seem: no links anywhere on the path.
    let here = root;
    let linked = false;
    let missing = false;
    for (const part of inside.split(path.sep)) {
      here = path.join(here, part);
      const stat = await fs.lstat(here).catch(() => undefined);
      if (!stat) {
        missing = true;
        break;
      }
      if (stat.isSymbolicLink()) {
        linked = true;
        break;
      }
    }
    if (linked) return { ok: false, why: 'link' };
    if (missing) continue;
    const stat = await fs.lstat(full);
    if (!stat.isFile()) return { ok: false, why: 'folder' };
    if (stat.size > maxFileBytes(full)) return { ok: false, why: 'large' };
    return { ok: true, full, size: stat.size };
  }
  return { ok: false, why: outside ? 'outside' : 'missing' };
}

/** The path of the file of an export folder that `address` names, when it may come along (see `localFile`). */
export async function fileInFolder(folder: string, address: string, siteHosts: ReadonlySet<string> = new Set()): Promise<string | undefined> {
  const root = await fs.realpath(folder);
  const found = await localFile(root, address, { siteHosts });
  // Named under the folder as the caller gave it, so that paths relative to it stay right.
  return found.ok ? path.join(path.resolve(folder), path.relative(root, found.full)) : undefined;
}

/**
 * Brings along the files of an export folder that a converted body shows (and the `extra` addresses, such as a
 * cover): each is staged under its path in the folder and the body points at it. Addresses that are not the
 * folder's are left as they are; `names` says what each brought address became.
 */
export async function bringFromFolder(
  folder: string,
  body: string,
  options: { siteHosts?: ReadonlySet<string>; extra?: readonly string[] } = {},
): Promise<{ body: string; files: StagedFile[]; names: Map<string, string> }> {
  const files: StagedFile[] = [];
  const names = new Map<string, string>();
  let out = body;
  for (const address of new Set([...markdownTargets(body).map((t) => t.url), ...(options.extra ?? [])])) {
    const local = await fileInFolder(folder, address, options.siteHosts);
    if (!local) continue;
    const relative = path.relative(folder, local).split(path.sep).join('/');
    files.push({ name: relative, from: local });
    names.set(address, relative);
    out = pointMarkdownAt(out, address, relative);
  }
  return { body: out, files, names };
}
