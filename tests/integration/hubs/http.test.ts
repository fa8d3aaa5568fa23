// Hubs through the real server: who sees what (anonymous, outsider, member, teacher; public and members-only hubs),
// feeds and OPML, the artifact page's u-syndication, teachers hiding and unhiding, forms that create and change
// hubs, a student adding their blog, "poll now", and a river of hostile feed items rendered safely.
import { eq } from 'drizzle-orm';
import { mf2 } from 'microformats-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptHubInvitation } from '../../../src/commands/hubInvitationAccepter.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { parseOpml } from '../../../src/core/feeds/opml.ts';
import { artifacts, hubHides, hubSources, hubs, jobs, type Hub, type User } from '../../../src/server/db/schema.ts';
import { unsafeFindings } from '../../unit/markdown/html-safety.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { getJsonFeed, getRssFeed } from '../feeds/reading.ts';
import { rss, startFeedServer, type FeedServer } from './feedServer.ts';

const SITE = 'https://school.example';
let server: TestServer;
let feeds: FeedServer;
let teacher: User;
let maya: User;
let outsider: User;
let open: Hub;
let closed: Hub;
let anonymous: Browser;

beforeAll(async () => {
  [server, feeds] = await Promise.all([startServer({ env: { POTLUCK_SITE_URL: SITE, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } }), startFeedServer()]);
  const app = server.app;
  teacher = await makeUser(app, { handle: 'ms-lee', role: 'teacher', name: 'Ms Lee' });
  maya = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  outsider = await makeUser(app, { handle: 'outsider' });
  const actor = { id: teacher.id, role: 'teacher' as const };
  open = createHub(app, { actor, input: { slug: 'open-class', title: 'Open class', tags: 'eng10', visibility: 'public' } });
  closed = createHub(app, { actor, input: { slug: 'closed-class', title: 'Closed class', tags: 'eng10', visibility: 'members' } });
  // The teacher invites; Maya accepts (consented enrolment).
  for (const hub of [open, closed]) {
    addHubMember(app, { actor, hubId: hub.id, handle: 'maya' });
    acceptHubInvitation(app, { actor: { id: maya.id, role: 'student' }, hubId: hub.id });
  }
  await makeArtifact(app, maya, { title: 'Public essay', slug: 'public-essay', visibility: 'public', tags: ['eng10'] });
  await makeArtifact(app, maya, { title: 'Class-only reflection', slug: 'class-reflection', visibility: 'members', tags: ['eng10'] });
  await makeArtifact(app, maya, { title: 'Private diary', slug: 'diary', visibility: 'private', tags: ['eng10'] });
  anonymous = new Browser(server.url);
});

afterAll(async () => {
  await Promise.all([server?.stop(), feeds?.close()]);
});

async function page(browser: Browser, pathname: string, status = 200): Promise<string> {
  const response = await browser.get(pathname);
  expect(response.status, pathname).toBe(status);
  return response.text();
}

describe('who sees what', () => {
  it('a public hub shows public work to everyone, members-only work to nobody', async () => {
    for (const browser of [anonymous, signedIn(server.url, server.app, outsider), signedIn(server.url, server.app, maya), signedIn(server.url, server.app, teacher)]) {
      const html = await page(browser, '/hubs/open-class/');
      expect(html).toContain('Public essay');
      expect(html).not.toContain('Class-only reflection');
      expect(html).not.toContain('Private diary');
    }
  });

  it('a members-only hub is a 404 for the public and for outsiders, and shows members work to its members', async () => {
    await page(anonymous, '/hubs/closed-class/', 404);
    await page(signedIn(server.url, server.app, outsider), '/hubs/closed-class/', 404);
    for (const member of [maya, teacher]) {
      const html = await page(signedIn(server.url, server.app, member), '/hubs/closed-class/');
      expect(html).toContain('Public essay');
      expect(html).toContain('Class-only reflection');
      expect(html).not.toContain('Private diary');
    }
  });

  it('feeds exist for public hubs only, and carry only work public at its source', async () => {
    const { feed } = await getJsonFeed(anonymous, '/hubs/open-class/feed.json');
    expect(feed.items.map((i: { title: string }) => i.title)).toEqual(['Public essay']);
    expect(feed.items[0].url).toBe(`${SITE}/@maya/public-essay/`);
    const { feed: rssFeed } = await getRssFeed(anonymous, '/hubs/open-class/feed.xml');
    expect(rssFeed.items?.map((i) => i.title)).toEqual(['Public essay']);
    await page(anonymous, '/hubs/closed-class/feed.xml', 404);
    await page(signedIn(server.url, server.app, maya), '/hubs/closed-class/feed.json', 404);
  });

  it('answers 304 to a reader whose copy of the feed is current', async () => {
    const first = await anonymous.get('/hubs/open-class/feed.xml');
    const etag = first.headers.get('etag')!;
    const again = await anonymous.get('/hubs/open-class/feed.xml', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('OPML lists the sources; members-only hubs only for members', async () => {
    const text = await page(anonymous, '/hubs/open-class/members.opml');
    const parsed = parseOpml(text);
    expect(parsed.ok && parsed.opml.sources.map((s) => s.xmlUrl)).toEqual([`${SITE}/@maya/tags/eng10/feed.xml`]);
    await page(anonymous, '/hubs/closed-class/members.opml', 404);
    const full = parseOpml(await page(signedIn(server.url, server.app, maya), '/hubs/closed-class/members.opml'));
    expect(full.ok && full.opml.sources.map((s) => s.xmlUrl).sort()).toEqual([`${SITE}/@maya/tags/eng10/feed.xml`, `${SITE}/@ms-lee/tags/eng10/feed.xml`]);
  });

  it('the artifact page names the hubs it is in as u-syndication, each viewer the hubs they may see', async () => {
    const parsed = (html: string) => (mf2(html, { baseUrl: SITE }).items.find((i) => i.type?.includes('h-entry'))?.properties['syndication'] ?? []) as string[];
    const idOf = (slug: string) => server.app.db.select({ id: artifacts.id }).from(artifacts).where(eq(artifacts.slug, slug)).get()!.id;
    // Each names the hub's own page for the piece, the copy in the hub.
    const essay = idOf('public-essay');
    expect(parsed(await page(anonymous, '/@maya/public-essay/'))).toEqual([`${SITE}/hubs/open-class/items/${essay}`]);
    expect(parsed(await page(signedIn(server.url, server.app, maya), '/@maya/public-essay/')).sort()).toEqual([`${SITE}/hubs/closed-class/items/${essay}`, `${SITE}/hubs/open-class/items/${essay}`]);
    expect(parsed(await page(signedIn(server.url, server.app, teacher), '/@maya/class-reflection/'))).toEqual([`${SITE}/hubs/closed-class/items/${idOf('class-reflection')}`]);
  });
});

describe('teachers', () => {
  it('hide an entry with a reason and bring it back; students cannot', async () => {
    const essay = (await server.app.db.query.artifacts.findFirst({ where: (a, { eq: e }) => e(a.slug, 'public-essay') }))!;
    const student = signedIn(server.url, server.app, maya);
    const refused = await student.postForm('/hubs/open-class/', { intent: 'hide', kind: 'artifact', id: essay.id, reason: 'I do not like it' });
    expect(refused.status).toBe(403);

    const browser = signedIn(server.url, server.app, teacher);
    const river = await page(browser, '/hubs/open-class/');
    expect(river).toContain('Hide from this hub');
    const hidden = await browser.postForm('/hubs/open-class/', { intent: 'hide', kind: 'artifact', id: essay.id, reason: 'Names a classmate' });
    expect(hidden.status).toBe(303);
    expect(await page(anonymous, '/hubs/open-class/')).not.toContain('Public essay');
    const { feed } = await getJsonFeed(anonymous, '/hubs/open-class/feed.json');
    expect(feed.items).toEqual([]);
    // The student's own page is unchanged, and no longer claims the hub.
    const own = await page(anonymous, '/@maya/public-essay/');
    expect(own).toContain('Public essay');
    expect(own).not.toContain('/hubs/open-class/');

    const list = await page(browser, '/hubs/open-class/hidden');
    expect(list).toContain('Names a classmate');
    const hide = server.app.db.select().from(hubHides).where(eq(hubHides.hubId, open.id)).get()!;
    expect((await browser.postForm('/hubs/open-class/hidden', { hideId: hide.id })).status).toBe(303);
    expect(await page(anonymous, '/hubs/open-class/')).toContain('Public essay');
  });

  it('create a hub with the form; students may not', async () => {
    await page(signedIn(server.url, server.app, maya), '/hubs/new', 403);
    const browser = signedIn(server.url, server.app, teacher);
    const bad = await browser.postForm('/hubs/new', { title: 'Biology', slug: 'new', tags: '' });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('at least one hashtag');
    expect(badHtml).toContain('used by the site itself');
    const made = await browser.postForm('/hubs/new', {
      title: 'Biology 9',
      slug: 'bio-9',
      tags: '#Bio9 biology',
      visibility: 'public',
      termStart: '2025-09-01',
      termEnd: '2026-06-30',
      pollIntervalMinutes: '60',
      'assignment-0-title': 'Cell diagram',
      'assignment-0-tag': 'cells',
      'assignment-0-due': '2025-10-01',
    });
    expect(made.status).toBe(303);
    expect(made.headers.get('location')).toBe('/hubs/bio-9/members?created=1');
    const hub = server.app.db.select().from(hubs).where(eq(hubs.slug, 'bio-9')).get()!;
    expect(hub).toMatchObject({ tags: ['bio9', 'biology'], visibility: 'public', pollIntervalMinutes: 60, ownerId: teacher.id });
    const settings = await page(browser, '/hubs/bio-9/settings');
    expect(settings).toContain('value="Cell diagram"');
    await page(signedIn(server.url, server.app, maya), '/hubs/bio-9/settings', 403);
  });

  it('invite members by handle, see progress once they accept, and poll now with progress shown', async () => {
    const browser = signedIn(server.url, server.app, teacher);
    const theo = await makeUser(server.app, { handle: 'theo', name: 'Theo B' });
    const added = await browser.postForm('/hubs/open-class/members', { intent: 'add', handle: '@Theo', role: 'student' });
    expect(added.status).toBe(303);
    expect(await page(browser, added.headers.get('location')!)).toContain('@theo is invited');
    expect(await page(browser, '/hubs/open-class/progress')).not.toContain('Theo B');
    const accepted = await signedIn(server.url, server.app, theo).postForm('/workspace/hubs', { intent: 'accept', hubId: open.id });
    expect(accepted.status).toBe(303);
    const unknown = await browser.postForm('/hubs/open-class/members', { intent: 'add', handle: 'nobody-here' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Nobody has the handle @nobody-here');

    const progress = await page(browser, '/hubs/open-class/progress');
    expect(progress).toContain('Contributions per week');
    expect(progress).toContain('Theo B');
    expect(progress).not.toMatch(/\sstyle=/);

    feeds.serve('/theo.xml', rss('Theo elsewhere', [{ title: 'Theo on WordPress', guid: 't1', categories: ['ENG10'] }]));
    server.app.db
      .insert(hubSources)
      .values({ id: server.app.newId(), hubId: open.id, memberId: theo.id, url: `${feeds.base}/theo.xml`, urlKey: `theo-${Date.now()}`, title: '', nextFetchAt: new Date(), createdAt: new Date() })
      .run();
    const poll = await browser.postForm('/hubs/open-class/sources', { intent: 'poll' });
    expect(poll.status).toBe(303);
    const jobId = new URL(poll.headers.get('location')!, server.url).searchParams.get('job')!;
    for (let i = 0; i < 100; i++) {
      const job = server.app.db.select().from(jobs).where(eq(jobs.id, jobId)).get();
      if (job?.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const sources = await page(browser, `/hubs/open-class/sources?job=${jobId}`);
    expect(sources).toMatch(/Polled 1 feed: 1 new item/);
    expect(sources).toContain('Theo elsewhere');
    expect(await page(anonymous, '/hubs/open-class/')).toContain('Theo on WordPress');
  });
});

describe('students', () => {
  it('add their own blog on the sources page, and see only their own feeds', async () => {
    const student = signedIn(server.url, server.app, maya);
    feeds.serve('/maya-blog/', `<!doctype html><html><head><link rel="alternate" type="application/atom+xml" href="/maya-blog/atom.xml"></head><body></body></html>`, { type: 'text/html' });
    feeds.serve(
      '/maya-blog/atom.xml',
      `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Maya elsewhere</title><id>urn:maya</id><updated>2025-03-01T00:00:00Z</updated>` +
        `<entry><title>Atom post #eng10</title><id>urn:maya:1</id><link href="https://maya.example/1"/><updated>2025-03-01T00:00:00Z</updated><content type="html">&lt;p&gt;Hi&lt;/p&gt;</content></entry></feed>`,
      { type: 'application/atom+xml' },
    );
    const added = await student.postForm('/hubs/open-class/sources', { intent: 'add', url: `${feeds.base}/maya-blog/` });
    expect(added.status).toBe(303);
    const html = await page(student, added.headers.get('location')!);
    expect(html).toContain('Added “Maya elsewhere”: 1 matching item');
    expect(html).not.toContain('Theo elsewhere');
    expect(html).not.toContain('Poll all feeds now');
    expect(await page(anonymous, '/hubs/open-class/')).toContain('Atom post #eng10');
    await page(signedIn(server.url, server.app, outsider), '/hubs/open-class/sources', 403);
  });

  it('join a hub with a code from the workspace', async () => {
    const browser = signedIn(server.url, server.app, teacher);
    const made = await browser.postForm('/hubs/closed-class/members', { intent: 'code' });
    const code = new URL(made.headers.get('location')!, server.url).searchParams.get('code')!;
    const joiner = signedIn(server.url, server.app, outsider);
    const wrong = await joiner.postForm('/workspace/hubs', { code: 'AAAA-BBBB-CCCC' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('does not exist');
    const joined = await joiner.postForm('/workspace/hubs', { code });
    expect(joined.status).toBe(303);
    expect(joined.headers.get('location')).toBe('/hubs/closed-class/?joined=1');
    expect(await page(joiner, '/hubs/closed-class/')).toContain('Class-only reflection');
  });
});

describe('hostile feed items', () => {
  it('render as text and safe HTML in the river and the feeds', async () => {
    const hub = createHub(server.app, { actor: null, input: { slug: 'xss-hub', title: 'XSS hub', tags: 'eng10', visibility: 'public' } });
    feeds.serve(
      '/hostile.xml',
      rss('<script>alert(1)</script>Evil', [
        { title: '<img src=x onerror=alert(1)>Title', guid: 'x1', link: 'javascript:alert(1)', categories: ['eng10'], html: '<p onclick="alert(1)">Body <script>alert(2)</script><a href="javascript:alert(3)">x</a> <img src=x onerror=alert(4)></p>' },
        { title: 'Second', guid: 'x2', link: 'https://evil.example/ok', categories: ['eng10'], html: '<svg onload=alert(5)><a xlink:href="javascript:alert(6)">y</a></svg><iframe src="https://evil.example"></iframe>' },
      ]),
    );
    server.app.db.insert(hubSources).values({ id: server.app.newId(), hubId: hub.id, url: `${feeds.base}/hostile.xml`, urlKey: 'hostile', title: '', nextFetchAt: new Date(), createdAt: new Date() }).run();
    const run = await (await import('../../../src/commands/hubPoller.ts')).pollHub(server.app, { actor: null, hubId: hub.id, fetch: { allowPrivateNetworks: true } });
    expect(run.summary.added).toBe(2);
    const html = await page(anonymous, '/hubs/xss-hub/');
    const list = /<div class="entry-list">([\s\S]*?)<\/div>\s*(?:<nav|<p class="meta">)/.exec(html)?.[1] ?? '';
    expect(list).toContain('Second');
    expect(unsafeFindings(list)).toEqual([]);
    expect(html).not.toMatch(/<script|onerror=alert|javascript:alert/);
    const { feed } = await getJsonFeed(anonymous, '/hubs/xss-hub/feed.json');
    for (const item of feed.items) expect(unsafeFindings(item.content_html ?? '')).toEqual([]);
  });
});
