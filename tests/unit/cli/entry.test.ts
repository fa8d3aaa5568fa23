// The installed command (package.json "bin", `npm start`) is scripts/potluck.mjs: it turns on Node's compile cache
// before any TypeScript is loaded, so that the next start takes scripts/potluck.ts and everything after it from the
// cache, types already stripped. Each run here is a child process with its own temp folder (where Node's default
// cache lives) and NODE_COMPILE_CACHE unset, so only the entry itself can have turned the cache on.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const entry = path.join(root, 'scripts', 'potluck.mjs');
const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-entry-'));
  made.push(dir);
  return dir;
}

function run(args: string[], env: Record<string, string | undefined>) {
  const clean = { ...process.env };
  delete clean.NODE_COMPILE_CACHE;
  delete clean.NODE_DISABLE_COMPILE_CACHE;
  return spawnSync(process.execPath, [...args], { cwd: root, env: { ...clean, ...env }, encoding: 'utf8' });
}

/** Every file under `dir` (none when it does not exist). */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

describe('scripts/potluck.mjs', () => {
  it('is the command package.json installs and npm start and npm run potluck run', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.bin.potluck).toBe('scripts/potluck.mjs');
    expect(pkg.scripts.start).toBe('node --max-semi-space-size=4 scripts/potluck.mjs serve');
    expect(pkg.scripts.potluck).toBe('node scripts/potluck.mjs');
    expect(fs.readFileSync(entry, 'utf8').startsWith('#!/usr/bin/env -S node')).toBe(true);
  });

  it('turns the compile cache on before the CLI loads, so the second run takes the TypeScript from it', () => {
    const tmp = tempDir();
    const cache = path.join(tmp, 'node-compile-cache');
    // The sources, not the bundle (tests/integration/cli/bundle.test.ts): the cache must work for both.
    const first = run([entry, '--help'], { TMPDIR: tmp, POTLUCK_CLI_BUNDLE: 'off' });
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('Usage: potluck <command>');
    const cached = filesUnder(cache);
    expect(cached.length).toBeGreaterThan(5);

    // Node says, when asked, where each module came from: the CLI's own TypeScript comes from the cache this time.
    const second = run([entry, '--help'], { TMPDIR: tmp, NODE_DEBUG_NATIVE: 'COMPILE_CACHE', POTLUCK_CLI_BUNDLE: 'off' });
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('Usage: potluck <command>');
    const hit = second.stderr.split('\n').find((line) => line.includes('retrieving transpile cache') && line.includes('/scripts/potluck.ts'));
    expect(hit, second.stderr.slice(0, 2000)).toMatch(/success$/);
  });

  it('leaves the cache off when NODE_DISABLE_COMPILE_CACHE says so, and the command still works', () => {
    const tmp = tempDir();
    const result = run([entry, '--help'], { TMPDIR: tmp, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: potluck <command>');
    expect(filesUnder(path.join(tmp, 'node-compile-cache'))).toEqual([]);
  });

  it('runs a command with its arguments and exit code, as scripts/potluck.ts does', () => {
    const tmp = tempDir();
    const dataDir = path.join(tmp, 'data');
    const listed = run([entry, 'user', 'list', '--json'], { TMPDIR: tmp, POTLUCK_DATA: dataDir });
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    const unknown = run([entry, 'no-such-command'], { TMPDIR: tmp, POTLUCK_DATA: dataDir });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "no-such-command"');
  });

  it('ends quietly when the reader of its output has gone (`potluck --help | head -0`)', async () => {
    const child = spawn(process.execPath, [entry, '--help'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed long before Node has started and written anything.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});
