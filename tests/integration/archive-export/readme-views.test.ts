/**
 * README.html as the archive's front door: exported to a zip and unpacked, it links to the site and to a page for
 * every piece of every visibility (marked), each with its saved versions, feedback and review statuses, approved
 * Webmentions, and its pictures and files from the archive itself; every link resolves to a file in the archive and
 * no page asks the network for anything. Then Chromium opens it from file:// and clicks through to a piece and one
 * of its versions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Element, Root } from 'hast';
import type { Browser } from 'playwright-core';
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportArchive } from '../../../src/commands/archiveExporter.ts';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { contributionStatuses, webmentions, type Artifact, type User } from '../../../src/server/db/schema.ts';
import { extractArchiveZip } from '../../../src/server/archive/zipReader.ts';
import { loopbackRenderer } from '../../../src/server/export/renderer.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import { fixture, picture } from '../../fixtures/media/generate.ts';
import { launchChromium } from '../../helpers/browser.ts';
import { makeHub, makeUser } from '../../helpers/factories.ts';
import { startServer, tempDataDir, type TestServer } from '../../helpers/server.ts';
import { addFeedback } from '../privacy/feedbackRows.ts';
import { listFiles } from './helpers.ts';

const SECRET = 'zanzibar-private-thought';
const CLASS_ONLY = 'marigold-class-only-note';
const FIRST_DRAFT = 'A clumsy first draft';

let server: TestServer;
let work: string;
let root: string;
let maya: User;
let lee: User;
let siteUrl: string;
const pieces: Record<string, Artifact> = {};
let browser: Browser | undefined;

async function save(key: string, input: Parameters<typeof saveArtifact>[1]['input'], note?: string) {
  const { artifact } = await saveArtifact(server.app, { ownerId: maya.id, artifactId: pieces[key]?.id, input, note });
  pieces[key] = artifact;
  return artifact;
}

function addMention(app: AppContext, artifact: Artifact, props: Partial<typeof webmentions.$inferInsert>) {
  const now = app.now();
  app.db
    .insert(webmentions)
    .values({
      id: app.newId(),
      artifactId: artifact.id,
      ownerId: artifact.ownerId,
      source: 'https://blog.example/reply',
      target: `${app.config.siteUrl}/@maya/${artifact.slug}/`,
      sourceHost: 'blog.example',
      status: 'verified',
      kind: 'reply',
      decision: 'approved',
      authorName: 'Ana Reader',
      authorUrl: 'https://ana.example/',
      url: 'https://blog.example/reply',
      published: new Date('2026-11-20T10:00:00Z'),
      contentHtml: '<p>A lovely essay. <img src="https://tracker.example/pixel.gif" alt="pixel"></p>',
      receivedAt: now,
      verifiedAt: now,
      ...props,
    })
    .run();
}

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  siteUrl = app.config.siteUrl.replace(/\/+$/, '');
  work = tempDataDir('potluck-readme-views-');
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Chen' });
  lee = await makeUser(app, { handle: 'mrs-lee', name: 'Ms Lee', role: 'teacher' });
  const hubId = makeHub(app, { teacher: lee, students: [maya], slug: 'science-10' });
  const up = async (name: string, bytes: Buffer, alt = '') => uploadMedia(app, { ownerId: maya.id, file: { name, bytes }, alt });
  const chart = await up('Rain chart.png', await picture(640, 400, 'png'), 'A bar chart of rainfall');
  const sketch = await up('first sketch.png', await picture(320, 240, 'png'), 'The first sketch');
  const report = await up('Lab Report.pdf', fixture('tiny.pdf'));

  // Three saved versions: the first showed a picture the later ones do not.
  const essay = { title: 'Rain over the valley', kind: 'post' as const, visibility: 'public' as const, slug: 'rain', tags: ['science', 'rain'], date: new Date(Date.UTC(2025, 2, 21)) };
  await save('essay', { ...essay, body: `${FIRST_DRAFT}, **bold** already.\n\n${markdownFor(sketch)}\n` }, 'First try');
  await save('essay', { ...essay, body: `The second draft, with data.\n\n${markdownFor(chart)}\n` }, 'Added the chart');
  await save('essay', {
    ...essay,
    body: `The final essay. See [my notes](/@maya/notes/#plan) and [the hub](/hubs/science-10/).\n\n${markdownFor(chart)}\n\nThe report: [page two](media:${report.id}#page=2).\n\n<script>alert(1)</script>\n`,
  });
  await save('notes', { title: 'Private notes', kind: 'reflection', visibility: 'private', slug: 'notes', tags: ['science'], body: `${SECRET}\n\n## Plan\n\nMore later.`, date: new Date(Date.UTC(2024, 10, 2)) });
  await save('class', { title: 'For my class', kind: 'project', visibility: 'members', slug: 'for-class', body: `${CLASS_ONLY}.`, date: new Date(Date.UTC(2025, 0, 5)) });

  addFeedback(app, { artifact: pieces.essay, author: lee, hubId, body: 'Lovely **imagery**. Add a source.' });
  addFeedback(app, { artifact: pieces.essay, author: maya, body: 'Thank you, I will.' });
  app.db.insert(contributionStatuses).values({ hubId, artifactId: pieces.essay.id, status: 'needs_revision', revision: 2, setBy: lee.id, setAt: new Date(Date.UTC(2025, 2, 22)) }).run();
  addMention(app, pieces.essay, {});
  addMention(app, pieces.essay, { source: 'https://pending.example/1', sourceHost: 'pending.example', decision: 'pending', authorName: 'Not Yet Approved' });

  const zip = path.join(work, 'archive.zip');
  const renderer = loopbackRenderer(server.url);
  await exportArchive(app, { handle: 'maya', out: { kind: 'zip', path: zip }, site: { renderer } });
  await renderer.close();
  root = path.join(work, 'unpacked');
  await extractArchiveZip(zip, root);
  // Nothing below needs the server: stop it, so nothing could be loaded from it by accident.
  await server.stop();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const parser = unified().use(rehypeParse);

/** Every address in a page: the element, the attribute and its value (each srcset candidate on its own). */
function addresses(html: string): { tag: string; attr: string; url: string }[] {
  const out: { tag: string; attr: string; url: string }[] = [];
  const walk = (node: Root | Element) => {
    for (const child of node.children) {
      if (child.type !== 'element') continue;
      for (const [attr, value] of Object.entries(child.properties)) {
        if (!['href', 'src', 'srcSet', 'poster', 'action', 'data', 'formAction', 'cite'].includes(attr)) continue;
        const values = attr === 'srcSet' ? (Array.isArray(value) ? value.map(String) : String(value).split(',')).map((c) => c.trim().split(/\s+/)[0]) : [String(value)];
        for (const url of values) out.push({ tag: child.tagName, attr, url });
      }
      walk(child);
    }
  };
  walk(parser.parse(html) as Root);
  return out;
}

const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
/** README.html and the pages it opens. */
const readmePages = () => ['README.html', ...listFiles(path.join(root, 'view')).map((f) => `view/${f}`)];

/** The archive path a relative link from `from` points at (fragment and query dropped), or null for in-page links. */
function target(from: string, url: string): string | null {
  const bare = url.split('#')[0].split('?')[0];
  if (bare === '') return null;
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), decodeURIComponent(bare)));
}

describe("the archive's README.html and its pages", () => {
  it('are plain pages for a phone: viewport, one h1, no scripts, no stylesheets or fonts from anywhere', () => {
    for (const file of readmePages()) {
      const html = read(file);
      expect(html, file).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(html.match(/<h1[ >]/g), file).toHaveLength(1);
      expect(html, file).not.toMatch(/<script|<link|<iframe|@import|url\(|@font-face/i);
    }
    // The student's own <script> in the Markdown is not in the page, as on the site.
    expect(read('view/rain/index.html')).not.toContain('alert(1)');
  });

  it('link only to files in the archive; the only addresses outside it are plain <a> links', () => {
    const files = new Set(listFiles(root));
    const broken: string[] = [];
    const external: string[] = [];
    for (const file of readmePages()) {
      for (const { tag, attr, url } of addresses(read(file))) {
        if (/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(url)) {
          if (!(tag === 'a' && attr === 'href' && /^(https?|mailto):/i.test(url))) external.push(`${file}: <${tag} ${attr}="${url}">`);
          continue;
        }
        if (url.startsWith('/')) {
          broken.push(`${file}: ${url} (absolute path)`);
          continue;
        }
        const to = target(file, url);
        if (to !== null && !files.has(to)) broken.push(`${file}: ${url} -> ${to}`);
      }
    }
    expect(broken).toEqual([]);
    expect(external).toEqual([]);
    // The remote picture a Webmention carried is not loaded (its words stay).
    expect(read('view/rain/index.html')).not.toContain('tracker.example');
    expect(read('view/rain/index.html')).toContain('A lovely essay.');
  });

  it('reach every piece of every visibility and every saved version from README.html, each marked with who could read it', () => {
    const seen = new Set<string>();
    const queue = ['README.html'];
    while (queue.length) {
      const file = queue.shift()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const { tag, url } of addresses(read(file))) {
        const to = tag === 'a' && !/^[a-z]+:/i.test(url) ? target(file, url) : null;
        if (to?.startsWith('view/') && to.endsWith('.html')) queue.push(to);
      }
    }
    const expected = ['view/rain/index.html', 'view/rain/1.html', 'view/rain/2.html', 'view/rain/3.html', 'view/notes/index.html', 'view/notes/1.html', 'view/for-class/index.html', 'view/for-class/1.html'];
    expect([...seen].filter((f) => f.startsWith('view/')).sort()).toEqual(expected.sort());
    const readme = read('README.html');
    expect(readme).toContain('href="site/index.html"');
    expect(readme).toMatch(/<a href="view\/notes\/index.html">Private notes<\/a>[^]*?Private<\/span>/);
    expect(readme).toMatch(/<a href="view\/for-class\/index.html">For my class<\/a>[^]*?Class only<\/span>/);
    // By tag: the private piece is listed under #science with the public one.
    const science = readme.slice(readme.indexOf('<h3 id="tag-science">'), readme.indexOf('</ul>', readme.indexOf('<h3 id="tag-science">')));
    expect(science).toContain('Rain over the valley');
    expect(science).toContain('Private notes');
    expect(read('view/notes/index.html')).toContain(SECRET);
    expect(read('view/notes/index.html')).toContain('<strong>Private</strong>: only you could see it');
    expect(read('view/for-class/index.html')).toContain(CLASS_ONLY);
  });

  it('show each saved version, dated, rendered from its Markdown, with its note and the picture it showed', () => {
    const piece = read('view/rain/index.html');
    expect(piece).toMatch(/<a href="1.html">Version 1<\/a>, saved <time datetime="[^"]+">[^<]+<\/time>: First try/);
    expect(piece).toContain('<a href="2.html">Version 2</a>');
    const first = read('view/rain/1.html');
    expect(first).toContain('Version 1 of 3');
    expect(first).toContain('Note: First try');
    expect(first).toContain(`${FIRST_DRAFT}, <strong>bold</strong> already.`);
    const img = addresses(first).find((a) => a.tag === 'img' && a.attr === 'src');
    expect(img?.url).toBe('../../artifacts/rain/first-sketch.png');
    // The first sketch is only in the history: the piece lists it as such.
    expect(piece).toContain('shown only by an older version');
  });

  it('show the piece with its pictures and files from the archive, and links to the student’s other pieces offline', () => {
    const piece = read('view/rain/index.html');
    const links = addresses(piece);
    expect(links).toContainEqual({ tag: 'img', attr: 'src', url: '../../artifacts/rain/rain-chart.png' });
    expect(links.some((a) => a.tag === 'img' && a.attr === 'srcSet' && a.url.startsWith('../../variants/'))).toBe(true);
    expect(links).toContainEqual({ tag: 'a', attr: 'href', url: '../../artifacts/rain/lab-report.pdf#page=2' });
    expect(links.some((a) => a.tag === 'a' && /^\.\.\/\.\.\/view\/notes\/index\.html#/.test(a.url))).toBe(true);
    expect(links).toContainEqual({ tag: 'a', attr: 'href', url: `${siteUrl}/hubs/science-10/` });
    expect(links).toContainEqual({ tag: 'a', attr: 'href', url: '../../site/rain/index.html' });
  });

  it('show the feedback thread with names, dates and the review status, and only the approved Webmentions', () => {
    const piece = read('view/rain/index.html');
    expect(piece).toMatch(/<strong>Ms Lee<\/strong> \(teacher, science-10\), on version 3, <time datetime="2025-03-01T09:\d\d:00.000Z">1 March 2025, 09:\d\d UTC<\/time>/);
    expect(piece).toContain('Lovely <strong>imagery</strong>. Add a source.');
    expect(piece).toContain('<strong>Maya Chen</strong> (you)');
    expect(piece).toContain('<strong>Needs revision</strong>, on version 2');
    expect(piece).toContain('<a href="https://ana.example/">Ana Reader</a> replied');
    expect(piece).not.toContain('Not Yet Approved');
    const readme = read('README.html');
    expect(readme).toContain('<a href="view/rain/index.html#feedback">Rain over the valley</a>');
  });

  it('leave site/ with the public work only', () => {
    const site = listFiles(path.join(root, 'site'));
    expect(site).toContain('rain/index.html');
    expect(site.some((f) => f.startsWith('notes/') || f.startsWith('for-class/'))).toBe(false);
    for (const f of site.filter((f) => /\.(html|xml|json|txt)$/.test(f))) {
      const text = fs.readFileSync(path.join(root, 'site', f), 'utf8');
      expect(text.includes(SECRET) || text.includes(CLASS_ONLY), f).toBe(false);
    }
  });

  it('open from file:// in Chromium: README.html -> a piece -> one of its versions, pictures loaded, nothing from the network', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    page.setDefaultTimeout(8_000);
    const requests: string[] = [];
    const failed: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    await page.goto(pathToFileURL(path.join(root, 'README.html')).href);
    await expect(page.locator('h1').textContent()).resolves.toBe("Maya Chen's work, all of it");

    await page.getByRole('link', { name: 'Rain over the valley' }).first().click();
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/\/view\/rain\/index\.html$/);
    await expect(page.locator('h1').textContent()).resolves.toBe('Rain over the valley');
    const chart = page.locator('.entry img').first();
    await chart.scrollIntoViewIfNeeded();
    await page.waitForFunction((img) => (img as HTMLImageElement).complete, await chart.elementHandle());
    expect(await chart.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);

    await page.getByRole('link', { name: 'Version 1', exact: true }).click();
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/\/view\/rain\/1\.html$/);
    await expect(page.locator('.entry').textContent()).resolves.toContain(FIRST_DRAFT);
    const sketch = page.locator('.entry img').first();
    await page.waitForFunction((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0, await sketch.elementHandle());
    expect(await sketch.evaluate((img) => (img as HTMLImageElement).currentSrc)).toMatch(/^file:\/\/.*\/(artifacts\/rain\/first-sketch\.png|variants\/[0-9a-f]{64}\/w\d+\.webp)$/);

    // Back to the front door.
    await page.getByRole('link', { name: "All of Maya Chen's work" }).click();
    await page.waitForLoadState('load');
    expect(page.url()).toBe(pathToFileURL(path.join(root, 'README.html')).href);
    expect(failed).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
  }, 60_000);
});
