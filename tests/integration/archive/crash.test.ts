/**
 * An import killed while saving its pieces leaves nothing: no pieces, no media rows, and (after the sweep the next
 * import runs) no files in the media folder. `potluck import` runs as a real child process and gets a real SIGKILL.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { mediaFiles, rowCounts } from './helpers.ts';
import { minimalManifest, piece, writeArchive } from './handwritten.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const PIECES = 200;
const PICTURES = 60;

let dataDir: string;
let big: string;
let small: string;

beforeAll(async () => {
  dataDir = tempDataDir('potluck-import-crash-');
  const files: Record<string, string | Uint8Array> = {};
  // Long enough bodies that saving 200 pieces takes a while: the kill lands inside the transaction.
  const paragraph = 'A paragraph of an essay about tides, with *some* emphasis and a [link](https://example.org/). '.repeat(12);
  for (let i = 0; i < PIECES; i++) {
    const slug = `piece-${i}`;
    let body = `${paragraph}\n\n${paragraph}\n\n${paragraph}\n`;
    if (i < PICTURES) {
      files[`artifacts/${slug}/photo.jpg`] = await sharp({ create: { width: 160, height: 120, channels: 3, background: { r: i * 4, g: 255 - i * 4, b: (i * 37) % 256 } } })
        .jpeg()
        .toBuffer();
      body = `![Photo ${i}](photo.jpg)\n\n${body}`;
    }
    files[`artifacts/${slug}/index.md`] = piece(`id: crash-piece-${i}\ntitle: Piece ${i}\ndate: 2024-01-01\nvisibility: private`, body);
  }
  big = writeArchive({ manifest: { ...minimalManifest, profile: { handle: 'crash', name: 'Crash Test' } }, files });
  small = writeArchive({ files: { 'artifacts/hello/index.md': piece('title: Hello\ndate: 2024-01-01') } });
}, 120_000);

afterAll(() => {
  for (const dir of [dataDir, big, small]) fs.rmSync(dir, { recursive: true, force: true });
});

function openApp(): AppContext {
  return createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
}

function withApp<T>(fn: (app: AppContext) => T): T {
  const app = openApp();
  try {
    return fn(app);
  } finally {
    app.db.$client.close();
  }
}

/** Runs `potluck import` in a child process; with `killAt`, SIGKILLs it as soon as its output contains that text. */
function importProcess(args: string[], killAt?: string): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'potluck.ts'), 'import', ...args], {
    cwd: root,
    env: { ...process.env, POTLUCK_DATA: dataDir, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    if (killAt && out.includes(killAt)) child.kill('SIGKILL');
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

describe('an import killed while saving', () => {
  it('leaves no pieces, no media rows and, after the next import’s sweep, no files; a normal import works afterwards', async () => {
    const killed = await importProcess([big, '--handle', 'crash'], 'Saving artifacts');
    expect(killed.signal, `${killed.out}\n${killed.err}`).toBe('SIGKILL');
    expect(killed.out).toContain('Storing pictures and files');

    withApp((app) => {
      expect(rowCounts(app)).toMatchObject({ users: 0, artifacts: 0, revisions: 0, media: 0, artifact_media: 0 });
      // What it had stored is staged, none of it in the student's library or in place.
      const files = mediaFiles(app);
      expect(files.length).toBeGreaterThan(PICTURES);
      expect(files.every((f) => f.startsWith(`.staging${path.sep}`))).toBe(true);
    });

    // The next import sweeps what the dead one staged before doing its own work.
    const next = await importProcess([small, '--handle', 'sam']);
    expect(next.code, next.err).toBe(0);
    withApp((app) => {
      expect(rowCounts(app)).toMatchObject({ users: 1, artifacts: 1, media: 0 });
      expect(mediaFiles(app)).toEqual([]);
      expect(fs.readdirSync(app.config.mediaDir).filter((e) => e !== '.staging' && fs.readdirSync(path.join(app.config.mediaDir, e)).length > 0)).toEqual([]);
    });

    const again = await importProcess([big, '--handle', 'crash']);
    expect(again.code, again.err).toBe(0);
    withApp((app) => {
      expect(rowCounts(app)).toMatchObject({ users: 2, artifacts: PIECES + 1, media: PICTURES });
      const rows = app.db.$client.prepare('select id, owner_id as ownerId from media').all() as { id: string; ownerId: string }[];
      const folders = new Set(mediaFiles(app).map((f) => f.split(path.sep).slice(0, 2).join('/')));
      expect(folders).toEqual(new Set(rows.map((r) => `${r.ownerId}/${r.id}`)));
    });
  }, 180_000);
});
