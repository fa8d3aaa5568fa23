import { runCli } from '../../helpers/cli.ts';
/** `potluck import`, run through main() with fake streams on a temp POTLUCK_DATA. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext } from '../../../src/server/context.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { copyStudent, demoDir, edit, rowCounts } from './helpers.ts';

let dataDir: string;
const temp: string[] = [];

beforeEach(() => {
  dataDir = tempDataDir('potluck-import-cli-');
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  for (const dir of temp.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[]) {
  return runCli(argv, { env: { POTLUCK_DATA: dataDir } });
}

function counts() {
  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
  try {
    return rowCounts(app);
  } finally {
    app.db.$client.close();
  }
}

const theo = path.join(demoDir, 'students', 'theo');

describe('potluck import', () => {
  it('imports a folder, shows progress and a summary, and says the new account has no password', async () => {
    const r = await run(['import', theo, '--handle', 'theo']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('Checking the archive…');
    expect(r.out).toContain('Storing pictures and files… 5/5');
    expect(r.out).toContain(
      [
        'Imported into @theo (a new account):',
        '  artifacts:  7 new, 0 updated, 0 unchanged',
        '  media:      5 stored, 0 already here',
        '  showcases:  1',
      ].join('\n'),
    );
    expect(r.out).toContain('without a password: nobody can sign in to it until a password is set');
    expect(counts()).toMatchObject({ users: 1, artifacts: 7, media: 5 });

    const again = await run(['import', theo, '--handle', 'theo', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ artifacts: { created: 0, updated: 0, unchanged: 7 }, media: { stored: 0, reused: 5 } });
  });

  it('--dry-run shows what would happen and writes nothing', async () => {
    const r = await run(['import', theo, '--handle', 'theo', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Would import into @theo (would be a new account):');
    expect(r.out).toContain('Dry run: nothing was written.');
    expect(counts()).toMatchObject({ users: 0, artifacts: 0, media: 0 });
  });

  it('lists every problem of a bad archive, exits 1 and imports nothing', async () => {
    const dir = copyStudent('theo');
    temp.push(dir);
    edit(dir, 'artifacts/book-talk-hatchet/index.md', 'visibility: public', 'visibility: world\ncover: ../../etc/passwd');
    edit(dir, 'artifacts/arduino-reference/index.md', /^---\n/, '---js\n');
    fs.rmSync(path.join(dir, 'artifacts/circuit-sketches/circuit-2.png'));
    const r = await run(['import', dir, '--handle', 'theo']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('has 3 problems; nothing was imported');
    expect(r.err).toContain('artifacts/book-talk-hatchet/index.md: cover must be the name of an image file beside index.md');
    expect(r.err).toContain('artifacts/arduino-reference/index.md: frontmatter "---js" is not supported');
    expect(r.err).toContain('refers to "circuit-2.png", which is not in artifacts/circuit-sketches/');
    expect(counts()).toMatchObject({ users: 0, artifacts: 0, media: 0 });

    const json = await run(['import', dir, '--handle', 'theo', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).error).toMatchObject({ code: 'BAD_ARCHIVE', issues: expect.arrayContaining([expect.objectContaining({ field: 'artifacts/book-talk-hatchet/index.md: cover' })]) });
  });

  it('explains a missing zip, and usage mistakes exit 2', async () => {
    // Zip imports themselves are tested in tests/integration/archive-export/.
    const zip = await run(['import', 'portfolio.zip', '--handle', 'theo']);
    expect(zip).toMatchObject({ code: 1, out: '' });
    expect(zip.err).toMatch(/There is no file at .*portfolio\.zip/);
    const noHandle = await run(['import', theo]);
    expect(noHandle.code).toBe(2);
    expect(noHandle.err).toContain('missing --handle');
    const noFolder = await run(['import', '--handle', 'theo']);
    expect(noFolder.code).toBe(2);
    const help = await run(['import', '--help']);
    expect(help).toMatchObject({ code: 0 });
    expect(help.out).toContain('Usage: potluck import ARCHIVE.zip|FOLDER --handle HANDLE');
  });
});
