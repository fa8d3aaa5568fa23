/**
 * `potluck site` refusals, run through main() with captured streams: each says what was wrong, exits non-zero, and
 * leaves the target exactly as it was. (These are decided before any page is rendered.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext } from '../../../src/server/context.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { tempDataDir } from '../../helpers/server.ts';

let dataDir: string;
let work: string;

beforeAll(async () => {
  dataDir = tempDataDir('potluck-site-cli-');
  work = tempDataDir('potluck-site-cli-out-');
  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
  const maya = await makeUser(app, { handle: 'maya' });
  await makeArtifact(app, maya, { title: 'A poem', visibility: 'public' });
  app.db.$client.close();
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const run = (argv: string[]) => runCli(['site', ...argv], { env: { POTLUCK_DATA: dataDir } });

/** A folder's files and their contents, to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]) {
    const full = path.join(dir, entry);
    out[entry] = fs.statSync(full).isDirectory() ? '<dir>' : fs.readFileSync(full, 'utf8');
  }
  return out;
}

describe('potluck site: refusals', () => {
  it('is listed in potluck --help and has its own --help', async () => {
    expect((await runCli(['--help'], { env: {} })).out).toMatch(/\n {2}site {2,}export a student's public site/);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--out');
    expect(help.out).toContain('--base');
  });

  it('an unknown handle exits 1 and says how to find the right one', async () => {
    const r = await run(['--handle', 'nobody', '--out', path.join(work, 'x')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('There is no active account @nobody');
    expect(fs.existsSync(path.join(work, 'x'))).toBe(false);
  });

  it('missing --out (or --handle) is a usage error: exit 2', async () => {
    const r = await run(['--handle', 'maya']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('missing --out');
    expect(r.err).toContain('potluck site --help');
    expect((await run(['--out', path.join(work, 'y')])).code).toBe(2);
    expect((await run(['--handle', 'maya', '--out', 'a', '--bogus'])).code).toBe(2);
  });

  it('a non-empty folder without --force exits 1 and nothing in it (or beside it) changes', async () => {
    const target = path.join(work, 'my-stuff');
    fs.mkdirSync(path.join(target, 'notes'), { recursive: true });
    fs.writeFileSync(path.join(target, 'index.html'), 'my own page');
    fs.writeFileSync(path.join(target, 'notes', 'todo.txt'), 'keep me');
    const before = snapshot(target);
    const siblings = fs.readdirSync(work).sort();

    const r = await run(['--handle', 'maya', '--out', target]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('is not empty');
    expect(r.err).toContain('--force');
    expect(snapshot(target)).toEqual(before);
    expect(fs.readdirSync(work).sort()).toEqual(siblings);
  });

  it('an existing zip file without --force exits 1 and stays as it was', async () => {
    const zip = path.join(work, 'site.zip');
    fs.writeFileSync(zip, 'not really a zip');
    const r = await run(['--handle', 'maya', '--out', zip]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('already exists');
    expect(fs.readFileSync(zip, 'utf8')).toBe('not really a zip');
  });

  it('a base that is not a web address exits 1 and says what a base looks like', async () => {
    const r = await run(['--handle', 'maya', '--out', path.join(work, 'z'), '--base', 'ftp://example.org/']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('https://');
    expect(fs.existsSync(path.join(work, 'z'))).toBe(false);
  });

  it('a folder whose parent does not exist exits 1', async () => {
    const r = await run(['--handle', 'maya', '--out', path.join(work, 'no', 'such', 'place')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('does not exist');
  });
});
