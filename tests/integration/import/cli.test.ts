/** `potluck import SOURCE` for work from other platforms, run through main() on a temp POTLUCK_DATA. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext } from '../../../src/server/context.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { mediaFiles, rowCounts } from '../archive/helpers.ts';
import { buildZip } from '../archive-export/helpers.ts';
import { startFileServer } from './fileServer.ts';

const fixtures = path.resolve(import.meta.dirname, '..', '..', 'fixtures');
let dataDir: string;
let work: string;

beforeEach(() => {
  dataDir = tempDataDir('potluck-import-anywhere-');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-import-src-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const run = (argv: string[]) => runCli(argv, { env: { POTLUCK_DATA: dataDir } });

function state() {
  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
  try {
    const rows = app.db.$client.prepare('select title, visibility, tags, date from artifacts order by date').all() as { title: string; visibility: string; tags: string; date: number }[];
    return { counts: rowCounts(app), media: mediaFiles(app), rows };
  } finally {
    app.db.$client.close();
  }
}

/** Everything under the data folder but the database itself (temporary folders must be gone). */
function dataListing(): string[] {
  return (fs.readdirSync(dataDir, { recursive: true }) as string[]).filter((f) => !/\.db(-wal|-shm)?$/.test(f)).sort();
}

/** A small Jekyll site: two posts (one unpublished) with front matter, tags and categories. */
function jekyllSite(): string {
  const dir = path.join(work, 'blog');
  fs.mkdirSync(path.join(dir, '_posts'), { recursive: true });
  fs.writeFileSync(path.join(dir, '_config.yml'), 'title: My blog\n');
  fs.writeFileSync(path.join(dir, '_posts', '2009-01-27-small-weather.md'), '---\ntitle: Small Weather\ntags: [poetry, weather]\n---\nRain on the *window*.\n');
  fs.writeFileSync(path.join(dir, '_posts', '2010-03-21-lab-notes.md'), '---\ntitle: Lab notes\ncategories: science\npublished: false\n---\nNotes.\n');
  return dir;
}

describe('potluck import SOURCE', () => {
  it('a dry run of a Markdown site lists the pieces and writes nothing; the import brings them in private; again, all unchanged', async () => {
    const site = jekyllSite();
    const before = state();
    const listing = dataListing();
    const dry = await run(['import', site, '--handle', 'maya', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('Would import into @maya');
    expect(dry.out).toMatch(/new +2009-01-27 {2}Small Weather {2}#poetry #weather/);
    expect(dry.out).toMatch(/new +2010-03-21 {2}Lab notes \(a draft there\)/);
    expect(dry.out).toContain('would arrive private');
    expect(dry.out).toContain('Dry run: nothing was written.');
    expect(state()).toEqual(before);
    expect(dataListing()).toEqual(listing);

    const real = await run(['import', site, '--handle', 'maya']);
    expect(real.code).toBe(0);
    expect(real.out).toContain('artifacts:  2 new, 0 updated, 0 unchanged');
    expect(real.out).toContain('arrived private: only you can see it');
    expect(real.out).toContain('/workspace/import');
    const after = state();
    expect(after.rows.map((r) => [r.title, r.visibility])).toEqual([['Small Weather', 'private'], ['Lab notes', 'private']]);
    expect(JSON.parse(after.rows[0].tags)).toEqual(['poetry', 'weather']);
    expect(new Date(after.rows[0].date).toISOString().slice(0, 10)).toBe('2009-01-27');
    expect(dataListing().filter((f) => f.startsWith('.import-'))).toEqual([]);

    const again = await run(['import', site, '--handle', 'maya', '--json']);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.out);
    expect(report.artifacts).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(report.origin).toMatchObject({ kind: 'markdown' });
    expect(report.pieces.map((p: { action: string }) => p.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('imports a Word document from mammoth’s tests with its picture, and a zip of documents', async () => {
    const docx = path.join(fixtures, 'mammoth', 'tiny-picture.docx');
    const r = await run(['import', docx, '--handle', 'maya', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.origin).toMatchObject({ kind: 'documents' });
    expect(report.artifacts.created).toBe(1);
    expect(report.media.stored).toBe(1);
    const zip = path.join(work, 'lms-download.zip');
    fs.writeFileSync(zip, buildZip([
      { name: 'Essay week 3/single-paragraph.docx', data: fs.readFileSync(path.join(fixtures, 'mammoth', 'single-paragraph.docx')) },
      { name: 'Essay week 3/notes.txt', data: Buffer.from('Notes for the essay.\n') },
    ]));
    const z = await run(['import', zip, '--handle', 'maya', '--json']);
    expect(z.code).toBe(0);
    expect(JSON.parse(z.out)).toMatchObject({ origin: { kind: 'documents' }, artifacts: { created: 2 } });
    expect(state().rows.every((row) => row.visibility === 'private')).toBe(true);
  });

  it('refuses a zip whose names climb out of the folder, and writes nothing', async () => {
    const zip = path.join(work, 'evil.zip');
    // A name no other program would leave beside the data folder, so that finding it there means this zip wrote it.
    const escapee = `potluck-escape-${path.basename(dataDir)}`;
    fs.writeFileSync(zip, buildZip([{ name: '_posts/2009-01-27-a.md', data: Buffer.from('---\ntitle: A\n---\nA\n') }, { name: `../${escapee}`, data: Buffer.from('owned') }]));
    const before = state();
    const listing = dataListing();
    const r = await run(['import', zip, '--handle', 'maya']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('This zip cannot be imported safely, so nothing was imported');
    expect(r.err).toContain(`"../${escapee}"`);
    expect(state()).toEqual(before);
    expect(dataListing()).toEqual(listing);
    expect(fs.existsSync(path.join(path.dirname(dataDir), escapee))).toBe(false);
  });

  it('names what it takes for an unknown source or format, and --help describes every format', async () => {
    const odd = path.join(work, 'data.bin');
    fs.writeFileSync(odd, 'xyz');
    const r = await run(['import', odd, '--handle', 'maya']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('data.bin is not something Potluck can import. Potluck imports:');
    expect(r.err).toContain('wordpress: a WordPress export');
    const bad = await run(['import', odd, '--handle', 'maya', '--format', 'myspace']);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('--format must be one of potluck, wordpress, feed, leap2a, markdown, documents');
    const help = await run(['import', '--help']);
    expect(help.code).toBe(0);
    for (const kind of ['potluck', 'wordpress', 'feed', 'leap2a', 'markdown', 'documents']) expect(help.out).toMatch(new RegExp(`^ {2}${kind} +`, 'm'));
    expect(help.out).toContain('arrives private');
    expect(state().counts.artifacts).toBe(0);
  });

  it('fetches a feed address only through the SSRF rules: a loopback address is refused, nothing asked, nothing written', async () => {
    const site = await startFileServer();
    try {
      site.files.set('/feed.json', { bytes: Buffer.from(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'x', items: [{ id: '1', content_text: 'hi' }] })), type: 'application/feed+json' });
      const before = state();
      const r = await run(['import', `${site.base}/feed.json`, '--handle', 'maya']);
      expect(r.code).not.toBe(0);
      expect(r.err).toContain(`Could not fetch ${site.base}/feed.json`);
      expect(site.seen).toEqual([]);
      expect(state()).toEqual(before);
      const wrongKind = await run(['import', `${site.base}/feed.json`, '--handle', 'maya', '--format', 'markdown']);
      expect(wrongKind.err).toContain('Only a feed is imported from an address');
    } finally {
      await site.close();
    }
  });
});
