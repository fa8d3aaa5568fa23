/**
 * `potluck site` on a generated portfolio: the folder is complete and self-contained (no broken link from disk),
 * shows the same content as the live pages, puts canonical and feed links under the chosen base, and the zip holds
 * the same files.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../../src/server/db/schema.ts';
import { findUrlAttributes, urlsOf } from '../../../src/core/html/urlAttributes.ts';
import { livePathOfExportPath } from '../../../src/server/export/paths.ts';
import { makeUser, makeArtifact } from '../../helpers/factories.ts';
import { startServer, tempDataDir, type TestServer } from '../../helpers/server.ts';
import {
  checkLinks,
  documentUrls,
  elements,
  listFiles,
  mainText,
  makePortfolio,
  parseHtml,
  referenceUrlAttributes,
  runSiteCli,
  uploadPicture,
  type Portfolio,
} from './helpers.ts';

let server: TestServer;
let portfolio: Portfolio;
let work: string;
let site: string;

beforeAll(async () => {
  server = await startServer();
  portfolio = await makePortfolio(server.app);
  // Someone else's work on the same instance, public and private: never part of Maya's site.
  const other = await makeUser(server.app, { handle: 'omar' });
  const theirs = await uploadPicture(server.app, other, 7, 'Omar picture');
  await makeArtifact(server.app, other, { title: 'Omar public', slug: 'omar-public', visibility: 'public', body: `![x](media:${theirs.id})` });
  work = tempDataDir('potluck-export-');
  site = path.join(work, 'site');
  const result = await runSiteCli(server, ['--handle', 'maya', '--out', site]);
  expect(result, result.err).toMatchObject({ code: 0 });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const handle = 'maya';

/** The live path a static page was rendered from (`entry-3/index.html` -> `/@maya/entry-3/`). */
function livePathOf(file: string): string {
  return livePathOfExportPath(handle, file.replace(/index\.html$/, ''));
}

describe('potluck site (folder)', () => {
  it('writes every public page, feed, picture and attachment, and nothing links to a missing file from disk', () => {
    const files = listFiles(site);
    for (const slug of portfolio.publicSlugs) expect(files).toContain(`${slug}/index.html`);
    for (const name of ['index.html', 'page/2/index.html', 'feed.xml', 'feed.json', 'tags/index.html', 'tags/café/index.html', 'tags/café/feed.xml', 'tags/café/feed.json', 'tags/rivers/feed.json', 'showcases/grade-10/index.html', 'archive/index.html', 'styles/potluck.css']) {
      expect(files).toContain(name);
    }
    for (const item of portfolio.publicMedia) for (const v of item.variants) expect(files).toContain(`media/${item.id}/${v.file}`);
    expect(files).toContain(`media/${portfolio.pdf.id}/original.pdf`);
    expect(files.filter((f) => f.startsWith('omar') || f.includes('omar'))).toEqual([]);
    // Folders are made while pages render; every one of them holds something in the end.
    const folders = (fs.readdirSync(site, { recursive: true, encoding: 'utf8' }) as string[]).filter((p) => fs.statSync(path.join(site, p)).isDirectory());
    expect(folders.length).toBeGreaterThan(portfolio.publicSlugs.length);
    expect(folders.filter((f) => fs.readdirSync(path.join(site, f)).length === 0)).toEqual([]);

    const { pages, broken, files: reached } = checkLinks(site);
    expect(broken).toEqual([]);
    // Every page of the folder is reachable from index.html by clicking (the host's not-found page is not a page
    // of the site).
    expect([...pages].sort()).toEqual(files.filter((f) => f.endsWith('.html') && f !== '404.html'));
    // Pictures are really used by the pages (not just copied along).
    expect([...reached].filter((f) => f.startsWith('media/')).length).toBeGreaterThan(portfolio.publicMedia.length);
  });

  it('links between pages are relative and name the file, so they work from disk and under a sub-path', () => {
    const html = fs.readFileSync(path.join(site, 'entry-3', 'index.html'), 'utf8');
    const links = documentUrls(html).filter((u) => u.tag === 'a').map((u) => u.url);
    expect(links).toContain('../entry-2/index.html');
    expect(links).toContain('../index.html');
    expect(links).toContain('../tags/rivers/index.html');
    expect(documentUrls(html).find((u) => u.rel === 'stylesheet')?.url).toBe('../styles/potluck.css');
    const tagPage = fs.readFileSync(path.join(site, 'tags', 'café', 'index.html'), 'utf8');
    expect(documentUrls(tagPage).some((u) => u.url === '../../entry-0/index.html')).toBe(true);
  });

  it('shows the same content as the live site on every page (and its links are read as a browser reads them)', async () => {
    const pages = listFiles(site).filter((f) => f.endsWith('.html') && f !== '404.html');
    expect(pages.length).toBeGreaterThan(portfolio.publicSlugs.length);
    for (const file of pages) {
      const live = await fetch(new URL(encodeURI(livePathOf(file)), server.url));
      expect(live.status, file).toBe(200);
      const staticHtml = fs.readFileSync(path.join(site, file), 'utf8');
      const liveHtml = await live.text();
      const staticText = mainText(staticHtml);
      expect(staticText, file).toBe(mainText(liveHtml));
      expect(staticText.length, file).toBeGreaterThan(0);
      // The exporter's tokenizer saw exactly the URL attributes a full HTML parser sees, before and after rewriting.
      for (const html of [liveHtml, staticHtml]) {
        const mine = findUrlAttributes(html).map((a) => ({ start: a.start, end: a.end, urls: urlsOf(a) }));
        expect(mine, file).toEqual(referenceUrlAttributes(html));
      }
    }
  });

  it('keeps the feeds whole and absolute', () => {
    const feed = JSON.parse(fs.readFileSync(path.join(site, 'feed.json'), 'utf8')) as { items: { url: string }[] };
    expect(feed.items.length).toBeGreaterThan(0);
    // Without --base, the site's address is this instance's address of the portfolio.
    for (const item of feed.items) expect(item.url.startsWith(`${server.url}/@maya/`), item.url).toBe(true);
  });

  it('--base puts canonical, feed and permalink URLs under the published address; internal links stay relative', async () => {
    const base = 'https://maya.example.org/portfolio/';
    const out = path.join(work, 'based');
    const result = await runSiteCli(server, ['--handle', handle, '--out', out, '--base', base]);
    expect(result, result.err).toMatchObject({ code: 0 });
    expect(result.out).toContain(`canonical and feed links under ${base}`);

    for (const file of listFiles(out).filter((f) => f.endsWith('.html') && f !== '404.html')) {
      const urls = documentUrls(fs.readFileSync(path.join(out, file), 'utf8'));
      const canonical = urls.find((u) => u.rel === 'canonical');
      expect(canonical?.url, file).toBe(base + encodeURI(file.replace(/index\.html$/, '')));
      const alternates = urls.filter((u) => u.rel === 'alternate');
      expect(alternates.length, file).toBeGreaterThanOrEqual(2);
      for (const a of alternates) expect(a.url.startsWith(base), `${file}: ${a.url}`).toBe(true);
    }
    const entry = parseHtml(fs.readFileSync(path.join(out, 'entry-4', 'index.html'), 'utf8'));
    const permalink = elements(entry).find((e) => e.tagName === 'a' && ([e.properties.className].flat() as string[]).includes('u-uid'));
    expect(permalink?.properties.href).toBe(`${base}entry-4/`);

    const rss = fs.readFileSync(path.join(out, 'feed.xml'), 'utf8');
    expect(rss).toContain(`<link>${base}</link>`);
    expect(rss).toContain(`${base}entry-4/`);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'feed.json'), 'utf8')) as { home_page_url: string; feed_url: string; items: { url: string }[] };
    expect(json.home_page_url).toBe(base);
    expect(json.feed_url).toBe(`${base}feed.json`);
    for (const item of json.items) expect(item.url.startsWith(base)).toBe(true);
    const tagFeed = JSON.parse(fs.readFileSync(path.join(out, 'tags', 'café', 'feed.json'), 'utf8')) as { feed_url: string };
    expect(decodeURI(tagFeed.feed_url)).toBe(`${base}tags/café/feed.json`);
    // Every feed URL under the base names a file of the export.
    for (const item of json.items) expect(fs.existsSync(path.join(out, item.url.slice(base.length), 'index.html'))).toBe(true);
    expect(checkLinks(out).broken).toEqual([]);
  });

  it('without --base, canonical links point at the home the student chose for their work', async () => {
    const home = 'https://maya.github.io/work/';
    server.app.db.update(users).set({ canonicalBaseUrl: home }).where(eq(users.id, portfolio.owner.id)).run();
    try {
      const out = path.join(work, 'home');
      const result = await runSiteCli(server, ['--handle', handle, '--out', out]);
      expect(result, result.err).toMatchObject({ code: 0 });
      const urls = documentUrls(fs.readFileSync(path.join(out, 'entry-1', 'index.html'), 'utf8'));
      expect(urls.find((u) => u.rel === 'canonical')?.url).toBe(`${home}entry-1/`);
      expect(urls.find((u) => u.rel === 'alternate')?.url).toBe(`${home}feed.xml`);
    } finally {
      server.app.db.update(users).set({ canonicalBaseUrl: null }).where(eq(users.id, portfolio.owner.id)).run();
    }
  });

  it('--dry-run --json lists every file without writing; --force replaces a folder\'s contents in one step', async () => {
    const before = fs.readdirSync(work).sort();
    const dry = await runSiteCli(server, ['--handle', handle, '--dry-run', '--json']);
    expect(dry, dry.err).toMatchObject({ code: 0 });
    const report = JSON.parse(dry.out) as { pages: number; files: number; listing: { path: string }[]; broken: unknown[] };
    expect(report.listing.map((f) => f.path)).toEqual(listFiles(site));
    expect(report.pages).toBe(listFiles(site).filter((f) => f.endsWith('.html')).length);
    expect(report.broken).toEqual([]);
    expect(fs.readdirSync(work).sort()).toEqual(before);

    const target = path.join(work, 'replace-me');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'old.txt'), 'from before');
    const forced = await runSiteCli(server, ['--handle', handle, '--out', target, '--force']);
    expect(forced, forced.err).toMatchObject({ code: 0 });
    expect(listFiles(target)).toEqual(listFiles(site));
    expect(fs.readdirSync(work).filter((f) => f.includes('.potluck-'))).toEqual([]);
    fs.rmSync(target, { recursive: true });
  });

  it('a zip holds the same files, and unzip accepts it', async () => {
    const zip = path.join(work, 'maya-site.zip');
    const result = await runSiteCli(server, ['--handle', handle, '--out', zip]);
    expect(result, result.err).toMatchObject({ code: 0 });
    expect(fs.readdirSync(work).filter((f) => f.includes('.potluck-'))).toEqual([]);
    execFileSync('unzip', ['-tq', zip]);
    const unpacked = path.join(work, 'unzipped');
    execFileSync('unzip', ['-q', zip, '-d', unpacked]);
    const files = listFiles(site);
    expect(listFiles(unpacked)).toEqual(files);
    // Feeds carry their build time; everything else is byte for byte what the folder holds.
    for (const file of files.filter((f) => !/feed\.(xml|json)$/.test(f))) {
      expect(fs.readFileSync(path.join(unpacked, file)).equals(fs.readFileSync(path.join(site, file))), file).toBe(true);
    }
  });
});
