/** What a converter stages through StagedArchive is an archive the importer takes: safe names, private, stable ids. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { StagedArchive, safeFileName } from '../../../src/server/import/stagedArchive.ts';
import { foreignId } from '../../../src/server/import/types.ts';
import { createTestApp } from '../../helpers/server.ts';
import { makeUser } from '../../helpers/factories.ts';

let app: AppContext;
let out: string;
beforeEach(() => {
  app = createTestApp();
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-staged-'));
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(out, { recursive: true, force: true });
});

describe('StagedArchive', () => {
  it('writes pieces the archive importer accepts, with unique safe slugs and file names', async () => {
    const user = await makeUser(app, { handle: 'lena' });
    const staged = new StagedArchive(out, { handle: user.handle, name: 'Lena Berg' });
    const pixel = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } }).jpeg().toBuffer();
    const first = await staged.add({
      id: foreignId('wordpress', 'lena', 'post-1'),
      title: 'Hello world',
      date: new Date('2009-01-27T10:00:00Z'),
      tags: ['Poetry'],
      body: 'A first post.\n\n![a dot](../up/dot.jpg)\n',
      files: [{ name: '../up/dot.jpg', bytes: pixel }],
    });
    const second = await staged.add({ id: foreignId('wordpress', 'lena', 'post-2'), title: 'Hello world', date: new Date('2009-01-28'), body: 'Second.' });
    const again = await staged.add({ id: foreignId('wordpress', 'lena', 'post-1'), title: 'Duplicate', date: new Date(), body: 'x' });
    const untitled = await staged.add({ id: foreignId('wordpress', 'lena', 'post-3'), title: '  ', date: new Date('2010-05-01'), body: 'Walking home in the **rain** today I saw' });
    await staged.finish(new Date('2026-01-01T00:00:00Z'));

    expect(first?.slug).toBe('hello-world');
    expect(second?.slug).toBe('hello-world-2');
    expect(again).toBeUndefined();
    expect(untitled?.slug).toBe('walking-home-in-the-rain-today-i-saw');
    expect(first?.fileNames.get('../up/dot.jpg')).toBe('dot.jpg');
    expect(staged.size).toBe(3);
    expect(safeFileName('C:\\Users\\x\\essay?.docx')).toBe('essay-.docx');

    const report = await importArchiveFolder(app, { dir: out, handle: 'lena' });
    expect(report.artifacts.created).toBe(3);
    expect(report.media.stored).toBe(1);
    const rows = app.db.$client.prepare('select id, title, visibility from artifacts order by slug').all() as { id: string; title: string; visibility: string }[];
    expect(rows.map((r) => r.visibility)).toEqual(['private', 'private', 'private']);
    expect(rows.map((r) => r.id)).toContain(foreignId('wordpress', 'lena', 'post-1'));
  });

  it('gives the same source item the same id in one account and different ids in two', () => {
    expect(foreignId('feed', 'a', 'https://x.example/1')).toBe(foreignId('feed', 'a', 'https://x.example/1'));
    expect(foreignId('feed', 'a', 'https://x.example/1')).not.toBe(foreignId('feed', 'b', 'https://x.example/1'));
    expect(foreignId('feed', 'a', 'k')).toMatch(/^feed-[0-9a-f]{32}$/);
  });
});
