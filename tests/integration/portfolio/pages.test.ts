/**
 * The public portfolio over HTTP against a real server: every kind of page, pagination, who sees what (anonymous,
 * hub-mate, teacher, another student, the owner), robots, canonical links, the static render mode and the profile
 * page. The attacker test crawls everything an anonymous visitor can reach and looks for links to hidden work.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import { users, type Artifact, type Media, type User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { alternates, hrefsOf, linkRel, makePicture, robotsNoindex, syndicate } from './helpers.ts';

const SITE = 'http://potluck.test';
const TOKEN = 'test-static-token-0123456789abcdef';

let server: TestServer;
let maya: User;
let theo: User;
let okafor: User;
let zoe: User;
let photo: Media;
const work: Record<'pub' | 'mem' | 'unl' | 'priv', Artifact> = {} as never;
const older: Artifact[] = [];

type Who = 'anonymous' | 'hub-mate' | 'teacher' | 'other student' | 'owner';
const viewers: Who[] = ['anonymous', 'hub-mate', 'teacher', 'other student', 'owner'];
let as: Record<Who, Browser>;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_SITE_URL: SITE, POTLUCK_STATIC_TOKEN: TOKEN } });
  const app = server.app;
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Lopez' });
  theo = await makeUser(app, { handle: 'theo' });
  okafor = await makeUser(app, { handle: 'okafor', role: 'teacher' });
  zoe = await makeUser(app, { handle: 'zoe' });
  makeHub(app, { teacher: okafor, students: [maya, theo] });
  photo = await makePicture(app, maya, { alt: 'Rain on a bus window' });

  work.pub = await makeArtifact(app, maya, {
    title: 'Public poem',
    summary: 'Rain and buses.',
    visibility: 'public',
    tags: ['poetry'],
    date: new Date('2026-03-01T10:00:00Z'),
    coverMediaId: photo.id,
    body: `The bus is late. #eng10\n\n![Rain on the window](media:${photo.id})\n\n\`\`\`python\nprint("hi")\n\`\`\`\n`,
  });
  work.mem = await makeArtifact(app, maya, { title: 'Members essay', visibility: 'members', tags: ['poetry', 'class-only'], date: new Date('2026-02-01T10:00:00Z') });
  work.unl = await makeArtifact(app, maya, { title: 'Unlisted draft', visibility: 'unlisted', tags: ['poetry', 'link-only'], date: new Date('2026-02-02T10:00:00Z') });
  work.priv = await makeArtifact(app, maya, { title: 'Private diary', visibility: 'private', tags: ['poetry', 'secret'], date: new Date('2026-02-03T10:00:00Z') });
  // 25 more public pieces over two years: 26 public in all, so the public sees two pages.
  for (let i = 0; i < 25; i++) {
    older.push(
      await makeArtifact(app, maya, {
        title: `Exercise ${String(i + 1).padStart(2, '0')}`,
        visibility: 'public',
        tags: i % 2 ? ['practice'] : i === 0 ? ['café'] : [],
        date: new Date(Date.UTC(2025, 0, 1 + i * 10)),
      }),
    );
  }
  syndicate(app, work.pub.id, 'https://hub.example/eng10/items/1', 'English 10 hub');
  const ids = [work.priv.id, work.unl.id, work.mem.id, work.pub.id];
  await saveShowcase(app, { ownerId: maya.id, input: { title: 'Best of grade 10', intro: 'My favourite pieces.', visibility: 'public', items: ids, slug: 'best' } });
  await saveShowcase(app, { ownerId: maya.id, input: { title: 'Class showcase', visibility: 'members', items: ids, slug: 'class' } });
  await saveShowcase(app, { ownerId: maya.id, input: { title: 'Link showcase', visibility: 'unlisted', items: ids, slug: 'shared' } });
  await saveShowcase(app, { ownerId: maya.id, input: { title: 'Secret showcase', visibility: 'private', items: ids, slug: 'secret' } });

  as = {
    anonymous: new Browser(server.url),
    'hub-mate': signedIn(server.url, app, theo),
    teacher: signedIn(server.url, app, okafor),
    'other student': signedIn(server.url, app, zoe),
    owner: signedIn(server.url, app, maya),
  };
});
afterAll(() => server?.stop());

async function page(who: Who, path: string, init?: RequestInit) {
  const res = await as[who].get(path, init);
  return { status: res.status, headers: res.headers, html: await res.text() };
}

/** What each viewer may read, and what each may see listed. */
const canRead: Record<'pub' | 'mem' | 'unl' | 'priv', Who[]> = {
  pub: viewers,
  mem: ['hub-mate', 'teacher', 'owner'],
  unl: viewers,
  priv: ['owner'],
};
const listedFor: Record<'pub' | 'mem' | 'unl' | 'priv', Who[]> = {
  pub: viewers,
  mem: ['hub-mate', 'teacher', 'owner'],
  unl: ['owner'],
  priv: ['owner'],
};
const keys = ['pub', 'mem', 'unl', 'priv'] as const;
const artifactPath = (key: (typeof keys)[number]) => `/@maya/${work[key].slug}/`;

describe('every kind of public page', () => {
  it('renders the portfolio, an artifact, tags, showcases and the archive with canonical links and feeds', async () => {
    const paths = [
      '/@maya/',
      '/@maya/page/2/',
      artifactPath('pub'),
      '/@maya/tags/',
      '/@maya/tags/poetry/',
      '/@maya/showcases/',
      '/@maya/showcases/best/',
      '/@maya/archive/',
      '/@maya/archive/2025/',
    ];
    for (const path of paths) {
      const { status, html, headers } = await page('anonymous', path);
      expect(status, path).toBe(200);
      expect(headers.get('content-type')).toMatch(/^text\/html/);
      expect(linkRel(html, 'canonical'), path).toBe(`${SITE}${path}`);
      const feeds = alternates(html);
      expect(feeds, path).toContainEqual({ type: 'application/rss+xml', href: '/@maya/feed.xml' });
      expect(feeds, path).toContainEqual({ type: 'application/feed+json', href: '/@maya/feed.json' });
      // The portfolio navigation, and no script at all.
      for (const nav of ['/@maya/', '/@maya/showcases/', '/@maya/archive/', '/@maya/tags/']) expect(hrefsOf(html), path).toContain(nav);
      expect(html, path).not.toMatch(/<script/i);
      expect(robotsNoindex(html), path).toBe(false);
      expect(headers.get('x-robots-tag'), path).toBeNull();
    }
  });

  it('shows the artifact with its cover, responsive pictures, code, tags and where it was syndicated', async () => {
    const { html } = await page('anonymous', artifactPath('pub'));
    expect(html).toContain('<h1 class="p-name">Public poem</h1>');
    expect(html).toContain('Rain and buses.');
    // Every picture knows its size and offers its variants.
    const imgs = [...html.matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
    expect(imgs.length).toBeGreaterThanOrEqual(2);
    for (const img of imgs) {
      expect(img).toMatch(/\swidth="\d+"/);
      expect(img).toMatch(/\sheight="\d+"/);
      expect(img).toMatch(/\salt="/);
      expect(img).toMatch(new RegExp(`\\ssrcset="/media/${photo.id}/[^"]+ \\d+w`));
      expect(img).toMatch(/\ssizes="/);
    }
    expect(html).toContain('alt="Rain on the window"');
    expect(html).toContain('class="hljs-built_in"');
    expect(hrefsOf(html)).toContain('/@maya/tags/poetry/');
    expect(hrefsOf(html)).toContain('https://hub.example/eng10/items/1');
    expect(html).toContain('English 10 hub');
  });

  it('announces the tag feeds on a tag page and 404s for a tag nobody may see', async () => {
    const { html } = await page('anonymous', '/@maya/tags/poetry/');
    expect(alternates(html)).toContainEqual({ type: 'application/rss+xml', href: '/@maya/tags/poetry/feed.xml' });
    expect(alternates(html)).toContainEqual({ type: 'application/feed+json', href: '/@maya/tags/poetry/feed.json' });
    expect(html).toContain('Public poem');
    expect((await page('anonymous', '/@maya/tags/secret/')).status).toBe(404);
    expect((await page('anonymous', '/@maya/tags/class-only/')).status).toBe(404);
    expect((await page('hub-mate', '/@maya/tags/class-only/')).status).toBe(200);
    expect((await page('anonymous', '/@maya/tags/no-such-tag/')).status).toBe(404);
    // Tags in any script have pages, at the address sitePaths gives them.
    const cafe = await page('anonymous', '/@maya/tags/caf%C3%A9/');
    expect(cafe.status).toBe(200);
    expect(linkRel(cafe.html, 'canonical')).toBe(`${SITE}/@maya/tags/caf%C3%A9/`);
    expect(cafe.html).toContain('Exercise 01');
    // One tag, one address.
    const upper = await as.anonymous.get('/@maya/tags/Poetry/');
    expect(upper.status).toBe(301);
    expect(upper.headers.get('location')).toBe('/@maya/tags/poetry/');
  });

  it('lists tags with counts and archive years with their work', async () => {
    const tags = (await page('anonymous', '/@maya/tags/')).html;
    expect(hrefsOf(tags)).toEqual(expect.arrayContaining(['/@maya/tags/poetry/', '/@maya/tags/practice/', '/@maya/tags/eng10/']));
    expect(tags).not.toContain('secret');
    const archive = (await page('anonymous', '/@maya/archive/')).html;
    expect(hrefsOf(archive)).toEqual(expect.arrayContaining(['/@maya/archive/2026/', '/@maya/archive/2025/']));
    const year = (await page('anonymous', '/@maya/archive/2025/')).html;
    expect(year).toContain('Exercise 01');
    expect(year).not.toContain('Public poem');
    expect((await page('anonymous', '/@maya/archive/1999/')).status).toBe(404);
    expect((await page('anonymous', '/@maya/archive/abcd/')).status).toBe(404);
  });

  it('answers 404 for an unknown portfolio, artifact or showcase', async () => {
    for (const path of ['/@nobody/', '/@maya/no-such-thing/', '/@maya/showcases/nope/', '/@nobody/tags/']) {
      expect((await page('anonymous', path)).status, path).toBe(404);
    }
  });
});

describe('pagination', () => {
  it('shows 20 pieces a page, newest first, with rel=prev/next', async () => {
    const first = await page('anonymous', '/@maya/');
    const entries = (html: string) => [...html.matchAll(/<article class="entry-card h-entry">[\s\S]*?<time class="dt-published" datetime="([^"]+)"/g)].map((m) => m[1]);
    const one = entries(first.html);
    expect(one).toHaveLength(20);
    expect(linkRel(first.html, 'next')).toBe('/@maya/page/2/');
    expect(linkRel(first.html, 'prev')).toBeUndefined();
    expect(first.html).toMatch(/<a rel="next" href="\/@maya\/page\/2\/">/);

    const second = await page('anonymous', '/@maya/page/2/');
    expect(second.status).toBe(200);
    const two = entries(second.html);
    expect(two).toHaveLength(6);
    expect(linkRel(second.html, 'prev')).toBe('/@maya/');
    expect(linkRel(second.html, 'next')).toBeUndefined();
    const all = [...one, ...two];
    expect(all).toEqual([...all].sort().reverse());
    expect(new Set(all).size).toBe(26);
  });

  it('sends page 1 to the portfolio and 404s past the end or for nonsense', async () => {
    const res = await as.anonymous.get('/@maya/page/1/');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/@maya/');
    expect((await page('anonymous', '/@maya/page/3/')).status).toBe(404);
    expect((await page('anonymous', '/@maya/page/0/')).status).toBe(404);
    expect((await page('anonymous', '/@maya/page/two/')).status).toBe(404);
  });

  it('counts the pieces the viewer may see: the owner has more pages', async () => {
    const owner = await page('owner', '/@maya/page/2/');
    expect([...owner.html.matchAll(/class="entry-card h-entry"/g)]).toHaveLength(9);
  });
});

describe('who sees what', () => {
  for (const who of viewers) {
    it(`${who}: reads and lists exactly what DESIGN.md allows`, async () => {
      const index = (await page(who, '/@maya/')).html + (await page(who, '/@maya/page/2/')).html;
      const tag = (await page(who, '/@maya/tags/poetry/')).html;
      const archive = (await page(who, '/@maya/archive/')).html;
      const showcase = (await page(who, '/@maya/showcases/best/')).html;
      for (const key of keys) {
        const path = artifactPath(key);
        const listed = listedFor[key].includes(who);
        for (const [name, html] of Object.entries({ index, tag, archive, showcase })) {
          expect(hrefsOf(html).includes(path), `${work[key].title} on ${name} for ${who}`).toBe(listed);
          expect(html.includes(work[key].title), `${work[key].title} on ${name} for ${who}`).toBe(listed);
        }
        const res = await page(who, path);
        expect(res.status, `${path} for ${who}`).toBe(canRead[key].includes(who) ? 200 : 404);
      }
    });
  }

  it('lists and opens showcases by their own visibility', async () => {
    const expected: Record<string, { listed: Who[]; read: Who[] }> = {
      best: { listed: viewers, read: viewers },
      class: { listed: ['hub-mate', 'teacher', 'owner'], read: ['hub-mate', 'teacher', 'owner'] },
      shared: { listed: ['owner'], read: viewers },
      secret: { listed: ['owner'], read: ['owner'] },
    };
    for (const who of viewers) {
      const index = (await page(who, '/@maya/showcases/')).html + (await page(who, '/@maya/')).html;
      for (const [slug, rule] of Object.entries(expected)) {
        expect(hrefsOf(index).includes(`/@maya/showcases/${slug}/`), `${slug} listed for ${who}`).toBe(rule.listed.includes(who));
        expect((await page(who, `/@maya/showcases/${slug}/`)).status, `${slug} for ${who}`).toBe(rule.read.includes(who) ? 200 : 404);
      }
    }
  });

  it('attacker view: nothing an anonymous visitor can reach links to hidden work', async () => {
    const hidden = [artifactPath('mem'), artifactPath('unl'), artifactPath('priv'), '/@maya/showcases/class/', '/@maya/showcases/shared/', '/@maya/showcases/secret/'];
    // Start from the portfolio and the pages reachable by address only (unlisted), follow every link inside it.
    const queue = ['/@maya/', artifactPath('unl'), '/@maya/showcases/shared/'];
    const seen = new Set<string>();
    const found: { on: string; path: string }[] = [];
    while (queue.length) {
      const path = queue.shift()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await page('anonymous', path);
      expect(res.status, path).toBe(200);
      for (const href of hrefsOf(res.html)) {
        // Canonical and permalink addresses are absolute on this instance; compare paths.
        const url = new URL(href.startsWith(SITE) ? href.slice(SITE.length) || '/' : href, server.url);
        const local = url.origin === server.url;
        if (local) found.push({ on: path, path: url.pathname });
        if (local && url.pathname.startsWith('/@maya/') && url.pathname.endsWith('/') && !seen.has(url.pathname)) queue.push(url.pathname);
      }
    }
    expect(seen.size).toBeGreaterThan(30);
    // A page reached by its address may name itself (canonical, permalink); no page may lead to other hidden work.
    const leaks = found.filter((f) => hidden.includes(f.path) && f.path !== f.on);
    expect(leaks).toEqual([]);
  });
});

describe('robots', () => {
  it('serves unlisted work to anyone with the link, marked noindex', async () => {
    const res = await page('anonymous', artifactPath('unl'));
    expect(res.status).toBe(200);
    expect(robotsNoindex(res.html)).toBe(true);
    expect(res.headers.get('x-robots-tag')).toMatch(/noindex/);
    const shared = await page('anonymous', '/@maya/showcases/shared/');
    expect(robotsNoindex(shared.html)).toBe(true);
    // Members work read by a hub-mate is not for search engines either.
    expect(robotsNoindex((await page('hub-mate', artifactPath('mem'))).html)).toBe(true);
  });

  it('keeps a whole portfolio out of search engines when the student asks', async () => {
    const quiet = await makeUser(server.app, { handle: 'quiet', name: 'Quiet Student' });
    const piece = await makeArtifact(server.app, quiet, { title: 'Visible but quiet', visibility: 'public', tags: ['calm'] });
    server.app.db.update(users).set({ noindex: true }).where(eq(users.id, quiet.id)).run();
    for (const path of ['/@quiet/', `/@quiet/${piece.slug}/`, '/@quiet/tags/calm/', '/@quiet/archive/', '/@quiet/showcases/', '/@quiet/tags/']) {
      const res = await page('anonymous', path);
      expect(res.status, path).toBe(200);
      expect(robotsNoindex(res.html), path).toBe(true);
      expect(res.headers.get('x-robots-tag'), path).toMatch(/noindex/);
    }
  });
});

describe('canonical home and static render mode', () => {
  it('points canonical links and u-url at the home the student chose', async () => {
    const home = await makeUser(server.app, { handle: 'ines' });
    const piece = await makeArtifact(server.app, home, { title: 'At home', visibility: 'public' });
    server.app.db.update(users).set({ canonicalBaseUrl: 'https://ines.example/site' }).where(eq(users.id, home.id)).run();
    const { html } = await page('anonymous', `/@ines/${piece.slug}/`);
    expect(linkRel(html, 'canonical')).toBe(`https://ines.example/site/${piece.slug}/`);
    expect(html).toContain(`class="u-url u-uid" href="https://ines.example/site/${piece.slug}/"`);
    // Links between pages stay on this site.
    expect(hrefsOf(html)).toContain('/@ines/');
  });

  it('freezes pages for the static export only with the right token', async () => {
    const headers = { 'x-potluck-static-token': TOKEN, 'x-potluck-static-base': 'https://maya.example/portfolio/' };
    // Even with the owner's session, the export sees what the public sees.
    const frozen = await page('owner', artifactPath('pub'), { headers });
    expect(frozen.status).toBe(200);
    expect(linkRel(frozen.html, 'canonical')).toBe(`https://maya.example/portfolio/${work.pub.slug}/`);
    expect(alternates(frozen.html)).toContainEqual({ type: 'application/rss+xml', href: 'https://maya.example/portfolio/feed.xml' });
    expect(alternates(frozen.html)).toContainEqual({ type: 'application/feed+json', href: 'https://maya.example/portfolio/feed.json' });
    expect(frozen.html).toContain(`class="u-url u-uid" href="https://maya.example/portfolio/${work.pub.slug}/"`);
    for (const href of hrefsOf(frozen.html)) {
      expect(href, 'no link outside the portfolio').not.toMatch(/^\/(signin|signup|workspace|account|admin)(\/|\?|$)|^\/$/);
    }
    expect(frozen.html).not.toContain('Sign in');
    expect((await page('owner', artifactPath('priv'), { headers })).status).toBe(404);
    const frozenIndex = await page('owner', '/@maya/', { headers });
    expect(frozenIndex.html).not.toContain('Members essay');

    // A wrong token is just a normal request.
    const wrong = { 'x-potluck-static-token': 'guess', 'x-potluck-static-base': 'https://evil.example/' };
    const normal = await page('anonymous', artifactPath('pub'), { headers: wrong });
    expect(linkRel(normal.html, 'canonical')).toBe(`${SITE}${artifactPath('pub')}`);
    // Signing in comes back to the page; hub-mates then see members work listed too.
    expect(hrefsOf(normal.html)).toContain(`/signin?next=${encodeURIComponent(artifactPath('pub'))}`);
    expect(normal.html).not.toContain('evil.example');
    const ownerWrong = await page('owner', artifactPath('priv'), { headers: wrong });
    expect(ownerWrong.status).toBe(200);
  });
});

describe('the profile page', () => {
  it('saves name, bio, links, photo, title, licence, noindex and home; the portfolio shows them', async () => {
    const ada = await makeUser(server.app, { handle: 'ada', name: 'Ada' });
    const face = await makePicture(server.app, ada, { width: 600, height: 600, alt: 'Ada smiling' });
    const browser = signedIn(server.url, server.app, ada);
    const form = await browser.get('/account/profile');
    expect(form.status).toBe(200);
    const before = server.app.db.select().from(users).where(eq(users.id, ada.id)).get()!.contentVersion;
    const res = await browser.postForm('/account/profile', {
      name: 'Ada Lovelace',
      bio: 'I write about engines.',
      avatarMediaId: face.id,
      linkLabel0: 'My GitHub',
      linkUrl0: 'https://github.example/ada',
      linkLabel1: '',
      linkUrl1: 'https://blog.example/',
      siteTitle: 'Notes of an Analyst',
      siteLicense: 'CC BY 4.0',
      canonicalBaseUrl: 'https://ada.example/',
      noindex: 'on',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/profile?saved=1');
    const row = server.app.db.select().from(users).where(eq(users.id, ada.id)).get()!;
    expect(row).toMatchObject({
      name: 'Ada Lovelace',
      bio: 'I write about engines.',
      avatarMediaId: face.id,
      links: [
        { label: 'My GitHub', url: 'https://github.example/ada' },
        { label: 'blog.example', url: 'https://blog.example/' },
      ],
      siteTitle: 'Notes of an Analyst',
      siteLicense: 'CC BY 4.0',
      canonicalBaseUrl: 'https://ada.example',
      noindex: true,
    });
    expect(row.contentVersion).toBeGreaterThan(before);

    const portfolio = await page('anonymous', '/@ada/');
    expect(portfolio.html).toContain('<title>Notes of an Analyst</title>');
    expect(portfolio.html).toContain('I write about engines.');
    expect(portfolio.html).toContain('rel="me" href="https://github.example/ada"');
    expect(portfolio.html).toContain('CC BY 4.0');
    expect(linkRel(portfolio.html, 'canonical')).toBe('https://ada.example/');
    expect(robotsNoindex(portfolio.html)).toBe(true);
    const avatar = /<img class="u-photo profile-photo" src="([^"]+)"/.exec(portfolio.html)?.[1];
    expect(avatar).toBe(`/media/${face.id}/`);
    // The chosen photo is public (it is on every page); the rest of the library is not.
    expect((await as.anonymous.get(avatar!)).status).toBe(200);
  });

  it('keeps what was typed and marks each bad field', async () => {
    const ben = await makeUser(server.app, { handle: 'ben', name: 'Ben' });
    const browser = signedIn(server.url, server.app, ben);
    const res = await browser.postForm('/account/profile', {
      name: '',
      bio: 'Still here.',
      linkLabel0: 'Blog',
      linkUrl0: 'javascript:alert(1)',
      linkLabel1: 'Orphan label',
      linkUrl1: '',
      canonicalBaseUrl: 'not a url',
      avatarMediaId: photo.id,
    });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Still here.');
    expect(html).toContain('Enter the name to show on your portfolio.');
    expect(html).toContain('Enter the address for “Orphan label”, or clear its label.');
    expect(html).toMatch(/id="f-linkUrl0"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="f-linkUrl0"/);
    expect(html).toMatch(/id="f-canonicalBaseUrl"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="f-canonicalBaseUrl"/);
    expect(server.app.db.select().from(users).where(eq(users.id, ben.id)).get()!.name).toBe('Ben');

    // Someone else's picture is refused as a photo.
    const stolen = await browser.postForm('/account/profile', { name: 'Ben', avatarMediaId: photo.id });
    expect(stolen.status).toBe(400);
    expect(await stolen.text()).toContain('Choose one of your own pictures');
    expect(server.app.db.select().from(users).where(eq(users.id, ben.id)).get()!.avatarMediaId).toBeNull();
  });

  it('needs a signed-in person', async () => {
    const res = await as.anonymous.get('/account/profile');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/signin/);
  });
});
