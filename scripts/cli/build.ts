/**
 * Builds the Astro server bundle when it is missing or older than the sources, and the CLI's bundle
 * (scripts/lib/cliBundle.ts) when it is missing or not what its sources would give ("builds what it must").
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freshCliBundle } from '../lib/cliBundle.ts';

const SOURCES = ['src', 'public', 'astro.config.mjs', 'scripts/lib/bundledPackages.mjs', 'package.json'];

function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
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

function buildIfStale(root: string, log: (line: string) => void): string {
  const entry = path.join(root, 'dist', 'server', 'entry.mjs');
  const builtAt = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
  const sourcesAt = Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s))));
  if (builtAt > sourcesAt) return entry;
  log(builtAt ? 'Sources changed since the last build; building the site…' : 'Building the site (first start)…');
  const astro = path.join(root, 'node_modules', 'astro', 'bin', 'astro.mjs');
  const result = spawnSync(process.execPath, [astro, 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('The site did not build; the errors above say why.');
  return entry;
}
