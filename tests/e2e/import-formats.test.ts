/**
 * `potluck import` end to end, one real source per format, each made by someone else: WordPress (a WXR export whose
 * pictures a loopback "old site" serves), a Jekyll site from Jekyll's own tests, Word documents from mammoth's tests,
 * a JSON Feed from the JSON Feed examples fetched from its address, a Micro.blog export, Mahara's own Leap2A export.
 * Each lands private in the account, with its dates, tags and pictures, and a second import changes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import type { AppContext } from '../../src/server/context.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDataDir } from '../helpers/server.ts';
import { startFileServer, type FileServer } from '../integration/import/fileServer.ts';
import { buildZip } from '../integration/archive-export/helpers.ts';

const corpora = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'corpora');

const fixtures = path.resolve(import.meta.dirname, '..', 'fixtures');
let dataDir: string;
let work: string;
let site: FileServer;

beforeAll(async () => {
  site = await startFileServer();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-import-e2e-'));
});
afterAll(async () => {
  await site.close();
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  dataDir = tempDataDir('potluck-import-e2e-data-');
  return () => fs.rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({ POTLUCK_DATA: dataDir, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' });

async function importJson(source: string, extra: string[] = []) {
  const r = await runCli(['import', source, '--handle', 'maya', '--json', ...extra], { env: env() });
  if (r.code !== 0) throw new Error(`potluck import failed (${r.code}): ${r.err}${r.out}`);
  return JSON.parse(r.out);
}

function withApp<T>(fn: (app: AppContext) => T): T {
  const app = createAppContext(loadConfig(env()), { migrate: true });
  try {
    return fn(app);
  } finally {
    app.db.$client.close();
  }
}

interface Row {
  title: string;
  visibility: string;
  tags: string;
  date: number;
  body: string;
}
const rows = () => withApp((app) => app.db.$client.prepare('select title, visibility, tags, date, body from artifacts').all() as Row[]);
const media = () => withApp((app) => app.db.$client.prepare('select filename, kind from media').all() as { filename: string; kind: string }[]);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('potluck import, one real source per format', () => {
  it('a WordPress export: posts with dates and tags, its pictures fetched from the old site, all private', async () => {
    const pond = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a7' } }).jpeg().toBuffer();
    site.files.set('/wp-content/uploads/2020/05/pond.jpg', { bytes: pond, type: 'image/jpeg' });
    site.files.set('/wp-content/uploads/2020/05/survey-notes.pdf', { bytes: fs.readFileSync(path.join(fixtures, 'media', 'tiny.pdf')), type: 'application/pdf' });
    const wxr = path.join(work, 'pond.wordpress.xml');
    fs.writeFileSync(wxr, fs.readFileSync(path.join(fixtures, 'wordpress', 'attachments.wxr.xml'), 'utf8').replaceAll('http://SITE', site.base));

    const dry = await importJson(wxr, ['--dry-run']);
    expect(dry.origin).toMatchObject({ kind: 'wordpress', platform: 'WordPress' });
    expect(site.seen).toEqual([]);
    expect(rows()).toEqual([]);

    const report = await importJson(wxr);
    expect(report.origin).toMatchObject({ kind: 'wordpress' });
    expect(report.artifacts.created).toBeGreaterThan(0);
    expect(site.seen).toContain('/wp-content/uploads/2020/05/pond.jpg');
    const stored = rows();
    expect(stored.every((r) => r.visibility === 'private')).toBe(true);
    const pondLife = stored.find((r) => /pond/i.test(r.title));
    expect(pondLife && day(pondLife.date)).toBe('2020-05-02');
    expect(media().map((m) => m.kind)).toContain('image');
    expect(report.pieces.length).toBe(stored.length);

    const again = await importJson(wxr);
    expect(again.artifacts).toMatchObject({ created: 0, updated: 0 });
  });

  it('a Jekyll site from Jekyll’s own tests: dates from file names, categories as tags, unpublished posts as drafts', async () => {
    const jekyll = path.join(fixtures, 'jekyll', 'site');
    const report = await importJson(jekyll);
    expect(report.origin).toMatchObject({ kind: 'markdown' });
    const stored = rows();
    expect(stored.length).toBe(report.artifacts.created);
    expect(stored.every((r) => r.visibility === 'private')).toBe(true);
    const published = stored.find((r) => r.title === 'Publish')!;
    expect(day(published.date)).toBe('2008-02-02');
    expect(JSON.parse(published.tags)).toContain('publish_test');
    const drafts = report.pieces.filter((p: { draft: boolean }) => p.draft).map((p: { title: string }) => p.title);
    expect(drafts).toContain('Not published!');
    expect((await importJson(jekyll)).artifacts).toMatchObject({ created: 0, updated: 0 });
  });

  it('Word documents from mammoth’s tests: one draft each, with the picture inside', async () => {
    const docs = path.join(work, 'documents');
    fs.mkdirSync(docs);
    for (const f of ['tiny-picture.docx', 'single-paragraph.docx']) fs.copyFileSync(path.join(fixtures, 'mammoth', f), path.join(docs, f));
    const report = await importJson(docs);
    expect(report.origin).toMatchObject({ kind: 'documents' });
    expect(report.artifacts.created).toBe(2);
    expect(report.pieces.every((p: { draft: boolean; visibility: string }) => p.visibility === 'private')).toBe(true);
    expect(media().some((m) => m.kind === 'image')).toBe(true);
    expect(rows().find((r) => /single/i.test(r.title))?.body).toContain('Walking on imported air');
  });

  it('a feed from its address (fetched through the SSRF-checked client), its items in full, private', async () => {
    site.files.set('/feed.json', { bytes: fs.readFileSync(path.join(corpora, 'jsonfeed', 'examples-v1.1', 'simple.json')), type: 'application/feed+json' });
    const report = await importJson(`${site.base}/feed.json`);
    expect(report.origin).toMatchObject({ kind: 'feed' });
    expect(report.artifacts.created).toBe(2);
    const bodies = rows().map((r) => r.body).join('\n');
    expect(bodies).toContain('This is a second item.');
    expect(bodies).toContain('Hello, world!');
    expect(rows().every((r) => r.visibility === 'private')).toBe(true);
    expect((await importJson(`${site.base}/feed.json`)).artifacts).toMatchObject({ created: 0, updated: 0, unchanged: 2 });
    expect(fs.readdirSync(dataDir).filter((f) => f.startsWith('.import-'))).toEqual([]);
  });

  it('a zipped Micro.blog export: untitled posts and the pictures from its uploads/', async () => {
    const folder = path.join(fixtures, 'feed', 'microblog-export');
    const entries = (fs.readdirSync(folder, { recursive: true, encoding: 'utf8' }) as string[])
      .filter((f) => fs.statSync(path.join(folder, f)).isFile())
      .map((f) => ({ name: `microblog-export/${f.split(path.sep).join('/')}`, data: fs.readFileSync(path.join(folder, f)) }));
    const zip = path.join(work, 'microblog.zip');
    fs.writeFileSync(zip, buildZip(entries));
    const report = await importJson(zip);
    expect(report.origin).toMatchObject({ kind: 'feed' });
    expect(report.artifacts.created).toBeGreaterThanOrEqual(2);
    const ponds = rows().find((r) => r.title === 'Why ponds matter')!;
    expect(day(ponds.date)).toBe('2024-03-05');
    expect(media().some((m) => m.kind === 'image')).toBe(true);
  });

  it('Mahara’s own Leap2A export, zipped: its journal entry and picture, private', async () => {
    const picture = await sharp(path.join(fixtures, 'leap2a', 'Image2.png')).jpeg().toBuffer();
    const zip = path.join(work, 'mahara-export.zip');
    fs.writeFileSync(zip, buildZip([
      { name: 'leap2a.xml', data: fs.readFileSync(path.join(fixtures, 'leap2a', 'leap2a.xml')) },
      { name: 'files/1-215x194images 15.jpg', data: picture },
    ]));
    const dry = await importJson(zip, ['--dry-run']);
    expect(dry.origin).toMatchObject({ kind: 'leap2a' });
    expect(rows()).toEqual([]);
    const report = await importJson(zip);
    expect(report.artifacts.created).toBeGreaterThan(0);
    expect(report.warnings.join(' ')).toContain('dummy document3.odt');
    expect(rows().every((r) => r.visibility === 'private')).toBe(true);
    expect(media().some((m) => m.kind === 'image')).toBe(true);
  });
});
