/**
 * Files an export brings with it (Micro.blog's uploads/, Leap2A's files/): found from the addresses a piece's
 * body uses, never outside the export's folder.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { localFileName } from './remoteFiles.ts';

/**
 * The file of an export folder that `address` (from a piece's body) names, when it is inside the folder, is a
 * regular file (not a link) and exists: a relative address, a site path (`/uploads/a.jpg`), or the old site's own
 * address of it (a host in `siteHosts`). Anything else is not the folder's.
 */
export async function fileInFolder(folder: string, address: string, siteHosts: Set<string>): Promise<string | undefined> {
  let relative: string;
  if (/^https?:\/\//i.test(address)) {
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      return undefined;
    }
    if (!siteHosts.has(url.host.toLowerCase())) return undefined;
    relative = localFileName(address);
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(address) || address.startsWith('//') || address.startsWith('#')) {
    return undefined;
  } else {
    try {
      relative = decodeURIComponent(address.split(/[?#]/, 1)[0]).replace(/^\/+/, '');
    } catch {
      return undefined;
    }
  }
  const root = path.resolve(folder);
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep)) return undefined;
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat?.isFile()) return undefined;
  // A folder on the way that is a link to elsewhere does not make its files the export's.
  const [realRoot, realFile] = await Promise.all([fs.realpath(root), fs.realpath(file)]);
  return realFile.startsWith(realRoot + path.sep) ? file : undefined;
}
