// An attacker's view: a portfolio holding work of every visibility, read through every feed, every tag feed, the
// sitemap and robots.txt. Every URL they contain is listed, and only public work may appear.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import { users, type Artifact, type User } from '../../../src/server/db/schema.ts';
import { fixture, picture as makePicture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { SITE, getJsonFeed, getRssFeed, urlsIn } from './reading.ts';

const VISIBILITIES = ['private', 'members', 'unlisted', 'public'] as const;

let server: TestServer;
let attacker: Browser;
let maya: User;
const work = {} as Record<(typeof VISIBILITIES)[number], Artifact>;
const hiddenMedia: string[] = [];
let publicShowcaseSlug: string;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_SITE_URL: SITE } });
  attacker = new Browser(server.url);
  const app = server.app;
  maya = await makeUser(app, { handle: 'maya' });
  const teacher = await makeUser(app, { handle: 'mrs-lee', role: 'teacher' });
  makeHub(app, { teacher, students: [maya] });
  for (const visibility of VISIBILITIES) {
    const picture = await uploadMedia(app, { ownerId: maya.id, file: { name: `${visibility}.jpg`, bytes: await makePicture(800, 600) } });
    const file = await uploadMedia(app, { ownerId: maya.id, file: { name: `${visibility}.pdf`, bytes: fixture('tiny.pdf') } });
    if (visibility !== 'public') hiddenMedia.push(picture.id, file.id);
    work[visibility] = await makeArtifact(app, maya, {
      title: `Work that is ${visibility}`,
      slug: `${visibility}-work`,
      summary: `Summary of ${visibility}`,
      visibility,
      coverMediaId: picture.id,
      tags: visibility === 'private' ? ['week-1', 'diary-only'] : ['week-1', 'shared'],
      body: `![a](media:${picture.id}) [file](media:${file.id}) #${visibility}-marker`,
    });
    const showcase = await saveShowcase(app, {
      ownerId: maya.id,
      input: { title: `Showcase ${visibility}`, slug: `${visibility}-showcase`, visibility, items: Object.values(work).map((a) => a.id) },
    });
    if (visibility === 'public') publicShowcaseSlug = showcase.slug;
  }

  // Other portfolios the sitemap must leave out, each with public work: disabled, noindex, canonical home elsewhere.
  for (const handle of ['disabled-one', 'noindex-one', 'elsewhere-one']) {
    const user = await makeUser(app, { handle });
    await makeArtifact(app, user, { title: `Public work of ${handle}`, slug: `${handle}-work`, visibility: 'public' });
  }
  setUserDisabled(app, { handle: 'disabled-one', disabled: true, actor: null });
  app.db.update(users).set({ noindex: true }).where(eq(users.handle, 'noindex-one')).run();
  app.db.update(users).set({ canonicalBaseUrl: 'https://elsewhere.example/' }).where(eq(users.handle, 'elsewhere-one')).run();
  // And one with nothing public at all.
  const shy = await makeUser(app, { handle: 'shy-one' });
  await makeArtifact(app, shy, { title: 'Only for class', visibility: 'members' });
});

afterAll(async () => {
  await server?.stop();
});

async function text(pathname: string): Promise<string> {
  const response = await attacker.get(pathname);
  expect(response.status, pathname).toBe(200);
  return response.text();
}

function expectNothingHidden(body: string, where: string) {
  for (const visibility of ['private', 'members', 'unlisted'] as const) {
    const a = work[visibility];
    expect(body, `${where} leaks ${visibility} work`).not.toContain(a.title);
    expect(body, `${where} leaks ${visibility} work`).not.toContain(a.slug);
    expect(body, `${where} leaks ${visibility} work`).not.toContain(a.id);
    expect(body, `${where} leaks ${visibility} work`).not.toContain(`${visibility}-marker`);
    expect(body, `${where} leaks a ${visibility} showcase`).not.toContain(`${visibility}-showcase`);
  }
  for (const id of hiddenMedia) expect(body, `${where} leaks media ${id}`).not.toContain(id);
  expect(body, `${where} names a tag only private work uses`).not.toContain('diary-only');
}

describe('feeds of a portfolio with work of every visibility', () => {
  const feeds = ['/@maya/feed.xml', '/@maya/feed.json', '/@maya/tags/week-1/feed.xml', '/@maya/tags/week-1/feed.json'];

  it('contain only public work: every URL listed is the public piece, its media, or the portfolio’s own pages', async () => {
    const publicMedia = new Set<string>();
    const all: string[] = [];
    for (const path of feeds) {
      const body = await text(path);
      expectNothingHidden(body, path);
      all.push(...urlsIn(body));
    }
    const { feed } = await getJsonFeed(attacker, '/@maya/feed.json');
    expect(feed.items.map((i: any) => i.title)).toEqual(['Work that is public']);
    for (const m of feed.items[0].content_html.matchAll(/\/media\/([^/"]+)\//g)) publicMedia.add(m[1]);
    publicMedia.add(new URL(feed.items[0].image).pathname.split('/')[2]!);

    const allowed = (url: string) => {
      if (!url.startsWith(`${SITE}/`)) return /rssboard\.org|purl\.org|w3\.org|jsonfeed\.org/.test(url);
      const path = url.slice(SITE.length);
      if (path.startsWith('/media/')) return publicMedia.has(path.split('/')[2]!);
      // The WebSub hub every live feed names (rel=hub) is the same for every feed and says nothing about the work.
      return ['/websub', '/@maya/', '/@maya/public-work/', '/@maya/feed.xml', '/@maya/feed.json', '/@maya/tags/week-1/', '/@maya/tags/week-1/feed.xml', '/@maya/tags/week-1/feed.json'].includes(
        path.replace(/#.*$/, ''),
      );
    };
    const unexpected = [...new Set(all)].filter((url) => !allowed(url));
    expect(unexpected).toEqual([]);
    expect(all).toContain(`${SITE}/@maya/public-work/`);
  });

  it('stay public-only in both formats and both tag feeds, item by item', async () => {
    for (const path of ['/@maya/feed.xml', '/@maya/tags/week-1/feed.xml']) {
      const { feed } = await getRssFeed(attacker, path);
      expect(feed.items?.map((i) => i.title), path).toEqual(['Work that is public']);
      expect(feed.items?.[0]?.enclosures?.map((e) => e.url)).toHaveLength(1);
    }
    const { feed } = await getJsonFeed(attacker, '/@maya/tags/week-1/feed.json');
    expect(feed.items.map((i: any) => i.title)).toEqual(['Work that is public']);
  });

  it('give a tag used only by private work the same empty feed as a tag nobody uses', async () => {
    const privateOnly = await getJsonFeed(attacker, '/@maya/tags/diary-only/feed.json');
    const unused = await getJsonFeed(attacker, '/@maya/tags/never-used/feed.json');
    expect(privateOnly.feed.items).toEqual([]);
    expect(unused.feed.items).toEqual([]);
    expectNothingHidden(privateOnly.text.replaceAll('diary-only', ''), 'the diary-only tag feed');
    const rss = await getRssFeed(attacker, '/@maya/tags/diary-only/feed.xml');
    expect(rss.feed.items ?? []).toEqual([]);
    expectNothingHidden(rss.text.replaceAll('diary-only', ''), 'the diary-only RSS tag feed');
  });
});

describe('the sitemap', () => {
  it('lists exactly the public pages of indexable portfolios, each with its last change', async () => {
    const response = await attacker.get('/sitemap.xml');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const xml = await response.text();
    expectNothingHidden(xml, 'the sitemap');
    const locs = [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]).sort();
    expect(locs).toEqual(
      [
        `${SITE}/@maya/`,
        `${SITE}/@maya/public-work/`,
        `${SITE}/@maya/tags/week-1/`,
        `${SITE}/@maya/tags/shared/`,
        `${SITE}/@maya/tags/public-marker/`,
        `${SITE}/@maya/showcases/${publicShowcaseSlug}/`,
      ].sort(),
    );
    expect(urlsIn(xml).filter((u) => !u.startsWith(`${SITE}/`) && !u.includes('sitemaps.org'))).toEqual([]);
    const entries = [...xml.matchAll(/<url><loc>[^<]+<\/loc><lastmod>([^<]+)<\/lastmod><\/url>/g)];
    expect(entries).toHaveLength(locs.length);
    for (const [, lastmod] of entries) expect(Number.isNaN(Date.parse(lastmod!))).toBe(false);
  });

  it('answers 304 when nothing changed', async () => {
    const first = await attacker.get('/sitemap.xml');
    await first.text();
    const again = await attacker.get('/sitemap.xml', { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });
});

describe('robots.txt', () => {
  it('lets crawlers read portfolios, keeps them out of private areas and names the sitemap', async () => {
    const response = await attacker.get('/robots.txt');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const lines = (await response.text()).split('\n');
    expect(lines).toContain('User-agent: *');
    expect(lines).toContain('Allow: /@');
    for (const path of ['/workspace', '/account', '/admin', '/api', '/signin', '/signup']) expect(lines).toContain(`Disallow: ${path}`);
    expect(lines).toContain(`Sitemap: ${SITE}/sitemap.xml`);
    expect(lines.join('\n')).not.toContain('noindex-one');
  });
});
