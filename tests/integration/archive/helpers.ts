/** Shared by the archive tests: copies of the demo students to break, and counts of what is stored. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppContext } from '../../../src/server/context.ts';

export const demoDir = path.resolve(import.meta.dirname, '..', '..', '..', 'content', 'demo');

/** A temporary copy of a demo student's archive folder, to change without touching content/demo. */
export function copyStudent(handle: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `potluck-archive-${handle}-`));
  fs.cpSync(path.join(demoDir, 'students', handle), dir, { recursive: true });
  return dir;
}

/** Replaces text in a file of an archive copy; fails loudly when the text is not there (the fixture changed). */
export function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const full = path.join(dir, file);
  const text = fs.readFileSync(full, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${file} does not contain ${String(from)}`);
  fs.writeFileSync(full, next);
}

const tables = ['users', 'artifacts', 'revisions', 'artifact_tags', 'artifact_media', 'media', 'showcases', 'showcase_items', 'syndications', 'hubs', 'hub_members'];

/** Row counts of every table an import or the demo loader writes. */
export function rowCounts(app: AppContext): Record<string, number> {
  return Object.fromEntries(
    tables.map((t) => [t, (app.db.$client.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n]),
  );
}

/** Every file under the media folder (relative paths), to prove a refused import left nothing on disk. */
export function mediaFiles(app: AppContext): string[] {
  const dir = app.config.mediaDir;
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}
