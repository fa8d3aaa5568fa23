import { runCliProcess } from '../../helpers/cli.ts';
/**
 * The graduate's whole path against a real server: "Export everything" prepares an archive with the site in it as a
 * job, shows its progress, and offers the zip to download (again, and resumed, for a day, to its owner only);
 * `potluck export` writes the same from a shell with progress; the archive opens from disk (site/index.html, links
 * relative), its README is self-contained, its feed is JSON Feed; `potluck build` makes the site from the archive
 * alone; "Import an archive" takes it back (and refuses a bad zip, writing nothing); then the student deletes their
 * account, or an admin does it for them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArchiveZip } from '../../../src/commands/archiveZipImporter.ts';
import { jobs, users } from '../../../src/server/db/schema.ts';
import { ARCHIVE_KEEP_MS, archiveJobFile, sweepArchiveExports } from '../../../src/commands/archiveExportJobs.ts';
import { extractArchiveZip } from '../../../src/server/archive/zipReader.ts';
import { checkLinks } from '../export/helpers.ts';
import { Browser, exportArchiveOnTheWeb } from '../../helpers/http.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { createTestApp, startServer, tempDataDir, type TestServer } from '../../helpers/server.ts';
import { buildZip, dataListing, listFiles, makeRichPortfolio, minimalArchive, rowCounts, verifyZip, type RichPortfolio } from './helpers.ts';

let server: TestServer;
let portfolio: RichPortfolio;
let browser: Browser;
let work: string;
let downloaded: string;

/** Runs the real CLI in a child process against the server's data folder (it renders pages in-process). */
function cli(args: string[], env: Record<string, string> = {}) {
  return runCliProcess(server, args, env);
}

beforeAll(async () => {
  server = await startServer();
  portfolio = await makeRichPortfolio(server.app);
  browser = signedIn(server.url, server.app, portfolio.owner);
  work = tempDataDir('potluck-graduate-');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('Export everything (workspace)', () => {
  it('needs a signed-in person', async () => {
    const r = await new Browser(server.url).get('/workspace/export');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toContain('/signin');
  });

  it('shows what will be included and how large it is, before the download', async () => {
    const r = await browser.get('/workspace/export');
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('6 pieces of work, of every visibility: 3 public, 1 unlisted, 1 for class members, 1 private');
    expect(html).toContain('10 saved versions');
    expect(html).toMatch(/10 pictures and files at full size \([\d.]+ (KB|MB)\)/);
    expect(html).toMatch(/Size: about <strong>[\d.]+ (KB|MB)<\/strong>/);
    expect(html).toContain('holds your private work too');
  });

  it('prepares the whole archive, with the site, as a job, and offers it as a zip download', async () => {
    const started = await browser.request('/workspace/export', { method: 'POST' });
    expect(started.status).toBe(303);
    const jobPath = started.headers.get('location')!;
    expect(jobPath).toMatch(/^\/workspace\/export\/[0-9a-f-]{36}$/);
    let html = await (await browser.get(jobPath)).text();
    for (let i = 0; i < 200 && html.includes('http-equiv="refresh"'); i++) {
      // While it runs, the page says what it does and reloads itself.
      expect(html).toContain('<h1>Preparing your archive</h1>');
      await new Promise((resolve) => setTimeout(resolve, 100));
      html = await (await browser.get(jobPath)).text();
    }
    expect(html).toContain('<h1>Your archive is ready</h1>');
    expect(html).toContain(`href="${jobPath}/download"`);
    expect(html).toMatch(/stays here until .* UTC/);

    const r = await browser.get(`${jobPath}/download`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/zip');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="ines-potluck-archive-\d{4}-\d{2}-\d{2}\.zip"$/);
    expect(r.headers.get('cache-control')).toBe('private, no-store');
    expect(r.headers.get('accept-ranges')).toBe('bytes');
    downloaded = path.join(work, 'downloaded.zip');
    fs.writeFileSync(downloaded, Buffer.from(await r.arrayBuffer()));
    expect(Number(r.headers.get('content-length'))).toBe(fs.statSync(downloaded).size);
    const names = await verifyZip(downloaded);
    for (const name of ['README.html', 'potluck.json', 'media.json', 'hubs.json', 'feed.json', 'site/index.html', 'artifacts/twins/index.md', 'revisions/rain-over-the-valley/5.md']) {
      expect(names).toContain(name);
    }
    // The site holds public work only; private and members-only work is in artifacts/ but never in site/.
    expect(names.some((n) => n.startsWith('site/twins') || n.startsWith('site/leaf-study'))).toBe(false);
    expect(names).toContain('site/rain-over-the-valley/index.html');
    // Listed on the Export page to download again.
    expect(await (await browser.get('/workspace/export')).text()).toContain(`href="${jobPath}/download"`);
  });

  it('resumes a download that was cut off, and only for the same file', async () => {
    const [job] = server.app.db.select().from(jobs).where(eq(jobs.userId, portfolio.owner.id)).all().filter((j) => j.kind === 'archive-export');
    const whole = fs.readFileSync(downloaded);
    const download = `/workspace/export/${job!.id}/download`;
    const first = await browser.get(download);
    const etag = first.headers.get('etag')!;
    await first.body?.cancel();
    const rest = await browser.get(download, { headers: { range: 'bytes=1000-', 'if-range': etag } });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(`bytes 1000-${whole.length - 1}/${whole.length}`);
    expect(Buffer.from(await rest.arrayBuffer()).equals(whole.subarray(1000))).toBe(true);
    // Another file's validator: the whole file again.
    const other = await browser.get(download, { headers: { range: 'bytes=1000-', 'if-range': '"another"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
    const beyond = await browser.get(download, { headers: { range: `bytes=${whole.length + 10}-` } });
    expect(beyond.status).toBe(416);
  });

  it('shows an export and its file to its owner only', async () => {
    const [job] = server.app.db.select().from(jobs).where(eq(jobs.userId, portfolio.owner.id)).all().filter((j) => j.kind === 'archive-export');
    const stranger = signedIn(server.url, server.app, await makeUser(server.app, { handle: 'nosy' }));
    expect((await stranger.get(`/workspace/export/${job!.id}`)).status).toBe(404);
    expect((await stranger.get(`/workspace/export/${job!.id}/download`)).status).toBe(404);
    const anonymous = await new Browser(server.url).get(`/workspace/export/${job!.id}/download`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toContain('/signin');
  });

  it('removes an archive a day after it was made, and says so', async () => {
    const stored = await makeUser(server.app, { handle: 'tidy' });
    const tidy = signedIn(server.url, server.app, stored);
    const { jobPath } = await exportArchiveOnTheWeb(tidy).then(async (r) => (await r.download.arrayBuffer(), r));
    const id = jobPath.split('/').pop()!;
    const file = archiveJobFile(server.app, { id, userId: stored.id });
    expect(fs.existsSync(file)).toBe(true);
    const dayAgo = new Date(Date.now() - ARCHIVE_KEEP_MS - 60_000);
    const row = server.app.db.select().from(jobs).where(eq(jobs.id, id)).get()!;
    server.app.db.update(jobs).set({ updatedAt: dayAgo, result: { ...row.result, keptUntil: new Date(dayAgo.getTime() + ARCHIVE_KEEP_MS).toISOString() } }).where(eq(jobs.id, id)).run();
    expect(sweepArchiveExports(server.app)).toBe(1);
    expect(fs.existsSync(file)).toBe(false);
    expect((await tidy.get(`${jobPath}/download`)).status).toBe(404);
    const html = await (await tidy.get(jobPath)).text();
    expect(html).toContain('<h1>This archive was removed</h1>');
    expect(html).toContain('Export again');
  });

  it('refuses a second export while one is being prepared', async () => {
    const busy = signedIn(server.url, server.app, await makeUser(server.app, { handle: 'eager' }));
    const first = await busy.postForm('/workspace/export', {});
    expect(first.status).toBe(303);
    const second = await busy.postForm('/workspace/export', {});
    // Either the first is still being prepared (refused, with what to do), or it is already done.
    if (second.status === 429) expect(await second.text()).toContain('already being prepared');
    else expect(second.status).toBe(303);
  });

  it('refuses a cross-site POST', async () => {
    const r = await browser.request('/workspace/export', { method: 'POST', origin: 'https://evil.example' });
    expect(r.status).toBe(403);
  });
});

describe('potluck export (shell)', () => {
  let folder: string;
  it('writes the archive with progress lines and a summary', async () => {
    const zip = path.join(work, 'shell.zip');
    const r = await cli(['export', '--handle', 'ines', '--out', zip]);
    expect(r, r.err).toMatchObject({ code: 0 });
    expect(r.out).toContain('Rendering the site…');
    expect(r.out).toMatch(/Writing the archive… \d+\/\d+/);
    expect(r.out).toContain(`Exported everything of @ines to ${zip}:`);
    expect(r.out).toContain('artifacts:  6 (3 public, 1 unlisted, 1 members, 1 private)');
    folder = path.join(work, 'unpacked');
    await extractArchiveZip(zip, folder);
    const again = await cli(['export', '--handle', 'ines', '--out', zip]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already exists, so nothing was written');
  });

  it('opens from disk: site/index.html reaches every page with relative links', () => {
    const { pages, broken } = checkLinks(path.join(folder, 'site'));
    expect(broken).toEqual([]);
    expect(pages.size).toBeGreaterThan(5);
    expect(pages).toContain('rain-over-the-valley/index.html');
  });

  it('has a README that needs nothing from the network, and a JSON Feed of the public work', () => {
    const readme = fs.readFileSync(path.join(folder, 'README.html'), 'utf8');
    expect(readme).not.toMatch(/<script|<link|<img|src=|url\(/i);
    expect(readme).toContain('Inés Ortega');
    const feed = JSON.parse(fs.readFileSync(path.join(folder, 'feed.json'), 'utf8'));
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    const titles = feed.items.map((i: { title: string }) => i.title).sort();
    expect(titles).toEqual(['Con', 'Rain over the valley', 'Spinning']);
    const hubsJson = JSON.parse(fs.readFileSync(path.join(folder, 'hubs.json'), 'utf8'));
    expect(hubsJson.memberships).toHaveLength(1);
    expect(hubsJson.syndications[0]).toMatchObject({ artifact: 'rain-over-the-valley', places: [{ url: 'https://hub.example.org/river' }, { url: 'https://a.example.org/x' }] });
  });
});

describe('potluck build (no server, no database)', () => {
  it('makes the site from the archive alone, under the base asked for, and leaves no temporary folder', async () => {
    const tmp = tempDataDir('potluck-build-tmp-');
    const out = path.join(work, 'rebuilt');
    const before = dataListing(server.app);
    const r = await cli(['build', downloaded, '--out', out, '--base', 'https://ines.example.net/'], { TMPDIR: tmp, POTLUCK_DATA: path.join(work, 'never-created') });
    expect(r, r.err).toMatchObject({ code: 0 });
    expect(r.out).toContain(`Built the public site of @ines in ${out}:`);
    expect(fs.existsSync(path.join(work, 'never-created'))).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('potluck-'))).toEqual([]);
    expect(dataListing(server.app)).toEqual(before);
    const { broken, pages } = checkLinks(out);
    expect(broken).toEqual([]);
    expect(pages).toContain('spinning/index.html');
    const page = fs.readFileSync(path.join(out, 'rain-over-the-valley', 'index.html'), 'utf8');
    expect(page).toContain('https://ines.example.net/rain-over-the-valley/');
    expect(listFiles(out).some((f) => f.includes('twins'))).toBe(false);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a bad archive with its problems and writes nothing', async () => {
    const bad = path.join(work, 'bad.zip');
    fs.writeFileSync(bad, buildZip([...minimalArchive(), { name: '../escape.txt', data: Buffer.from('x') }]));
    const out = path.join(work, 'not-built');
    const r = await cli(['build', bad, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('"../escape.txt": has ".." in its path');
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('Import an archive (workspace)', () => {
  it('checks first (dry run), then imports into a fresh account, and the second time changes nothing', async () => {
    const newcomer = await makeUser(server.app, { handle: 'newcomer' });
    const tab = signedIn(server.url, server.app, newcomer);
    const form = (dryRun: boolean) => {
      const f = new FormData();
      if (dryRun) f.set('dryRun', 'on');
      f.set('archive', new Blob([new Uint8Array(fs.readFileSync(downloaded))], { type: 'application/zip' }), 'ines-potluck-archive.zip');
      return f;
    };
    const check = await tab.postMultipart('/workspace/import', form(true));
    expect(check.status).toBe(200);
    const checkHtml = await check.text();
    expect(checkHtml).toContain('Checked ines-potluck-archive.zip: nothing was imported yet.');
    expect(checkHtml).toContain('Pieces of work: 6 new');
    expect(server.app.db.$client.prepare('select count(*) as n from artifacts where owner_id = ?').get(newcomer.id)).toEqual({ n: 0 });

    // Ines's ids belong to her account here, so the newcomer's copies get ids of their own.
    const imported = await tab.postMultipart('/workspace/import', form(false));
    expect(imported.status).toBe(200);
    const html = await imported.text();
    expect(html).toContain('Imported ines-potluck-archive.zip.');
    expect(html).toContain('Saved versions: 10 added');
    expect(html).toContain('The archive belongs to @ines; it was imported into @newcomer.');
    const again = await (await tab.postMultipart('/workspace/import', form(false))).text();
    expect(again).toContain('Pieces of work: 0 new, 0 updated, 6 unchanged');
    expect(again).toContain('Saved versions: 0 added, 10 already here');
  });

  it('refuses a malicious zip with its reasons, and nothing is written', async () => {
    const rows = rowCounts(server.app);
    const files = dataListing(server.app);
    const f = new FormData();
    f.set('archive', new Blob([new Uint8Array(buildZip([...minimalArchive(), { name: 'artifacts/hello/link.jpg', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 }]))]), 'evil.zip');
    const r = await browser.postMultipart('/workspace/import', f);
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('This zip cannot be imported safely, so nothing was imported:');
    expect(html).toContain('is a link (symbolic or hard)');
    expect(rowCounts(server.app)).toEqual(rows);
    expect(dataListing(server.app)).toEqual(files);
  });

  it('asks for a file when none was chosen', async () => {
    const f = new FormData();
    f.set('archive', new Blob([]), '');
    const r = await browser.postMultipart('/workspace/import', f);
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('Choose the archive (the .zip file) to import.');
  });
});

describe('leaving', () => {
  it('the downloaded archive imports into another Potluck', async () => {
    const elsewhere = createTestApp();
    const report = await importArchiveZip(elsewhere, { zip: downloaded, handle: 'ines' });
    expect(report.artifacts.created).toBe(6);
    elsewhere.db.$client.close();
    fs.rmSync(elsewhere.config.dataDir, { recursive: true, force: true });
  });

  it('a student deletes their own account with their handle and password, and is signed out', async () => {
    const leaver = await makeUser(server.app, { handle: 'leaver' });
    const tab = signedIn(server.url, server.app, leaver);
    const page = await tab.get('/account/delete');
    expect(await page.text()).toContain('Export first.');
    const wrong = await tab.postForm('/account/delete', { confirmHandle: 'leaver', password: 'not-it' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('That is not your password.');
    const done = await tab.postForm('/account/delete', { confirmHandle: 'leaver', password: 'password-leaver' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Your account is deleted');
    expect(server.app.db.select().from(users).where(eq(users.handle, 'leaver')).get()).toBeUndefined();
    const after = await tab.get('/workspace');
    expect(after.status).toBe(303);
  });

  it('an admin deletes an account at its owner\'s request, typing the handle; others may not', async () => {
    const target = await makeUser(server.app, { handle: 'asked' });
    const teacher = await makeUser(server.app, { handle: 'mrteach', role: 'teacher' });
    const forbidden = await signedIn(server.url, server.app, teacher).get(`/admin/delete-account?user=${target.id}`);
    expect(forbidden.status).toBe(403);
    const admin = await makeUser(server.app, { handle: 'root1', role: 'admin' });
    const tab = signedIn(server.url, server.app, admin);
    const list = await (await tab.get('/admin')).text();
    expect(list).toContain(`/admin/delete-account?user=${target.id}`);
    const typo = await tab.postForm(`/admin/delete-account?user=${target.id}`, { confirmHandle: 'aske' });
    expect(typo.status).toBe(400);
    expect(await typo.text()).toContain('Type the handle exactly as shown (asked) to confirm.');
    const done = await tab.postForm(`/admin/delete-account?user=${target.id}`, { confirmHandle: 'asked' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('@asked is deleted');
    expect(server.app.db.select().from(users).where(eq(users.handle, 'asked')).get()).toBeUndefined();
  });
});
