/**
 * What `potluck serve` does with the data folder before it answers: it sweeps what dead imports left behind, loads the
 * demo school into an empty database only, and does both without loading the importer when there is nothing to do.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerProcess } from '../../../scripts/lib/serverProcess.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { media, users } from '../../../src/server/db/schema.ts';
import { mediaItemDir } from '../../../src/server/media/storage.ts';
import { makeUser } from '../../helpers/factories.ts';
import { tempDataDir } from '../../helpers/server.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function appOn(dataDir: string): AppContext {
  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
  cleanup.push(() => {
    app.db.$client.close();
  });
  return app;
}

function freshDataDir(): string {
  const dataDir = tempDataDir();
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

async function serve(env: Record<string, string>) {
  const server = await startServerProcess(env, 120_000);
  cleanup.push(() => server.stop());
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  return server;
}

/** A process id that no longer runs. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('potluck serve at start-up', () => {
  it('finishes what a dead import committed and removes the rest, before it answers', async () => {
    const dataDir = freshDataDir();
    const app = appOn(dataDir);
    const owner = await makeUser(app, { handle: 'sweep' });
    const committed = app.newId();
    app.db
      .insert(media)
      .values({ id: committed, ownerId: owner.id, kind: 'attachment', filename: 'essay.pdf', mime: 'application/pdf', bytes: 15, sha256: 'x', createdAt: app.now() })
      .run();
    const staging = path.join(app.config.mediaDir, '.staging', 'deadimport0000000000000a');
    for (const id of [committed, app.newId()]) {
      fs.mkdirSync(path.join(staging, owner.id, id), { recursive: true });
      fs.writeFileSync(path.join(staging, owner.id, id, 'original.pdf'), '%PDF-1.4 staged');
    }
    fs.writeFileSync(path.join(staging, 'import.json'), JSON.stringify({ pid: deadPid(), startedAt: new Date().toISOString() }));
    const unpacked = path.join(dataDir, `.import-${deadPid()}-0123456789abcdef`);
    fs.mkdirSync(path.join(unpacked, 'artifacts'), { recursive: true });

    const server = await serve({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'auto' });
    expect(fs.existsSync(staging)).toBe(false);
    expect(fs.existsSync(unpacked)).toBe(false);
    expect(fs.readFileSync(path.join(mediaItemDir(app.config, owner.id, committed), 'original.pdf'), 'utf8')).toBe('%PDF-1.4 staged');
    expect(server.output()).toContain('Cleaned up after 2 interrupted import(s).');
    // The database had an account: no demo.
    expect(server.output()).not.toContain('Loaded the demo school');
    expect(app.db.select({ handle: users.handle }).from(users).all()).toEqual([{ handle: 'sweep' }]);
  }, 180_000);

  it('loads the demo school into an empty database, and not again on the next start', async () => {
    const dataDir = freshDataDir();
    const first = await serve({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'auto' });
    expect(first.output()).toContain('Loaded the demo school');
    expect(first.output()).not.toContain('interrupted import');
    await first.stop();
    const app = appOn(dataDir);
    const accounts = app.db.select({ handle: users.handle }).from(users).all().length;
    expect(accounts).toBeGreaterThanOrEqual(5);

    const second = await serve({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'auto' });
    expect(second.output()).not.toContain('Loaded the demo school');
    expect(app.db.select({ handle: users.handle }).from(users).all().length).toBe(accounts);
  }, 180_000);

  it('sweeps without loading the importer or sharp (src/commands/importSweeper.ts)', () => {
    // A child process lists every module the sweep's module brings in.
    const hook = `data:text/javascript,${encodeURIComponent(
      "import { registerHooks } from 'node:module'; globalThis.loaded = []; registerHooks({ load(url, context, next) { globalThis.loaded.push(url); return next(url, context); } });",
    )}`;
    const script = `await import(${JSON.stringify(pathToFileURL(path.join(root, 'src', 'commands', 'importSweeper.ts')).href)}); console.log(JSON.stringify(globalThis.loaded));`;
    const result = spawnSync(process.execPath, ['--import', hook, '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const loaded = JSON.parse(result.stdout) as string[];
    expect(loaded.some((url) => url.endsWith('/src/commands/importSweeper.ts'))).toBe(true);
    for (const heavy of ['/src/commands/archiveImporter.ts', '/node_modules/sharp/', '/src/core/markdown/', '/src/core/archive/']) {
      expect(loaded.filter((url) => url.includes(heavy)), heavy).toEqual([]);
    }
  });
});
