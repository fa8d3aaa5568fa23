// What readers nobody here wrote make of a hub, through the real server: microformats-parser finds the river as
// one h-feed whose entries name their authors as h-cards; feedsmith finds the attachments and no made-up titles in
// the hub's feeds; the OPML lists each member's feed of the hub's tags; a browser is sent the RSS as XML with the
// feed stylesheet, which libxslt (xsltproc) turns into a page with the items and the address to paste.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRssFeed } from 'feedsmith';
import { mf2 } from 'microformats-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptHubInvitation } from '../../../src/commands/hubInvitationAccepter.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { parseOpml } from '../../../src/core/feeds/opml.ts';
import type { Hub, Media, User } from '../../../src/server/db/schema.ts';
import { fixture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { getJsonFeed, getRssFeed } from '../feeds/reading.ts';
import { rss, startFeedServer, type FeedServer } from './feedServer.ts';

const SITE = 'https://school.example';
/** xsltproc (Debian's `xsltproc` package: libxslt, the XSLT engine browsers have used). */
const XSLTPROC = process.env.XSLTPROC_PATH ?? 'xsltproc';
/** What a browser's navigation asks for (Chromium's Accept header). */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let server: TestServer;
let feeds: FeedServer;
let teacher: User;
let maya: User;
let pdf: Media;
let open: Hub;
let twoTags: Hub;
let anonymous: Browser;

beforeAll(async () => {
  [server, feeds] = await Promise.all([startServer({ env: { POTLUCK_SITE_URL: SITE, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } }), startFeedServer()]);
  const app = server.app;
  teacher = await makeUser(app, { handle: 'ms-lee', role: 'teacher', name: 'Ms Lee' });
  maya = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  const actor = { id: teacher.id, role: 'teacher' as const };
  open = createHub(app, { actor, input: { slug: 'open-class', title: 'Open class', tags: 'eng10', visibility: 'public' } });
  twoTags = createHub(app, { actor, input: { slug: 'two-tags', title: 'Two tags', tags: 'cafe, eng10', visibility: 'public' } });
  for (const hub of [open, twoTags]) {
    addHubMember(app, { actor, hubId: hub.id, handle: 'maya' });
    acceptHubInvitation(app, { actor: { id: maya.id, role: 'student' }, hubId: hub.id });
  }
  pdf = await uploadMedia(app, { ownerId: maya.id, file: { name: 'worksheet.pdf', bytes: fixture('tiny.pdf') } });
  await makeArtifact(app, maya, { title: 'Essay with a worksheet', slug: 'essay', visibility: 'public', tags: ['eng10'], body: `Download [the worksheet](media:${pdf.id}).` });
  await makeArtifact(app, maya, { title: 'Not for the hub', slug: 'other', visibility: 'public', tags: ['art'] });
  // Her own spelling of the second hub's tag: the hub matches it, and so must her outline's feed.
  await makeArtifact(app, maya, { title: 'At the café', slug: 'cafe-visit', visibility: 'public', tags: ['café'] });
  // A blog outside Potluck whose post has no title (a microblog), and names its site.
  feeds.serve('/blog.xml', rss('Sam’s blog', [{ title: '', link: 'https://blog.example/p/1', guid: 'p1', date: '2025-03-02T10:00:00Z', categories: ['eng10'], html: '<p>Reading notes for the class</p>' }], 'https://blog.example/'));
  const added = await signedIn(server.url, app, teacher).postForm('/hubs/open-class/sources', { intent: 'add', url: `${feeds.base}/blog.xml` });
  expect(added.status).toBe(303);
  anonymous = new Browser(server.url);
});

afterAll(async () => {
  await Promise.all([server?.stop(), feeds?.close()]);
});

/** The served address of an absolute URL this server writes under its public base. */
const local = (url: string) => url.replace(SITE, '');

describe('the hub page for a microformats reader', () => {
  it('is one h-feed whose children are the entries, each with an author h-card (name and url)', async () => {
    const response = await anonymous.get('/hubs/open-class/');
    expect(response.status).toBe(200);
    const parsed = mf2(await response.text(), { baseUrl: `${server.url}/hubs/open-class/` });
    const hfeed = parsed.items.find((i) => i.type?.includes('h-feed'));
    expect(hfeed, 'an h-feed at the top level').toBeDefined();
    expect(hfeed!.properties.name).toEqual(['Open class']);
    // Nothing left outside the feed: every h-entry on the page is one of its children.
    expect(parsed.items.filter((i) => i.type?.includes('h-entry'))).toEqual([]);
    const entries = hfeed!.children ?? [];
    expect(entries.map((e) => e.type)).toEqual([['h-entry'], ['h-entry']]);
    const authors = Object.fromEntries(
      entries.map((e) => {
        const author = e.properties.author?.[0] as { type?: string[]; properties: Record<string, unknown[]> };
        expect(author.type).toEqual(['h-card']);
        return [String(e.properties.name?.[0]).trim(), { name: author.properties.name, url: author.properties.url }];
      }),
    );
    expect(authors['Essay with a worksheet']).toEqual({ name: ['Maya L'], url: [`${server.url}/@maya/`] });
    expect(authors['Reading notes for the class']).toEqual({ name: ['Sam’s blog'], url: ['https://blog.example/'] });
  });
});

describe('the hub feeds', () => {
  it('carry the attachments of members’ work, as the portfolio feed does', async () => {
    const enclosure = { url: `${SITE}/media/${pdf.id}/`, length: pdf.bytes, type: 'application/pdf' };
    const own = await getRssFeed(anonymous, '/@maya/feed.xml');
    expect(own.feed.items!.find((i) => i.title === 'Essay with a worksheet')!.enclosures).toEqual([enclosure]);
    const hubRss = await getRssFeed(anonymous, '/hubs/open-class/feed.xml');
    expect(hubRss.feed.items!.find((i) => i.title === 'Essay with a worksheet')!.enclosures).toEqual([enclosure]);
    const hubJson = await getJsonFeed(anonymous, '/hubs/open-class/feed.json');
    expect(hubJson.feed.items.find((i: { title?: string }) => i.title === 'Essay with a worksheet').attachments).toEqual([
      { url: `${SITE}/media/${pdf.id}/`, mime_type: 'application/pdf', title: 'worksheet.pdf', size_in_bytes: pdf.bytes },
    ]);
  });

  it('leave the title out of a post that has none, in both formats', async () => {
    const hubRss = await getRssFeed(anonymous, '/hubs/open-class/feed.xml');
    const post = hubRss.feed.items!.find((i) => i.link === 'https://blog.example/p/1')!;
    expect(post.title).toBeUndefined();
    expect(post.description).toContain('Reading notes for the class');
    expect(hubRss.text).not.toMatch(/untitled|No title/i);
    const hubJson = await getJsonFeed(anonymous, '/hubs/open-class/feed.json');
    const item = hubJson.feed.items.find((i: { url: string }) => i.url === 'https://blog.example/p/1');
    expect(item).toBeDefined();
    expect('title' in item).toBe(false);
  });
});

describe('members.opml', () => {
  async function outlines(browser: Browser, slug: string) {
    const response = await browser.get(`/hubs/${slug}/members.opml`);
    expect(response.status).toBe(200);
    const parsed = parseOpml(await response.text());
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.opml.sources;
  }

  it('lists a member’s feed of the hub’s tag, not their whole portfolio; outside feeds stay as they are', async () => {
    const sources = await outlines(anonymous, 'open-class');
    const portfolios = sources.filter((s) => s.folder === 'Potluck portfolios');
    expect(portfolios.map((s) => s.xmlUrl)).toEqual([`${SITE}/@maya/tags/eng10/feed.xml`]);
    expect(portfolios[0]).toMatchObject({ htmlUrl: `${SITE}/@maya/tags/eng10/`, categories: ['/potluck/member/maya'] });
    expect(sources.filter((s) => s.folder === 'External feeds').map((s) => s.xmlUrl)).toEqual([`${feeds.base}/blog.xml`]);
    // The outline's feed is the member's work in the hub, and only that.
    const tagFeed = await getRssFeed(anonymous, local(portfolios[0]!.xmlUrl));
    expect(tagFeed.feed.items!.map((i) => i.title)).toEqual(['Essay with a worksheet']);
  });

  it('for a hub of several tags, lists one outline per member per tag, her own spelling of a tag too', async () => {
    const sources = await outlines(signedIn(server.url, server.app, teacher), 'two-tags');
    const portfolios = sources.filter((s) => s.categories.includes('/potluck/member/maya'));
    expect(portfolios.map((s) => s.xmlUrl).sort()).toEqual(
      [`${SITE}/@maya/tags/cafe/feed.xml`, `${SITE}/@maya/tags/${encodeURIComponent('café')}/feed.xml`, `${SITE}/@maya/tags/eng10/feed.xml`].sort(),
    );
    expect(portfolios.map((s) => s.title)).toContain('Maya L (@maya): #café');
    const titles = new Set<string>();
    for (const s of portfolios) for (const i of (await getRssFeed(anonymous, local(s.xmlUrl))).feed.items ?? []) titles.add(i.title!);
    expect([...titles].sort()).toEqual(['At the café', 'Essay with a worksheet']);
  });
});

describe('a hub feed opened in a browser', () => {
  it('is sent as XML naming the same-origin feed stylesheet; readers still get RSS they parse', async () => {
    const reader = await anonymous.get('/hubs/open-class/feed.xml');
    expect(reader.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(reader.headers.get('vary')).toMatch(/Accept/);
    const text = await reader.text();
    expect(text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<\?xml-stylesheet type="text\/xsl" href="\/feed\.xsl"\?>/);
    expect(parseRssFeed(text).title).toBe('Open class');

    const browser = await anonymous.get('/hubs/open-class/feed.xml', { headers: { accept: BROWSER_ACCEPT } });
    expect(browser.status).toBe(200);
    expect(browser.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(await browser.text()).toBe(text);
    // A conditional request from the browser is answered by the same rule.
    const again = await anonymous.get('/hubs/open-class/feed.xml', { headers: { accept: BROWSER_ACCEPT, 'if-none-match': browser.headers.get('etag')! } });
    expect(again.status).toBe(304);
    expect(again.headers.get('vary')).toMatch(/Accept/);
  });

  it('becomes a page with the feed’s title, its linked items and the address to paste (xsltproc)', async () => {
    const [feed, sheet] = await Promise.all([anonymous.get('/hubs/open-class/feed.xml'), anonymous.get('/feed.xsl')]);
    expect(sheet.status).toBe(200);
    const html = transform(await sheet.text(), await feed.text());
    expect(html).toContain('<h1>Open class</h1>');
    expect(html).toContain('paste this address into your reader');
    expect(html).toContain(`<code id="feed-address">${SITE}/hubs/open-class/feed.xml</code>`);
    expect(html).toContain(`<a href="${SITE}/@maya/essay/">Essay with a worksheet</a>`);
    // The post without a title is named by its first words, never "(untitled)".
    expect(html).toContain('<a href="https://blog.example/p/1">Reading notes for the class</a>');
    expect(html).toMatch(/Sun, 02 Mar 2025/);
    // Nothing from another site is loaded: the only stylesheet is Potluck's own.
    expect(html.match(/<(link|script|img)\b[^>]*>/g)).toEqual(['<link rel="stylesheet" href="/styles/potluck.css">']);
  });
});

/** Runs the stylesheet over the feed with xsltproc, offline. */
function transform(xsl: string, xml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-xsl-'));
  try {
    fs.writeFileSync(path.join(dir, 'feed.xsl'), xsl);
    fs.writeFileSync(path.join(dir, 'feed.xml'), xml);
    try {
      return execFileSync(XSLTPROC, ['--nonet', '--novalid', path.join(dir, 'feed.xsl'), path.join(dir, 'feed.xml')], { encoding: 'utf8' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`xsltproc not found (${XSLTPROC}). Install Debian's package: apt-get install xsltproc`);
      throw error;
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
