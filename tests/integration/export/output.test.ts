/**
 * What readers and hosts get from `potluck site`, checked with readers nobody here wrote: the feeds (parsed with
 * feedsmith) name media files the export holds, the pages (parsed with microformats-parser) give each post one
 * address, the hosting files are there, and a link checker over the folder served under a sub-path finds no broken
 * link and none leaving the base. Private and class-only work is in no file.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseJsonFeed, parseRssFeed } from 'feedsmith';
import { mf2 } from 'microformats-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import { fixture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { startServer, tempDataDir, type TestServer } from '../../helpers/server.ts';
import { checkLinks, documentUrls, listFiles, runSiteCli, uploadPicture } from './helpers.ts';

const PREFIX = '/sub/path/';
const SECRETS = ['Quokka private diary', 'quokka-private', 'quokka-old-name', 'quokka-secret-renamed', 'Narwhal class notes', 'narwhal-members', 'wombatword', 'platypusword'];

let server: TestServer;
let host: http.Server;
let base: string;
let work: string;
let site: string;
const publicSlugs = ['river-walk', 'lab-report', 'cover-story', 'plain-words'];

/** Serves `dir` under PREFIX as a static host does: folders answer their index.html, a missing file 404.html. */
function staticHost(dir: () => string): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host.invalid');
    if (!url.pathname.startsWith(PREFIX)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('outside the site');
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname.slice(PREFIX.length));
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = path.join(dir(), ...relative.split('/'));
    if (!file.startsWith(dir())) {
      res.writeHead(403).end();
      return;
    }
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (stat?.isDirectory()) {
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { location: `${url.pathname}/` }).end();
        return;
      }
      file = path.join(file, 'index.html');
    }
    if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(fs.readFileSync(path.join(dir(), '404.html')));
      return;
    }
    const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : file.endsWith('.xml') ? 'application/xml' : file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
  });
}

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  const ana = await makeUser(app, { handle: 'ana', name: 'Ana Ruiz' });
  const teacher = await makeUser(app, { handle: 'tess', role: 'teacher' });
  makeHub(app, { teacher, students: [ana] });
  const picture = await uploadPicture(app, ana, 3, 'The river');
  const cover = await uploadPicture(app, ana, 4, 'A cover');
  const pdf = await uploadMedia(app, { ownerId: ana.id, file: { name: 'lab report.pdf', bytes: fixture('tiny.pdf') } });
  const day = 86_400_000;
  const at = (n: number) => new Date(Date.UTC(2024, 4, 1) + n * day);
  await makeArtifact(app, ana, { title: 'River walk', slug: 'river-walk', visibility: 'public', tags: ['field'], body: `We walked. #field\n\n${markdownFor(picture)}`, date: at(1) });
  await makeArtifact(app, ana, { title: 'Lab report', slug: 'lab-report', visibility: 'public', body: `The report: ${markdownFor(pdf)}`, date: at(2) });
  await makeArtifact(app, ana, { title: 'Cover story', slug: 'cover-story', visibility: 'public', coverMediaId: cover.id, body: 'With a cover.', date: at(3) });
  // Renamed once: its old address gets a page that sends readers on. A private piece renamed leaves nothing.
  const plain = { title: 'Plain words', kind: 'post' as const, visibility: 'public' as const, body: 'Nothing but words.', date: at(4) };
  const renamed = await makeArtifact(app, ana, { ...plain, slug: 'old-words' });
  await saveArtifact(app, { ownerId: ana.id, artifactId: renamed.id, input: { ...plain, slug: 'plain-words' } });
  const secretInput = { title: 'Quokka private diary', kind: 'post' as const, visibility: 'private' as const, body: 'Mine, renamed.', date: at(5) };
  const secret = await makeArtifact(app, ana, { ...secretInput, slug: 'quokka-old-name' });
  await saveArtifact(app, { ownerId: ana.id, artifactId: secret.id, input: { ...secretInput, slug: 'quokka-secret-renamed' } });
  const hiddenPicture = await uploadPicture(app, ana, 5, 'wombatword picture');
  await makeArtifact(app, ana, { title: 'Quokka private diary', slug: 'quokka-private', visibility: 'private', tags: ['wombatword'], body: `Mine. ${markdownFor(hiddenPicture)}`, date: at(5) });
  await makeArtifact(app, ana, { title: 'Narwhal class notes', slug: 'narwhal-members', visibility: 'members', body: 'For my class: platypusword.', date: at(6) });
  SECRETS.push(hiddenPicture.id);

  work = tempDataDir('potluck-output-');
  site = path.join(work, 'site');
  host = staticHost(() => site);
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(host.address() as AddressInfo).port}${PREFIX}`;
  const result = await runSiteCli(server, ['--handle', 'ana', '--out', site, '--base', base, '--domain', 'ana.example.org']);
  expect(result, result.err).toMatchObject({ code: 0 });
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => host?.close(resolve));
  await server?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The export file an absolute URL under the base names, or why it names none. */
function fileUnderBase(url: string): string {
  expect(url.startsWith(base), `${url} is not under ${base}`).toBe(true);
  const relative = decodeURIComponent(new URL(url).pathname.slice(new URL(base).pathname.length));
  const stat = fs.statSync(path.join(site, ...relative.split('/')), { throwIfNoEntry: false });
  expect(stat?.isFile(), `${url}: no such file in the export`).toBe(true);
  return relative;
}

const srcOf = (html: string) => documentUrls(html).filter((u) => u.attribute === 'src' || u.attribute === 'srcset').map((u) => u.url);

describe('the feeds of the export', () => {
  it('name media files that are in the export: RSS enclosures and pictures in content', () => {
    const feed = parseRssFeed(fs.readFileSync(path.join(site, 'feed.xml'), 'utf8'));
    const items = feed.items ?? [];
    expect(items.length).toBe(publicSlugs.length);
    const enclosures = items.flatMap((i) => i.enclosures ?? []).map((e) => e.url!);
    expect(enclosures.length).toBeGreaterThan(0);
    const pictures = items.flatMap((i) => srcOf(i.content?.encoded ?? ''));
    expect(pictures.length).toBeGreaterThan(0);
    const files = [...enclosures, ...pictures].map(fileUnderBase);
    expect(files.some((f) => f.endsWith('/original.pdf'))).toBe(true);
    expect(files.some((f) => /\/w\d+\.webp$/.test(f))).toBe(true);
  });

  it('name media files that are in the export: JSON Feed image, attachments and pictures in content', () => {
    const feed = parseJsonFeed(fs.readFileSync(path.join(site, 'feed.json'), 'utf8'));
    const items = feed.items ?? [];
    const images = items.map((i) => i.image).filter((u): u is string => typeof u === 'string');
    expect(images.length).toBeGreaterThan(0);
    const attachments = items.flatMap((i) => i.attachments ?? []).map((a) => a.url!);
    expect(attachments.length).toBeGreaterThan(0);
    const pictures = items.flatMap((i) => srcOf(i.content_html ?? ''));
    expect(pictures.length).toBeGreaterThan(0);
    for (const url of [...images, ...attachments, ...pictures]) fileUnderBase(url);
    // Every piece's own address is its clean folder address.
    expect(items.map((i) => i.url).sort()).toEqual(publicSlugs.map((s) => `${base}${s}/`).sort());
  });
});

describe('microformats in the export', () => {
  const parse = (file: string, at: string) => mf2(fs.readFileSync(path.join(site, file), 'utf8'), { baseUrl: at });
  type Item = ReturnType<typeof mf2>['items'][number];
  const all = (items: Item[]): Item[] => items.flatMap((i) => [i, ...all((i.children ?? []) as Item[]), ...all(Object.values(i.properties).flat().filter((v): v is Item => typeof v === 'object' && v !== null && 'type' in v))]);

  it('give each post one address: u-url in the list, u-url and u-uid on its page, rel=canonical and the author URL', () => {
    const index = parse('index.html', base);
    const entries = all(index.items).filter((i) => i.type?.includes('h-entry'));
    expect(entries.length).toBe(publicSlugs.length);
    expect(entries.map((e) => e.properties.url).sort()).toEqual(publicSlugs.map((s) => [`${base}${s}/`]).sort());
    const feed = all(index.items).find((i) => i.type?.includes('h-feed'))!;
    const author = feed.properties.author?.[0] as Item;
    expect(author.properties.url).toEqual([base]);

    for (const slug of publicSlugs) {
      const page = parse(`${slug}/index.html`, `${base}${slug}/index.html`);
      const entry = page.items.find((i) => i.type?.includes('h-entry'))!;
      expect(entry.properties.url, slug).toEqual([`${base}${slug}/`]);
      expect(entry.properties.uid, slug).toEqual([`${base}${slug}/`]);
      expect((entry.properties.author?.[0] as Item).properties.url, slug).toEqual([base]);
      expect(page.rels.canonical, slug).toEqual([`${base}${slug}/`]);
    }
  });

  it('while the links readers click still name files, so the folder works from disk', () => {
    expect(checkLinks(site).broken).toEqual([]);
    const index = documentUrls(fs.readFileSync(path.join(site, 'index.html'), 'utf8'));
    expect(index.filter((u) => u.tag === 'a').map((u) => u.url)).toContain('river-walk/index.html');
  });
});

describe('what a web host reads', () => {
  it('writes 404.html, sitemap.xml, robots.txt, .nojekyll and CNAME', () => {
    const files = listFiles(site);
    for (const name of ['404.html', 'sitemap.xml', 'robots.txt', '.nojekyll', 'CNAME']) expect(files, name).toContain(name);
    expect(fs.readFileSync(path.join(site, 'CNAME'), 'utf8')).toBe('ana.example.org\n');
    expect(fs.statSync(path.join(site, '.nojekyll')).isFile()).toBe(true);
    expect(fs.readFileSync(path.join(site, 'robots.txt'), 'utf8')).toContain(`Sitemap: ${base}sitemap.xml`);
    const notFound = fs.readFileSync(path.join(site, '404.html'), 'utf8');
    expect(notFound).toContain('Page not found');
    expect(notFound).toContain('<meta name="robots" content="noindex">');
    // In the site's style, and linked absolutely: a host answers it at any depth.
    const urls = documentUrls(notFound);
    expect(urls.find((u) => u.rel === 'stylesheet')?.url).toBe(`${base}styles/potluck.css`);
    expect(urls.some((u) => u.tag === 'a' && u.url === base)).toBe(true);
    expect(urls.filter((u) => !/^(https?:|mailto:|#)/.test(u.url))).toEqual([]);
  });

  it('leaves a page at a renamed piece\'s old address that sends the reader on, in no sitemap', () => {
    const moved = fs.readFileSync(path.join(site, 'old-words', 'index.html'), 'utf8');
    expect(moved).toContain('<meta http-equiv="refresh" content="0; url=../plain-words/index.html">');
    expect(moved).toContain(`<link rel="canonical" href="${base}plain-words/">`);
    expect(moved).toContain('<meta name="robots" content="noindex">');
    expect(fs.readFileSync(path.join(site, 'sitemap.xml'), 'utf8')).not.toContain('old-words');
  });

  it('lists the public pieces in the sitemap, absolute under the base', () => {
    const locs = [...fs.readFileSync(path.join(site, 'sitemap.xml'), 'utf8').matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    for (const slug of publicSlugs) expect(locs).toContain(`${base}${slug}/`);
    expect(locs).toContain(base);
    for (const loc of locs) expect(loc.startsWith(base), loc).toBe(true);
    expect(locs.filter((l) => l.endsWith('404.html'))).toEqual([]);
  });

  it('refuses a --domain that is not a bare host name, and writes nothing', async () => {
    for (const domain of ['https://ana.example.org', 'ana.example.org/portfolio', 'ana example', 'ana.example.org:8080']) {
      const out = path.join(work, 'refused');
      const result = await runSiteCli(server, ['--handle', 'ana', '--out', out, '--domain', domain]);
      expect(result.code, domain).not.toBe(0);
      expect(result.err, domain).toMatch(/--domain .*(like “maya\.example\.org”)/);
      expect(fs.existsSync(out)).toBe(false);
    }
  });
});

describe('a link checker over the export served under a sub-path', () => {
  it('finds no broken link and none that leaves the base, from every page, feed and the sitemap', async () => {
    const origin = new URL(base).origin;
    const seen = new Set<string>();
    const problems: string[] = [];
    const external = new Set<string>();
    const queue: { url: string; from: string }[] = [{ url: base, from: '(start)' }];
    for (const file of listFiles(site).filter((f) => /\.(html|xml|json)$/.test(f))) queue.push({ url: base + file.split('/').map(encodeURIComponent).join('/'), from: '(listing)' });
    const found = (raw: string, from: string) => {
      let url: URL;
      try {
        url = new URL(raw.trim(), from);
      } catch {
        problems.push(`${from}: ${raw} is not a URL`);
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
      if (url.origin !== origin) {
        external.add(url.origin);
        return;
      }
      if (!url.pathname.startsWith(PREFIX)) problems.push(`${from}: ${raw} leaves the base`);
      else queue.push({ url: url.href.split('#')[0], from });
    };
    while (queue.length) {
      const { url, from } = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const response = await fetch(url, { redirect: 'follow' });
      const body = await response.text();
      if (response.status !== 200) {
        problems.push(`${from}: ${url} answered ${response.status}`);
        continue;
      }
      const type = response.headers.get('content-type') ?? '';
      const at = response.url;
      if (type.startsWith('text/html')) for (const u of documentUrls(body)) found(u.url, at);
      else if (at.endsWith('sitemap.xml')) for (const m of body.matchAll(/<loc>([^<]+)<\/loc>/g)) found(m[1], at);
      else if (at.endsWith('.xml')) {
        const feed = parseRssFeed(body);
        for (const link of [feed.link, ...(feed.atom?.links ?? []).map((l) => l.href)]) if (link) found(link, at);
        for (const item of feed.items ?? []) {
          if (item.link) found(item.link, at);
          for (const e of item.enclosures ?? []) found(e.url!, at);
          for (const u of documentUrls(item.content?.encoded ?? '')) found(u.url, at);
        }
      } else if (at.endsWith('.json')) {
        const feed = parseJsonFeed(body);
        for (const link of [feed.home_page_url, feed.feed_url, feed.icon, ...(feed.authors ?? []).flatMap((a) => [a.url, a.avatar])]) if (link) found(link, at);
        for (const item of feed.items ?? []) {
          for (const link of [item.url, item.image, ...(item.attachments ?? []).map((a) => a.url)]) if (link) found(link, at);
          for (const u of documentUrls(item.content_html ?? '')) found(u.url, at);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(seen.size).toBeGreaterThan(20);
    // A missing address gets the site's not-found page.
    const missing = await fetch(`${base}no/such/page/`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Page not found');
  });

  it('private and class-only work appears in no exported file', () => {
    const haystack: string[] = [];
    for (const file of listFiles(site)) {
      haystack.push(file);
      if (!file.startsWith('media/')) haystack.push(fs.readFileSync(path.join(site, file), 'utf8'));
    }
    const everything = haystack.join('\n').toLowerCase();
    expect(SECRETS.filter((s) => everything.includes(s.toLowerCase()))).toEqual([]);
    expect(everything).toContain('river walk');
  });
});
