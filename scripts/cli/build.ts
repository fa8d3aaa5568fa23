/**
 * Builds the Astro server bundle when it is missing or not what its sources would give, and the CLI's bundle
 * (scripts/lib/cliBundle.ts) when it is missing or not what its sources would give ("builds what it must").
 *
 * What a build was made from is written beside it (dist/server/.sources.json): every file and folder under the
 * sources with its size and modification time, as they were when the build started. A start compares those with
 * one `stat` each instead of reading every folder again; a changed, added (its folder's time changes), removed or
 * older file means a new build. A build made without this (`astro build` by hand) has no such list: then the
 * newest source time decides, as before, and the list is written for the next start.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freshCliBundle, unchangedFiles } from '../lib/cliBundle.ts';

const SOURCES = ['src', 'public', 'astro.config.mjs', 'scripts/lib/bundledPackages.mjs', 'package.json'];
const SOURCES_FILE = path.join('dist', 'server', '.sources.json');

/** [path from the root, size in bytes (-1 for a folder), modification time in ms]. */
type SourceEntry = [string, number, number];

/** Every file and folder of the sources as they are now. */
function sourceSnapshot(root: string): SourceEntry[] {
  const entries: SourceEntry[] = [];
  const visit = (rel: string) => {
    const stat = fs.statSync(path.join(root, rel), { throwIfNoEntry: false });
    if (!stat) return;
    if (!stat.isDirectory()) {
      entries.push([rel, stat.size, stat.mtimeMs]);
      return;
    }
    entries.push([rel, -1, stat.mtimeMs]);
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) visit(`${rel}/${name}`);
  };
  for (const source of SOURCES) visit(source);
  return entries;
}

function readSourcesFile(root: string): SourceEntry[] | null {
  try {
    const entries = JSON.parse(fs.readFileSync(path.join(root, SOURCES_FILE), 'utf8')) as unknown;
    return Array.isArray(entries) && entries.length > 0 ? (entries as SourceEntry[]) : null;
  } catch {
    return null;
  }
}

function writeSourcesFile(root: string, entries: SourceEntry[]): void {
  const file = path.join(root, SOURCES_FILE);
  const temp = `${file}.${process.pid}`;
  fs.writeFileSync(temp, JSON.stringify(entries));
  fs.renameSync(temp, file);
}

/** Runs `astro build` in `root`. */
function astroBuild(root: string): void {
  const astro = path.join(root, 'node_modules', 'astro', 'bin', 'astro.mjs');
  const result = spawnSync(process.execPath, [astro, 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('The site did not build; the errors above say why.');
}

/** The server entry of the build in `root`, building first if any source is newer. */
export function ensureServerBuild(root: string, log: (line: string) => void): string {
  // Two processes starting at once (parallel test runs, two terminals) must not build into dist/ together.
  const lock = path.join(root, '.astro-build.lock');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000 || Date.now() > deadline) fs.rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    const entry = buildIfStale(root, log);
    if (!freshCliBundle(root)) {
      // esbuild's plugins need its asynchronous API, so the bundle builds in a process of its own (under a second).
      const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'lib', 'cliBundle.ts')], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (result.status !== 0) throw new Error('The command-line bundle did not build; the errors above say why.');
      if (result.stdout.trim()) log(result.stdout.trim());
    }
    return entry;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** The site's server entry, built first unless the build on disk is what its sources give (`build` does it). */
export function buildIfStale(root: string, log: (line: string) => void, build: (root: string) => void = astroBuild): string {
  const entry = path.join(root, 'dist', 'server', 'entry.mjs');
  const builtAt = fs.statSync(entry, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const recorded = builtAt ? readSourcesFile(root) : null;
  if (recorded && unchangedFiles(root, recorded)) return entry;
  // Taken before the build, so that a file changed while it runs makes the next start build again.
  const sources = sourceSnapshot(root);
  if (!recorded && builtAt > Math.max(...sources.map(([, , mtimeMs]) => mtimeMs))) {
    writeSourcesFile(root, sources);
    return entry;
  }
  log(builtAt ? 'Sources changed since the last build; building the site…' : 'Building the site (first start)…');
  build(root);
  writeSourcesFile(root, sources);
  return entry;
}
