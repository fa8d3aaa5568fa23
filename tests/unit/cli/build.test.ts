// `potluck serve` builds the site only when its build is not what the sources give (scripts/cli/build.ts). Here on
// a small project in a temporary folder, with a stand-in for `astro build` that counts its runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildIfStale } from '../../../scripts/cli/build.ts';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function project() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-build-'));
  made.push(root);
  fs.mkdirSync(path.join(root, 'src', 'pages'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src', 'pages', 'index.astro'), '<h1>Hi</h1>\n');
  fs.writeFileSync(path.join(root, 'package.json'), '{}\n');
  let builds = 0;
  const build = (at: string) => {
    builds++;
    fs.mkdirSync(path.join(at, 'dist', 'server'), { recursive: true });
    fs.writeFileSync(path.join(at, 'dist', 'server', 'entry.mjs'), `// build ${builds}\n`);
  };
  const run = () => buildIfStale(root, () => {}, build);
  return { root, run, builds: () => builds };
}

/** Sets a file's times `ms` from now (file systems keep whole or fractional seconds; a second apart is a change). */
function touch(file: string, ms: number): void {
  const when = new Date(Date.now() + ms);
  fs.utimesSync(file, when, when);
}

describe('buildIfStale', () => {
  it('builds the first time, then not again while nothing changes', () => {
    const p = project();
    expect(p.run()).toBe(path.join(p.root, 'dist', 'server', 'entry.mjs'));
    expect(p.builds()).toBe(1);
    p.run();
    p.run();
    expect(p.builds()).toBe(1);
  });

  it('builds again when a file changes, even to the same size, or gets an older time', () => {
    const p = project();
    p.run();
    const page = path.join(p.root, 'src', 'pages', 'index.astro');
    fs.writeFileSync(page, '<h1>Ho</h1>\n');
    touch(page, 2_000);
    p.run();
    expect(p.builds()).toBe(2);
    touch(page, -86_400_000);
    p.run();
    expect(p.builds()).toBe(3);
    p.run();
    expect(p.builds()).toBe(3);
  });

  it('builds again when a file is added to a folder or removed from it', () => {
    const p = project();
    p.run();
    const added = path.join(p.root, 'src', 'pages', 'about.astro');
    fs.writeFileSync(added, '<h1>About</h1>\n');
    touch(path.join(p.root, 'src', 'pages'), 2_000);
    p.run();
    expect(p.builds()).toBe(2);
    fs.rmSync(added);
    touch(path.join(p.root, 'src', 'pages'), 4_000);
    p.run();
    expect(p.builds()).toBe(3);
  });

  it('takes a build made without its list of sources (astro build by hand) when it is newer than every source', () => {
    const p = project();
    p.run();
    fs.rmSync(path.join(p.root, 'dist', 'server', '.sources.json'));
    touch(path.join(p.root, 'dist', 'server', 'entry.mjs'), 60_000);
    p.run();
    expect(p.builds()).toBe(1);
    // And writes the list, so a later change is seen by it.
    expect(fs.existsSync(path.join(p.root, 'dist', 'server', '.sources.json'))).toBe(true);
    fs.rmSync(path.join(p.root, 'dist', 'server', '.sources.json'));
    touch(path.join(p.root, 'dist', 'server', 'entry.mjs'), -86_400_000);
    p.run();
    expect(p.builds()).toBe(2);
  });
});
