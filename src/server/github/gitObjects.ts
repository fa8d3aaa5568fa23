/**
 * Git object names, computed the way `git hash-object` does (SHA-1 of `blob <size>\0` followed by the bytes), so the
 * publisher can tell which files GitHub already has without asking for them, and the files of a folder as a list.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The git blob SHA of some bytes. */
export function gitBlobSha(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}

/** The git blob SHA of a file, read as a stream (attachments can be large). */
export async function gitBlobShaOfFile(file: string): Promise<{ sha: string; bytes: number }> {
  const { size } = await fs.promises.stat(file);
  const hash = createHash('sha1').update(`blob ${size}\0`);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return { sha: hash.digest('hex'), bytes: size };
}

/** A file of a folder: its '/'-separated path inside the folder and its size. */
export interface FolderFile {
  path: string;
  bytes: number;
}

/** Every file under `dir` (symlinks and other special files are not followed), sorted by path. */
export function listFolder(dir: string): FolderFile[] {
  const out: FolderFile[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push({ path: child, bytes: fs.statSync(path.join(dir, child)).size });
    }
  };
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
