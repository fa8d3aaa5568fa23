// Portfolio and tag feeds from a real server, read the way feed readers and course hubs read them.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import { artifacts, users, type Artifact, type Media, type User } from '../../../src/server/db/schema.ts';
import { STATIC_BASE_HEADER, STATIC_TOKEN_HEADER } from '../../../src/server/http/renderMode.ts';
import { bumpContentVersion } from '../../../src/server/repositories/portfolio.ts';
import { fixture, picture as makePicture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { SITE, getJsonFeed, getRssFeed, jsonItems, onServer, relativeAddresses, rssItems } from './reading.ts';

const STATIC_TOKEN = 'feeds-test-static-token-0123456789';

let server: TestServer;
let anonymous: Browser;
let maya: User;
let picture: Media;
let cover: Media;
let pdf: Media;
let essay: Artifact;
let poem: Artifact;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_SITE_URL: SITE, POTLUCK_STATIC_TOKEN: STATIC_TOKEN } });
  anonymous = new Browser(server.url);
  const app = server.app;
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Ortiz' });
  picture = await uploadMedia(app, { ownerId: maya.id, file: { name: 'x.jpg', bytes: await makePicture(800, 600) }, alt: 'A sketch' });
  cover = await uploadMedia(app, { ownerId: maya.id, file: { name: 'cover.jpg', bytes: await makePicture(800, 600) } });
  pdf = await uploadMedia(app, { ownerId: maya.id, file: { name: 'tiny.pdf', bytes: fixture('tiny.pdf') } });
  poem = await makeArtifact(app, maya, {
    title: 'Rain',
    slug: 'rain',
    visibility: 'public',
    tags: ['poetry'],
    date: new Date('2024-09-01T08:00:00Z'),
    body: 'Short and wet. #week-1',
  });
  essay = await makeArtifact(app, maya, {
    title: 'On clouds & <weather>',
    slug: 'clouds',
    summary: 'Why clouds float.',
    visibility: 'public',
    tags: ['science', 'café'],
    coverMediaId: cover.id,
    date: new Date('2024-09-12T08:30:00Z'),
    body: [
      'Here is my sketch:',
      '',
      `![A sketch](media:${picture.id})`,
      '',
      `Download [the worksheet](media:${pdf.id}), read [my poem](/@maya/rain/) or [notes](notes/).[^1] #week-1`,
      '',
      '[^1]: Observed on a Tuesday.',
    ].join('\n'),
  });
});

afterAll(async () => {
  await server?.stop();
});

describe('the portfolio feeds', () => {
  it('serve a valid JSON Feed 1.1 naming the portfolio, its author, language and both addresses', async () => {
    const { feed } = await getJsonFeed(anonymous, '/@maya/feed.json');
    expect(feed).toMatchObject({
      title: 'Maya Ortiz',
      home_page_url: `${SITE}/@maya/`,
      feed_url: `${SITE}/@maya/feed.json`,
      language: 'en',
      authors: [{ name: 'Maya Ortiz', url: `${SITE}/@maya/` }],
    });
    expect(feed.items.map((i: any) => i.title)).toEqual(['On clouds & <weather>', 'Rain']);
  });

  it('say the same in RSS as in JSON Feed: titles, links, dates and categories, read by feedsmith', async () => {
    const { feed: json } = await getJsonFeed(anonymous, '/@maya/feed.json');
    const { feed: rss } = await getRssFeed(anonymous, '/@maya/feed.xml');
    expect(rssItems(rss)).toEqual(jsonItems(json));
    expect(rss.title).toBe(json.title);
    expect(rss.link).toBe(json.home_page_url);
    expect(rss.language).toBe('en');
    expect(rss.atom?.links).toContainEqual(expect.objectContaining({ rel: 'self', href: `${SITE}/@maya/feed.xml` }));
    expect(jsonItems(json)[0]).toEqual({
      title: 'On clouds & <weather>',
      link: `${SITE}/@maya/clouds/`,
      date: Date.parse('2024-09-12T08:30:00Z'),
      categories: ['science', 'café', 'week-1'],
    });
  });

  it('carry the full content with every address absolute, the summary, the cover and the attachment', async () => {
    const { feed: json } = await getJsonFeed(anonymous, '/@maya/feed.json');
    const { feed: rss } = await getRssFeed(anonymous, '/@maya/feed.xml');
    const item = json.items[0];
    const html: string = item.content_html;
    expect(html).toContain(`src="${SITE}/media/${picture.id}/"`);
    expect(html).toContain(`${SITE}/media/${picture.id}/w`);
    expect(html).toContain(`href="${SITE}/@maya/rain/"`);
    expect(html).toContain(`href="${SITE}/@maya/clouds/notes/"`);
    expect(html).toContain(`href="${SITE}/media/${pdf.id}/"`);
    expect(html).toMatch(new RegExp(`href="${SITE}/@maya/clouds/#user-content-fn-1"`));
    expect(relativeAddresses(html)).toEqual([]);
    const encoded = rss.items![0]!.content?.encoded ?? '';
    expect(relativeAddresses(encoded)).toEqual([]);
    expect(encoded).toBe(html);

    expect(item.summary).toBe('Why clouds float.');
    expect(rss.items![0]!.description).toBe('Why clouds float.');
    // Without a summary, RSS describes the work by its opening text; JSON Feed has no summary to give.
    expect(rss.items![1]!.description).toBe('Short and wet. #week-1');
    expect(json.items[1].summary).toBeUndefined();
    expect(item.image).toBe(`${SITE}/media/${cover.id}/`);
    expect(item.attachments).toEqual([{ url: `${SITE}/media/${pdf.id}/`, mime_type: 'application/pdf', title: 'tiny.pdf', size_in_bytes: pdf.bytes }]);
    expect(rss.items![0]!.enclosures).toEqual([{ url: `${SITE}/media/${pdf.id}/`, length: pdf.bytes, type: 'application/pdf' }]);
  });

  it('describe work by the opening text stored when it was saved, and make it for work saved before that', async () => {
    const stored = () => server.app.db.select({ excerpt: artifacts.excerpt }).from(artifacts).where(eq(artifacts.id, poem.id)).get()?.excerpt;
    expect(stored()).toBe('Short and wet. #week-1');
    // A row from before excerpts were stored has none; the feed reads the same (a new content version skips the cache).
    server.app.db.update(artifacts).set({ excerpt: null }).where(eq(artifacts.id, poem.id)).run();
    bumpContentVersion(server.app, maya.id);
    const { feed: rss } = await getRssFeed(anonymous, '/@maya/feed.xml');
    expect(stored()).toBeNull();
    expect(rss.items!.find((i) => i.title === 'Rain')!.description).toBe('Short and wet. #week-1');
  });

  it('describe work only by text its page shows: no HTML comments or raw tags from the Markdown, line breaks kept as spaces', async () => {
    const note = await makeArtifact(server.app, maya, {
      title: 'Notes to self',
      slug: 'notes-to-self',
      visibility: 'public',
      date: new Date('2024-08-15T08:00:00Z'),
      body: 'My essay. <!-- phone 555-0100, do not publish --> Press <kbd>Ctrl</kbd> to save.\n\nRoses are red,  \nViolets are blue',
    });
    const stored = server.app.db.select({ excerpt: artifacts.excerpt, html: artifacts.html }).from(artifacts).where(eq(artifacts.id, note.id)).get()!;
    expect(stored.html).not.toContain('555-0100');
    expect(stored.excerpt).not.toMatch(/555|<kbd>|red,Violets/);
    expect(stored.excerpt).toMatch(/^My essay\. +Press Ctrl to save\. Roses are red,\s+Violets are blue$/);
    const { feed: rss } = await getRssFeed(anonymous, '/@maya/feed.xml');
    const description = rss.items!.find((i) => i.title === 'Notes to self')!.description!;
    expect(description).toBe(stored.excerpt);
    const { feed: json } = await getJsonFeed(anonymous, '/@maya/feed.json');
    expect(JSON.stringify(json)).not.toContain('555-0100');
  });

  it('name addresses that really open for anyone: the work, its picture, its cover and its attachment', async () => {
    const { feed } = await getJsonFeed(anonymous, '/@maya/feed.json');
    const item = feed.items[0];
    for (const url of [item.url, item.image, item.attachments[0].url, `${SITE}/media/${picture.id}/`]) {
      const response = await anonymous.get(onServer(url));
      expect(response.status, url).toBe(200);
      await response.arrayBuffer();
    }
  });

  it('keep an item’s id and guid through an edit and a new address, and move date_modified forward', async () => {
    const before = await getJsonFeed(anonymous, '/@maya/feed.json');
    const rssBefore = await getRssFeed(anonymous, '/@maya/feed.xml');
    const old = before.feed.items.find((i: any) => i.title === 'Rain');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await saveArtifact(server.app, {
      ownerId: maya.id,
      artifactId: poem.id,
      input: { title: 'Rain, revised', slug: 'rain-revised', kind: 'post', visibility: 'public', tags: ['poetry'], body: 'Short, wet, better. #week-1' },
    });
    const after = await getJsonFeed(anonymous, '/@maya/feed.json');
    const rssAfter = await getRssFeed(anonymous, '/@maya/feed.xml');
    const edited = after.feed.items.find((i: any) => i.title === 'Rain, revised');
    expect(edited.id).toBe(old.id);
    expect(edited.id).toBe(`urn:uuid:${poem.id}`);
    expect(edited.url).toBe(`${SITE}/@maya/rain-revised/`);
    expect(edited.date_published).toBe(old.date_published);
    expect(Date.parse(edited.date_modified)).toBeGreaterThan(Date.parse(old.date_modified));
    const guid = (feed: typeof rssAfter.feed, title: string) => feed.items!.find((i) => i.title === title)!.guid;
    expect(guid(rssAfter.feed, 'Rain, revised')).toEqual({ value: `urn:uuid:${poem.id}`, isPermaLink: false });
    expect(guid(rssAfter.feed, 'Rain, revised')).toEqual(guid(rssBefore.feed, 'Rain'));
    expect(after.feed.items).toHaveLength(before.feed.items.length);
  });

  it('carry the newest fifty public pieces, newest first', async () => {
    const prolific = await makeUser(server.app, { handle: 'prolific' });
    for (let i = 0; i < 52; i++) {
      await makeArtifact(server.app, prolific, { title: `Note ${i}`, visibility: 'public', date: new Date(Date.UTC(2024, 0, 1 + i)) });
    }
    const { feed } = await getJsonFeed(anonymous, '/@prolific/feed.json');
    expect(feed.items).toHaveLength(50);
    expect(feed.items[0].title).toBe('Note 51');
    expect(feed.items.at(-1).title).toBe('Note 2');
    const { feed: rss } = await getRssFeed(anonymous, '/@prolific/feed.xml');
    expect(rss.items).toHaveLength(50);
  });
});

describe('tag feeds', () => {
  it('carry only the work with that tag, and agree across formats', async () => {
    const { feed: json } = await getJsonFeed(anonymous, '/@maya/tags/science/feed.json');
    const { feed: rss } = await getRssFeed(anonymous, '/@maya/tags/science/feed.xml');
    expect(json.items.map((i: any) => i.title)).toEqual(['On clouds & <weather>']);
    expect(json.home_page_url).toBe(`${SITE}/@maya/tags/science/`);
    expect(json.feed_url).toBe(`${SITE}/@maya/tags/science/feed.json`);
    expect(json.title).toBe('Maya Ortiz: #science');
    expect(rssItems(rss)).toEqual(jsonItems(json));
  });

  it('find a tag however its address is spelled: another case, encoded, non-Latin', async () => {
    const lower = await getJsonFeed(anonymous, '/@maya/tags/week-1/feed.json');
    const upper = await getJsonFeed(anonymous, '/@maya/tags/Week-1/feed.json');
    expect(lower.feed.items).toHaveLength(2);
    expect(upper.feed.items.map((i: any) => i.id)).toEqual(lower.feed.items.map((i: any) => i.id));
    const cafe = await getJsonFeed(anonymous, `/@maya/tags/${encodeURIComponent('café')}/feed.json`);
    expect(cafe.feed.items.map((i: any) => i.title)).toEqual(['On clouds & <weather>']);
    expect(cafe.feed.feed_url).toBe(`${SITE}/@maya/tags/caf%C3%A9/feed.json`);
  });

  it('answer an empty feed for a tag nobody uses, and 404 for something that cannot be a tag', async () => {
    const { feed } = await getJsonFeed(anonymous, '/@maya/tags/unused/feed.json');
    expect(feed.items).toEqual([]);
    const rss = await getRssFeed(anonymous, '/@maya/tags/unused/feed.xml');
    expect(rss.feed.items ?? []).toEqual([]);
    expect((await anonymous.get('/@maya/tags/3d/feed.json')).status).toBe(404);
  });
});

describe('who gets a feed', () => {
  it('answers 404 for a disabled account’s feeds, and for unknown handles', async () => {
    const gone = await makeUser(server.app, { handle: 'gone' });
    await makeArtifact(server.app, gone, { title: 'Was public', visibility: 'public', tags: ['poetry'] });
    expect((await anonymous.get('/@gone/feed.json')).status).toBe(200);
    setUserDisabled(server.app, { handle: 'gone', disabled: true, actor: null });
    for (const path of ['/@gone/feed.json', '/@gone/feed.xml', '/@gone/tags/poetry/feed.json', '/@gone/tags/poetry/feed.xml', '/@nobody/feed.xml']) {
      const response = await anonymous.get(path);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain('Was public');
    }
  });

  it('keeps the feeds of a portfolio that asked not to be indexed, marked noindex', async () => {
    const quiet = await makeUser(server.app, { handle: 'quiet' });
    await makeArtifact(server.app, quiet, { title: 'Quiet work', visibility: 'public' });
    server.app.db.update(users).set({ noindex: true }).where(eq(users.id, quiet.id)).run();
    const { response, feed } = await getJsonFeed(anonymous, '/@quiet/feed.json');
    expect(feed.items.map((i: any) => i.title)).toEqual(['Quiet work']);
    expect(response.headers.get('x-robots-tag')).toMatch(/noindex/);
    const rss = await getRssFeed(anonymous, '/@quiet/feed.xml');
    expect(rss.feed.items).toHaveLength(1);
  });

  it('shows a signed-in hub-mate the same public-only feed, but not for shared caches', async () => {
    const teacher = await makeUser(server.app, { handle: 'teacher1', role: 'teacher' });
    makeHub(server.app, { teacher, students: [maya] });
    await makeArtifact(server.app, maya, { title: 'For the class', visibility: 'members', tags: ['science'] });
    const browser = signedIn(server.url, server.app, teacher);
    const { response, feed } = await getJsonFeed(browser, '/@maya/tags/science/feed.json');
    expect(feed.items.map((i: any) => i.title)).toEqual(['On clouds & <weather>']);
    expect(response.headers.get('cache-control')).toBe('private, no-cache');
    expect(response.headers.get('vary')).toBe('Cookie');
  });
});

describe('addresses for the student’s canonical home and for the static export', () => {
  it('points items and the home page at the canonical home; the feed and media stay on this instance', async () => {
    const ines = await makeUser(server.app, { handle: 'ines' });
    await makeArtifact(server.app, ines, { title: 'Elsewhere', slug: 'elsewhere', visibility: 'public', body: 'See [more](/@ines/more/).' });
    server.app.db.update(users).set({ canonicalBaseUrl: 'https://ines.example.io/portfolio/' }).where(eq(users.id, ines.id)).run();
    const { feed } = await getJsonFeed(anonymous, '/@ines/feed.json');
    expect(feed.home_page_url).toBe('https://ines.example.io/portfolio/');
    expect(feed.feed_url).toBe(`${SITE}/@ines/feed.json`);
    expect(feed.items[0].url).toBe('https://ines.example.io/portfolio/elsewhere/');
    expect(feed.items[0].content_html).toContain('href="https://ines.example.io/portfolio/more/"');
  });

  it('puts everything under the export base when the static exporter renders', async () => {
    const headers = { [STATIC_TOKEN_HEADER]: STATIC_TOKEN, [STATIC_BASE_HEADER]: 'https://maya.pages.example/' };
    const response = await anonymous.get('/@maya/tags/science/feed.json', { headers });
    expect(response.status).toBe(200);
    const feed = await response.json();
    expect(feed.home_page_url).toBe('https://maya.pages.example/tags/science/');
    expect(feed.feed_url).toBe('https://maya.pages.example/tags/science/feed.json');
    expect(feed.items[0].url).toBe('https://maya.pages.example/clouds/');
    expect(feed.items[0].content_html).toContain(`src="https://maya.pages.example/media/${picture.id}/"`);
    expect(relativeAddresses(feed.items[0].content_html)).toEqual([]);
    // A visitor cannot ask for export addresses without the server's secret.
    const forged = await (await anonymous.get('/@maya/tags/science/feed.json', { headers: { ...headers, [STATIC_TOKEN_HEADER]: 'guess' } })).json();
    expect(forged.feed_url).toBe(`${SITE}/@maya/tags/science/feed.json`);
  });
});

describe('conditional GET', () => {
  it('answers 304 to If-None-Match and to If-Modified-Since, with public cache headers', async () => {
    const first = await anonymous.get('/@maya/feed.json');
    await first.text();
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=86400');
    expect(first.headers.get('vary')).toBe('Cookie, Accept-Encoding');

    const byTag = await anonymous.get('/@maya/feed.json', { headers: { 'if-none-match': etag } });
    expect(byTag.status).toBe(304);
    expect(await byTag.text()).toBe('');
    expect(byTag.headers.get('etag')).toBe(etag);
    const byDate = await anonymous.get('/@maya/feed.json', { headers: { 'if-modified-since': lastModified } });
    expect(byDate.status).toBe(304);
    const older = new Date(Date.parse(lastModified) - 3_600_000).toUTCString();
    expect((await anonymous.get('/@maya/feed.json', { headers: { 'if-modified-since': older } })).status).toBe(200);
  });

  it('answers HEAD with the same validators and no body', async () => {
    const get = await anonymous.get('/@maya/feed.xml');
    await get.text();
    const head = await anonymous.request('/@maya/feed.xml', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
    expect(head.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    expect(await head.text()).toBe('');
  });

  it('gives each format and each tag its own ETag', async () => {
    const tags = await Promise.all(
      ['/@maya/feed.json', '/@maya/feed.xml', '/@maya/tags/science/feed.json', '/@maya/tags/science/feed.xml'].map(async (p) => {
        const r = await anonymous.get(p);
        await r.text();
        return r.headers.get('etag');
      }),
    );
    expect(new Set(tags).size).toBe(4);
  });

  it('gives a new ETag after an edit, so the old copy is refetched', async () => {
    const first = await anonymous.get('/@maya/feed.xml');
    await first.text();
    const etag = first.headers.get('etag')!;
    await saveArtifact(server.app, {
      ownerId: maya.id,
      artifactId: essay.id,
      input: { title: 'On clouds, again', kind: 'post', visibility: 'public', tags: ['science'], body: 'Rewritten.', coverMediaId: cover.id },
    });
    const again = await anonymous.get('/@maya/feed.xml', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).not.toBe(etag);
    expect(await again.text()).toContain('On clouds, again');
  });
});
