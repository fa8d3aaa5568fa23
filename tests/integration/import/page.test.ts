/**
 * The workspace Import page for work from other platforms, on a real server: upload, the dry run's table, the
 * import in the background with its status page, the result, and "Make these public" for the pieces ticked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../../src/server/db/schema.ts';
import type { Browser } from '../../helpers/http.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { buildZip } from '../archive-export/helpers.ts';
import { mediaFiles, rowCounts } from '../archive/helpers.ts';
import { startFileServer, type FileServer } from './fileServer.ts';

let server: TestServer;
let maya: User;
let theo: User;
let tab: Browser;
let site: FileServer;

beforeAll(async () => {
  // The "blog" whose feed is imported by address runs on loopback, which only this setting lets the server reach.
  server = await startServer({ env: { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } });
  site = await startFileServer();
  maya = await makeUser(server.app, { handle: 'maya' });
  theo = await makeUser(server.app, { handle: 'theo' });
  tab = signedIn(server.url, server.app, maya);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await site?.close();
});

const post = (title: string, extra = '') => Buffer.from(`---\ntitle: ${title}\n${extra}---\n${title} text.\n`);

/** A zipped Jekyll site (the folder GitHub's "Download ZIP" makes): four posts, one unpublished. */
const blogZip = buildZip([
  { name: 'blog-main/_config.yml', data: Buffer.from('title: Blog\n') },
  { name: 'blog-main/_posts/2009-01-27-small-weather.md', data: post('Small Weather', 'tags: [Poetry, weather]\n') },
  { name: 'blog-main/_posts/2009-02-01-bridges.md', data: post('Bridges', 'categories: science\n') },
  { name: 'blog-main/_posts/2009-03-05-tides.md', data: post('Tides') },
  { name: 'blog-main/_posts/2009-04-09-half-done.md', data: post('Half done', 'published: false\n') },
]);

function upload(zip: Buffer, name: string): FormData {
  const form = new FormData();
  form.set('archive', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), name);
  form.set('format', '');
  form.set('url', '');
  return form;
}

/** Follows the job page until it stops refreshing itself; returns its HTML. */
async function settle(browser: Browser, location: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const r = await browser.get(location);
    expect(r.status).toBe(200);
    const html = await r.text();
    if (!html.includes('http-equiv="refresh"')) return html;
    expect(html).toMatch(/<progress[^>]*max=/);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${location} never finished`);
}

const visibility = (title: string) =>
  (server.app.db.$client.prepare('select visibility from artifacts where owner_id = ? and title = ?').get(maya.id, title) as { visibility: string } | undefined)?.visibility;

function ids(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of html.matchAll(/<tr data-piece="([^"]+)"[\s\S]*?<label for="piece-[^"]+"[^>]*>([^<]+)<\/label>/g)) out.set(m[2], m[1]);
  return out;
}

/** The data folder's files other than the database (a refused import leaves none behind). */
function dataFiles(): string[] {
  return (fs.readdirSync(server.app.config.dataDir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => !/\.db(-wal|-shm|-journal)?$/.test(f))
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

let jobPath = '';

describe('/workspace/import for work from another platform', () => {
  it('checks an upload first: the table of pieces (tags normalised, drafts marked), and nothing imported yet', async () => {
    const r = await tab.postMultipart('/workspace/import', upload(blogZip, 'blog-main.zip'));
    expect(r.status).toBe(303);
    jobPath = r.headers.get('location') ?? '';
    expect(jobPath).toMatch(/^\/workspace\/import\/[0-9a-f-]{36}$/);
    const html = await settle(tab, jobPath);
    expect(html).toContain('Checked blog-main.zip: nothing was imported yet.');
    expect(html).toMatch(/<table id="import-pieces"/);
    expect(html).toMatch(/Small Weather[\s\S]*?<time datetime="2009-01-27[^"]*"[^>]*>2009-01-27<\/time>[\s\S]*?#poetry #weather[\s\S]*?New/);
    expect(html).toMatch(/Half done[\s\S]{0,80}draft there/);
    expect(html).toContain('Import 4 pieces');
    expect(rowCounts(server.app).artifacts).toBe(0);
  });

  it('lists the import on the Import page, for its owner only, to come back to', async () => {
    const page = await (await tab.get('/workspace/import')).text();
    expect(page).toContain('Your imports in the last hour');
    expect(page).toMatch(new RegExp(`<a href="${jobPath}">blog-main.zip</a>: Checked: waiting for you to import it, started`));
    const theirs = await (await signedIn(server.url, server.app, theo).get('/workspace/import')).text();
    expect(theirs).not.toContain(jobPath);
    expect(theirs).not.toContain('Your imports in the last hour');
  });

  it('another student cannot see or run someone else’s import (404)', async () => {
    const other = signedIn(server.url, server.app, theo);
    expect((await other.get(jobPath)).status).toBe(404);
    expect((await other.postForm(jobPath, { action: 'import' })).status).toBe(404);
    expect(rowCounts(server.app).artifacts).toBe(0);
  });

  it('refuses a cross-origin POST', async () => {
    const forged = await tab.postForm(jobPath, { action: 'import' }, { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect(rowCounts(server.app).artifacts).toBe(0);
  });

  it('imports exactly what was checked in the background; the result lists the pieces, private, none ticked', async () => {
    const r = await tab.postForm(jobPath, { action: 'import' });
    expect(r.status).toBe(303);
    const html = await settle(tab, jobPath);
    expect(html).toContain('Imported blog-main.zip: 4 new, 0 updated, 0 unchanged.');
    expect(html).toContain('Make these public');
    expect(html).not.toMatch(/type="checkbox"[^>]*checked/);
    expect(['Small Weather', 'Bridges', 'Tides', 'Half done'].map(visibility)).toEqual(['private', 'private', 'private', 'private']);
    const pieces = ids(html);
    expect([...pieces.keys()].sort()).toEqual(['Bridges', 'Half done', 'Small Weather', 'Tides']);

    // Two ticked; a piece of Theo's smuggled in among them is refused by name, and stays his and private.
    const theirs = (await makeArtifact(server.app, theo, { title: 'Theo’s', visibility: 'private' })).id;
    const made = await tab.postForm(jobPath, { action: 'publish', piece: [pieces.get('Small Weather')!, pieces.get('Tides')!, theirs] });
    expect(made.status).toBe(303);
    const after = await (await tab.get(jobPath)).text();
    expect(after).toMatch(/Now public: .*Small Weather.*Tides/);
    expect(after).toMatch(/Not made public:[\s\S]*not one of the pieces this import brought/);
    expect(['Small Weather', 'Bridges', 'Tides', 'Half done'].map(visibility)).toEqual(['public', 'private', 'public', 'private']);
    expect((server.app.db.$client.prepare('select visibility from artifacts where id = ?').get(theirs) as { visibility: string }).visibility).toBe('private');
    expect((await signedIn(server.url, server.app, theo).get('/@maya/small-weather')).status).toBe(200);
  });

  it('re-importing the same source reports everything unchanged, and keeps what was made public', async () => {
    const r = await tab.postMultipart('/workspace/import', upload(blogZip, 'blog-main.zip'));
    const again = r.headers.get('location') ?? '';
    const checked = await settle(tab, again);
    expect(checked).toContain('0 new, 0 updated, 4 unchanged');
    await tab.postForm(again, { action: 'import' });
    expect(await settle(tab, again)).toContain('Imported blog-main.zip: 0 new, 0 updated, 4 unchanged.');
    expect(rowCounts(server.app).artifacts).toBe(5);
    expect(visibility('Small Weather')).toBe('public');
  });

  it('refuses a hostile zip (a name that climbs out) with nothing written', async () => {
    const rows = rowCounts(server.app);
    const media = mediaFiles(server.app);
    const files = dataFiles();
    const evil = buildZip([{ name: '_posts/2009-01-27-a.md', data: post('A') }, { name: '../x', data: Buffer.from('owned') }]);
    const r = await tab.postMultipart('/workspace/import', upload(evil, 'evil.zip'));
    const html = await settle(tab, r.headers.get('location') ?? '');
    expect(html).toContain('This zip cannot be imported safely, so nothing was imported');
    expect(html).toContain('&quot;../x&quot;');
    expect(rowCounts(server.app)).toEqual(rows);
    expect(mediaFiles(server.app)).toEqual(media);
    expect(dataFiles()).toEqual(files);
  });

  it('asks for something to import, and says what it takes', async () => {
    const empty = new FormData();
    empty.set('archive', new Blob([]), '');
    empty.set('url', '');
    const r = await tab.postMultipart('/workspace/import', empty);
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('Choose the archive (the .zip file) to import.');
    expect(html).toContain('a WordPress export');
    expect(html).toMatch(/<label for="f-url">/);
  });

  it('takes a feed address: fetched, checked, then imported', async () => {
    const feed = { version: 'https://jsonfeed.org/version/1.1', title: 'Notes', items: [{ id: 'n1', title: 'Frost', content_html: '<p>Frost on the <em>window</em>.</p>', date_published: '2021-12-01T08:00:00Z', tags: ['Winter'] }] };
    site.files.set('/feed.json', { bytes: Buffer.from(JSON.stringify(feed)), type: 'application/feed+json' });
    const form = new FormData();
    form.set('archive', new Blob([]), '');
    form.set('url', `${site.base}/feed.json`);
    form.set('format', '');
    const r = await tab.postMultipart('/workspace/import', form);
    expect(r.status).toBe(303);
    const job = r.headers.get('location') ?? '';
    const html = await settle(tab, job);
    expect(html).toContain(`Checked ${site.base}/feed.json: nothing was imported yet.`);
    expect(html).toMatch(/Frost[\s\S]*?2021-12-01[\s\S]*?#winter/);
    expect(site.seen).toEqual(['/feed.json']);
    await tab.postForm(job, { action: 'import' });
    expect(await settle(tab, job)).toContain('1 new, 0 updated, 0 unchanged');
    expect(visibility('Frost')).toBe('private');
  });
});
