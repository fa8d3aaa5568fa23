/**
 * Files at rest: a data folder Potluck creates is 0700 and everything in it 0600 (folders 0700), after a start, an
 * upload, an import and an export; an archive written by `potluck export` is private the same way; a data folder
 * others can read gets a warning at start-up that names the command to fix it.
 */
import { onPostgresSuite, sqliteOnly } from '../../helpers/database.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import type { User } from '../../../src/server/db/schema.ts';
import { startServerProcess, type ServerProcess } from '../../../scripts/lib/serverProcess.ts';
import { picture } from '../../fixtures/media/generate.ts';
import { buildZip, minimalArchive } from '../archive-export/helpers.ts';
import { runCli, runCliProcess } from '../../helpers/cli.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { exportArchiveOnTheWeb } from '../../helpers/http.ts';

/** Every folder and file under `root` whose mode is not the private one, as "path mode". */
function notPrivate(root: string): string[] {
  const found: string[] = [];
  const visit = (p: string) => {
    const stat = fs.lstatSync(p);
    const mode = stat.mode & 0o777;
    if (stat.isDirectory()) {
      if (mode !== 0o700) found.push(`${path.relative(root, p) || '.'}/ ${mode.toString(8)}`);
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    } else if (mode !== 0o600) {
      found.push(`${path.relative(root, p)} ${mode.toString(8)}`);
    }
  };
  visit(root);
  return found;
}

/** Every file under `root`, relative. */
function filesUnder(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(root, f)).isFile());
}

let work: string;
let dataDir: string;
let server: ServerProcess;
let app: AppContext;
let maya: User;
beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-modes-'));
  // A folder that does not exist yet: Potluck makes it (as a first `npm start` does).
  dataDir = path.join(work, 'data');
  server = await startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off' });
  app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }));
  maya = await makeUser(app, { handle: 'maya' });
});
afterAll(async () => {
  app?.db.$client.close();
  await server?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the data folder', () => {
  it.skipIf(onPostgresSuite)(`is created 0700 with the database and its write-ahead log 0600, and no warning at start${sqliteOnly('the database is not a file in the data folder')}`, () => {
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.readdirSync(dataDir)).toEqual(expect.arrayContaining(['potluck.db', 'potluck.db-wal', 'media']));
    expect(notPrivate(dataDir)).toEqual([]);
    expect(server.output()).not.toContain('chmod -R go-rwx');
  });

  it('stays private after an upload, an import and an export: media, variants, database, staging', async () => {
    const tab = signedIn(server.url, app, maya);
    const upload = new FormData();
    upload.append('file', new Blob([new Uint8Array(await picture(1200, 800))], { type: 'image/jpeg' }), 'harbour.jpg');
    upload.append('alt', 'The harbour at dawn');
    const uploaded = await tab.postMultipart('/api/media', upload);
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };
    await makeArtifact(app, maya, { title: 'Harbour', visibility: 'public', body: `![](media:${id})` });

    const archive = new FormData();
    archive.set('archive', new Blob([new Uint8Array(buildZip(minimalArchive('maya')))], { type: 'application/zip' }), 'mine.zip');
    expect((await tab.postMultipart('/workspace/import', archive)).status).toBe(200);

    const { download: exported } = await exportArchiveOnTheWeb(tab);
    expect(exported.status).toBe(200);
    expect((await exported.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    // The archive kept for download is private like everything else (it holds private work).
    expect(filesUnder(path.join(dataDir, 'media')).some((f) => /\.exports\/[0-9a-f-]{36}\.zip$/.test(f))).toBe(true);

    const media = filesUnder(path.join(dataDir, 'media'));
    expect(media.some((f) => f.endsWith('original.jpg'))).toBe(true);
    expect(media.some((f) => /w\d+\.webp$/.test(f))).toBe(true);
    expect(notPrivate(dataDir)).toEqual([]);
  });

  it('an archive written by potluck export is private too (it holds private work)', async () => {
    const out = path.join(work, 'maya-archive');
    const result = await runCliProcess({ url: `http://127.0.0.1:1`, dataDir }, ['export', '--handle', 'maya', '--out', out]);
    expect(result.code, result.err).toBe(0);
    expect(filesUnder(out).length).toBeGreaterThan(3);
    expect(notPrivate(out)).toEqual([]);
    const zip = path.join(work, 'maya-archive.zip');
    expect((await runCliProcess({ url: `http://127.0.0.1:1`, dataDir }, ['export', '--handle', 'maya', '--out', zip])).code).toBe(0);
    expect(fs.statSync(zip).mode & 0o777).toBe(0o600);
  });
});

describe('a data folder that others can read', () => {
  it('gets a warning naming the fix from the CLI and from potluck serve', async () => {
    const open = path.join(work, 'open-data');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o755);
    const cli = await runCli(['user', 'list'], { env: { POTLUCK_DATA: open } });
    expect(cli.code).toBe(0);
    expect(cli.err).toContain(`other users of this computer can read Potluck's data folder ${open}`);
    expect(cli.err).toContain(`chmod -R go-rwx ${open}`);

    const served = await startServerProcess({ POTLUCK_DATA: open, POTLUCK_DEMO: 'off' });
    try {
      expect(served.output()).toContain(`chmod -R go-rwx ${open}`);
    } finally {
      await served.stop();
    }

    // After the fix, the warning is gone.
    fs.chmodSync(open, 0o700);
    for (const name of fs.readdirSync(open)) fs.chmodSync(path.join(open, name), fs.statSync(path.join(open, name)).isDirectory() ? 0o700 : 0o600);
    expect((await runCli(['user', 'list'], { env: { POTLUCK_DATA: open } })).err).not.toContain('chmod');
  });
});
