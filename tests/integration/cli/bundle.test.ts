// The installed command runs the CLI's bundle (scripts/lib/cliBundle.ts) while it is exactly what the sources give,
// and the sources otherwise. Here the real command runs as a shell would run it, once through the bundle and once
// through the sources, with a hook that lists every module the process loaded.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliBundle, checkedEntries, cliBundleDir, freshCliBundle } from '../../../scripts/lib/cliBundle.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const entry = path.join(root, 'scripts', 'potluck.mjs');
const trace = path.join(root, 'tests', 'helpers', 'moduleTrace.mjs');
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bundle-'));
  if (!freshCliBundle(root)) await buildCliBundle(root);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = { ...process.env };
  delete clean.POTLUCK_CLI_BUNDLE;
  return { ...clean, TZ: 'UTC', ...extra };
}

/** Runs the command; returns its result and the project-relative paths (or `node:` names) of the modules it loaded. */
function run(args: string[], extra: Record<string, string>) {
  const file = path.join(tmp, `trace-${Math.random().toString(36).slice(2)}`);
  const result = spawnSync(process.execPath, ['--import', trace, entry, ...args], {
    cwd: root,
    env: env({ ...extra, MODULE_TRACE_FILE: file }),
    encoding: 'utf8',
  });
  return { ...result, modules: loadedModules(file) };
}

function loadedModules(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((url) => (url.startsWith('file:') ? path.relative(root, new URL(url).pathname) : url));
}

describe('the command-line bundle', () => {
  it('is built from the sources and is fresh while they are unchanged', () => {
    const bundle = freshCliBundle(root);
    expect(bundle).toBe(path.join(cliBundleDir(root), 'potluck.mjs'));
    const manifest = JSON.parse(fs.readFileSync(path.join(cliBundleDir(root), 'manifest.json'), 'utf8')) as { inputs: [string][] };
    const inputs = manifest.inputs.map(([file]) => file);
    // Its own sources, the packages it bundles, and what decides how they resolve.
    expect(inputs).toEqual(expect.arrayContaining(['scripts/potluck.ts', 'scripts/cli/user-list.ts', 'src/server/db/index.ts', 'package-lock.json']));
    expect(inputs.some((f) => f.startsWith('node_modules/drizzle-orm/'))).toBe(true);
    expect(inputs.some((f) => f.startsWith('node_modules/zod/'))).toBe(true);
    // Packages with native code stay outside.
    expect(inputs.some((f) => f.startsWith('node_modules/better-sqlite3/'))).toBe(false);
  });

  it('runs a command from a handful of files, with the same output as the sources', () => {
    const dataDir = path.join(tmp, 'list-data');
    const add = run(['user', 'add', '--handle', 'rosa', '--name', 'Rosa Parks', '--role', 'teacher'], {
      POTLUCK_DATA: dataDir,
    });
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    const bundled = run(['user', 'list', '--json'], { POTLUCK_DATA: dataDir });
    const sources = run(['user', 'list', '--json'], { POTLUCK_DATA: dataDir, POTLUCK_CLI_BUNDLE: 'off' });
    expect(bundled.status).toBe(0);
    expect(JSON.parse(bundled.stdout)).toEqual([expect.objectContaining({ handle: 'rosa', role: 'teacher', name: 'Rosa Parks' })]);
    expect(bundled.stdout).toBe(sources.stdout);

    expect(bundled.modules).toContain('dist/cli/potluck.mjs');
    expect(bundled.modules.filter((m) => m.startsWith('src/') || m.startsWith('scripts/cli/'))).toEqual([]);
    expect(bundled.modules.filter((m) => /node_modules\/(zod|drizzle-orm)\//.test(m))).toEqual([]);
    expect(sources.modules).toContain('scripts/cli/user-list.ts');
    expect(sources.modules.some((m) => m.startsWith('node_modules/drizzle-orm/'))).toBe(true);
    // About 40 files instead of about 250.
    expect(bundled.modules.length).toBeLessThan(sources.modules.length / 3);
  });

  it('usage errors and exit codes are the same from the bundle', () => {
    const bundled = run(['user', 'list', '--role', 'pirate'], { POTLUCK_DATA: path.join(tmp, 'usage-data') });
    const sources = run(['user', 'list', '--role', 'pirate'], { POTLUCK_DATA: path.join(tmp, 'usage-data'), POTLUCK_CLI_BUNDLE: 'off' });
    expect(bundled.status).toBe(2);
    expect(bundled.stderr).toContain('"pirate" is not a role');
    expect(bundled.stderr).toBe(sources.stderr);
    expect(bundled.modules).toContain('dist/cli/potluck.mjs');
  });

  it('serves the site, exports a static site and an archive, finding its workers, migrations and pages from the bundle', async () => {
    const dataDir = path.join(tmp, 'serve-data');
    const file = path.join(tmp, 'trace-serve');
    const child = spawn(process.execPath, ['--import', trace, entry, 'serve'], {
      cwd: root,
      env: env({ POTLUCK_DATA: dataDir, PORT: '0', HOST: '127.0.0.1', MODULE_TRACE_FILE: file }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), 60_000);
        child.stdout.on('data', (c: Buffer) => {
          output += c.toString();
          const match = output.match(/running at (http:\/\/[^/\s]+)\//);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
      });
      expect(output).toContain('Loaded the demo school');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const page = await fetch(`${url}/@maya/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('maya');

      const siteDir = path.join(tmp, 'maya-site');
      const site = run(['site', '--handle', 'maya', '--out', siteDir], { POTLUCK_DATA: dataDir });
      expect(site.stderr).toBe('');
      expect(site.status).toBe(0);
      expect(fs.existsSync(path.join(siteDir, 'index.html'))).toBe(true);
      expect(fs.existsSync(path.join(siteDir, 'feed.json'))).toBe(true);
      expect(site.modules).toContain('dist/cli/potluck.mjs');

      const zip = path.join(tmp, 'maya.zip');
      const archive = run(['export', '--handle', 'maya', '--out', zip], { POTLUCK_DATA: dataDir });
      expect(archive.stderr).toBe('');
      expect(archive.status).toBe(0);
      expect(fs.statSync(zip).size).toBeGreaterThan(10_000);
      const listing = spawnSync('unzip', ['-l', zip], { encoding: 'utf8' });
      if (listing.status === 0) expect(listing.stdout).toContain('site/index.html');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const served = loadedModules(file);
    expect(served).toContain('dist/cli/potluck.mjs');
    expect(served.filter((m) => m.startsWith('scripts/cli/'))).toEqual([]);
    // The built site carries the packages both bundle (scripts/lib/bundledPackages.mjs): none loads from node_modules.
    expect(served.filter((m) => /node_modules\/(drizzle-orm|zod|@oslojs|hast-util-[a-z-]+|unified|vfile)\//.test(m))).toEqual([]);
  }, 120_000);
});

describe('freshness', () => {
  /** A project with one source file and a bundle built from it. */
  function project(): { dir: string; source: string } {
    const dir = fs.mkdtempSync(path.join(tmp, 'project-'));
    const source = path.join(dir, 'a.ts');
    fs.writeFileSync(source, 'export const a = 1;\n');
    const out = cliBundleDir(dir);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'potluck.mjs'), '');
    const stat = fs.statSync(source);
    fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ node: process.version, inputs: [['a.ts', stat.size, stat.mtimeMs]] }));
    return { dir, source };
  }

  it('holds while every input has its size and time', () => {
    const { dir } = project();
    expect(freshCliBundle(dir)).toBe(path.join(cliBundleDir(dir), 'potluck.mjs'));
  });

  it('ends when an input changes, even to the same size, or goes', () => {
    const changed = project();
    fs.writeFileSync(changed.source, 'export const a = 22;\n');
    expect(freshCliBundle(changed.dir)).toBeNull();

    const touched = project();
    const later = new Date(fs.statSync(touched.source).mtimeMs + 5_000);
    fs.utimesSync(touched.source, later, later);
    expect(freshCliBundle(touched.dir)).toBeNull();

    // An older file put back (a checkout of an earlier commit) is a change too.
    const older = project();
    fs.utimesSync(older.source, new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(freshCliBundle(older.dir)).toBeNull();

    const gone = project();
    fs.rmSync(gone.source);
    expect(freshCliBundle(gone.dir)).toBeNull();
  });

  it('ends under another Node, and without a manifest or entry', () => {
    const other = project();
    const manifest = path.join(cliBundleDir(other.dir), 'manifest.json');
    const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    fs.writeFileSync(manifest, JSON.stringify({ ...parsed, node: 'v1.0.0' }));
    expect(freshCliBundle(other.dir)).toBeNull();

    const unlisted = project();
    fs.rmSync(path.join(cliBundleDir(unlisted.dir), 'manifest.json'));
    expect(freshCliBundle(unlisted.dir)).toBeNull();

    const corrupt = project();
    fs.writeFileSync(path.join(cliBundleDir(corrupt.dir), 'manifest.json'), '{"node":');
    expect(freshCliBundle(corrupt.dir)).toBeNull();

    const noEntry = project();
    fs.rmSync(path.join(cliBundleDir(noEntry.dir), 'potluck.mjs'));
    expect(freshCliBundle(noEntry.dir)).toBeNull();
  });

  it("checks installed packages' files by npm's lockfile of their node_modules, and each file without one", () => {
    const { dir } = project();
    const file = path.join(dir, 'node_modules', 'pkg', 'index.js');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'export default 1;\n');
    const entry = (rel: string): [string, number, number] => {
      const stat = fs.statSync(path.join(dir, rel));
      return [rel, stat.size, stat.mtimeMs];
    };
    const inputs = [entry('a.ts'), entry('node_modules/pkg/index.js')];
    const manifest = path.join(cliBundleDir(dir), 'manifest.json');
    const write = () => fs.writeFileSync(manifest, JSON.stringify({ node: process.version, inputs, checked: checkedEntries(dir, inputs) }));

    // No lockfile: the package's file itself is checked.
    expect(checkedEntries(dir, inputs).map(([rel]) => rel)).toEqual(['a.ts', 'node_modules/pkg/index.js']);
    write();
    fs.writeFileSync(file, 'export default 22;\n');
    expect(freshCliBundle(dir)).toBeNull();

    inputs[1] = entry('node_modules/pkg/index.js');
    fs.writeFileSync(path.join(dir, 'node_modules', '.package-lock.json'), '{"lockfileVersion":3}\n');
    expect(checkedEntries(dir, inputs).map(([rel]) => rel)).toEqual(['a.ts', 'node_modules/.package-lock.json']);
    write();
    expect(freshCliBundle(dir)).toBe(path.join(cliBundleDir(dir), 'potluck.mjs'));
    // An install, update or removal rewrites the lockfile.
    const later = new Date(fs.statSync(path.join(dir, 'node_modules', '.package-lock.json')).mtimeMs + 5_000);
    fs.utimesSync(path.join(dir, 'node_modules', '.package-lock.json'), later, later);
    expect(freshCliBundle(dir)).toBeNull();
    // The project's own files are still checked one by one.
    write();
    fs.writeFileSync(path.join(dir, 'a.ts'), 'export const a = 22;\n');
    expect(freshCliBundle(dir)).toBeNull();
  });
});
