/** The sweep of the media staging area: what a dead import left is finished or removed; a live import is left alone. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/server/config.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sweepDeadImports } from '../../../src/commands/importSweeper.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { media } from '../../../src/server/db/schema.ts';
import { mediaItemDir } from '../../../src/server/media/storage.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

let app: AppContext;
beforeEach(() => {
  app = createTestApp();
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
});

/** A process id that no longer runs. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** Lays out an import's staging folder as an import does: marker, then readied items. */
function stage(importId: string, pid: number, items: { ownerId: string; mediaId: string }[], marker: Record<string, unknown> = {}): string {
  const root = path.join(app.config.mediaDir, '.staging', importId);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'import.json'), JSON.stringify({ pid, startedAt: new Date().toISOString(), ...marker }));
  for (const { ownerId, mediaId } of items) {
    fs.mkdirSync(path.join(root, ownerId, mediaId), { recursive: true });
    fs.writeFileSync(path.join(root, ownerId, mediaId, 'original.pdf'), '%PDF-1.4 staged');
  }
  // A half-written item (still under its temporary name) is never moved.
  if (items[0]) fs.mkdirSync(path.join(root, items[0].ownerId, '.upload-0123456789abcdef01234567'), { recursive: true });
  return root;
}

describe('sweeping the media staging area', () => {
  it('moves in place the files of committed rows, removes the rest, and leaves a running import alone', async () => {
    const owner = await makeUser(app, { handle: 'sweep' });
    const committed = app.newId();
    const rolledBack = app.newId();
    app.db
      .insert(media)
      .values({ id: committed, ownerId: owner.id, kind: 'attachment', filename: 'essay.pdf', mime: 'application/pdf', bytes: 15, sha256: 'x', createdAt: app.now() })
      .run();
    const dead = stage('deadimport0000000000000a', deadPid(), [
      { ownerId: owner.id, mediaId: committed },
      { ownerId: owner.id, mediaId: rolledBack },
    ]);
    // Another process (this test's parent) still runs: its staging stays, committed rows or not.
    const live = stage('liveimport0000000000000b', process.ppid, [{ ownerId: owner.id, mediaId: committed }]);

    // A zip a dead import had unpacked, and one a running import is reading.
    const unpacked = path.join(app.config.dataDir, `.import-${deadPid()}-0123456789abcdef`);
    const reading = path.join(app.config.dataDir, `.import-${process.ppid}-fedcba9876543210`);
    for (const dir of [unpacked, reading]) fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });

    expect(await sweepDeadImports(app)).toEqual({ finished: 1, removed: 2 });
    expect(fs.existsSync(unpacked)).toBe(false);
    expect(fs.existsSync(reading)).toBe(true);
    expect(fs.readFileSync(path.join(mediaItemDir(app.config, owner.id, committed), 'original.pdf'), 'utf8')).toBe('%PDF-1.4 staged');
    expect(fs.existsSync(mediaItemDir(app.config, owner.id, rolledBack))).toBe(false);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(path.join(live, owner.id, committed, 'original.pdf'))).toBe(true);

    // Sweeping again finds nothing more to do.
    expect(await sweepDeadImports(app)).toEqual({ finished: 0, removed: 0 });
  });

  it('leaves alone an import another app node runs on a shared media folder, until long after it began', async () => {
    const owner = await makeUser(app, { handle: 'node' });
    const mediaId = app.newId();
    app.db
      .insert(media)
      .values({ id: mediaId, ownerId: owner.id, kind: 'attachment', filename: 'notes.pdf', mime: 'application/pdf', bytes: 15, sha256: 'x', createdAt: app.now() })
      .run();
    // Its process id means nothing here (a dead one on this machine), but the marker names another machine.
    const running = stage('otherhost000000000000000a', deadPid(), [{ ownerId: owner.id, mediaId }], { host: `not-${os.hostname()}` });
    expect(await sweepDeadImports(app)).toMatchObject({ removed: 0 });
    expect(fs.existsSync(running)).toBe(true);
    expect(fs.existsSync(mediaItemDir(app.config, owner.id, mediaId))).toBe(false);
    // Seven hours on, no import runs so long: it is swept like a dead one of this machine.
    const old = new Date(Date.now() - 7 * 60 * 60 * 1000).toISOString();
    fs.writeFileSync(path.join(running, 'import.json'), JSON.stringify({ pid: deadPid(), host: `not-${os.hostname()}`, startedAt: old }));
    const swept = await sweepDeadImports(app);
    expect(swept.removed).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(running)).toBe(false);
    expect(fs.existsSync(path.join(mediaItemDir(app.config, owner.id, mediaId), 'original.pdf'))).toBe(true);
  });

  it('keeps media in POTLUCK_MEDIA_DIR when it is set, and the data folder\'s media/ otherwise', () => {
    expect(loadConfig({ POTLUCK_DATA: '/srv/school' }).mediaDir).toBe('/srv/school/media');
    expect(loadConfig({ POTLUCK_DATA: '/srv/school', POTLUCK_MEDIA_DIR: '/mnt/shared/media' }).mediaDir).toBe('/mnt/shared/media');
    expect(loadConfig({ POTLUCK_DATA: '/srv/school', POTLUCK_MEDIA_DIR: 'shared' }, '/srv').mediaDir).toBe('/srv/shared');
  });
});
