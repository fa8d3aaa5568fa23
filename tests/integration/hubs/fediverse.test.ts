// A hub following a hashtag on Mastodon-compatible servers, through the real server: two loopback "servers" serve
// tag feeds modelled on Mastodon's (tests/fixtures/mastodon). Adding the tag (pasted forms and errors), title-less
// posts named by their first words in the river and left untitled in the hub's feeds, one post carried by two
// servers kept once, strangers' posts held until a teacher approves (and gone when rejected), a member's marked
// account coming in directly, one notification per poll, remote pictures never loaded, and who may do none of it.
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptHubInvitation } from '../../../src/commands/hubInvitationAccepter.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { pollHub } from '../../../src/commands/hubPoller.ts';
import { auditEvents, hubFediverseAccounts, hubHeldItems, hubItems, hubSources, hubTagSources, notifications, type Hub, type User } from '../../../src/server/db/schema.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { createTestApp, startServer, type TestServer } from '../../helpers/server.ts';
import { addHubSource } from '../../../src/commands/hubSourceAdder.ts';
import { getJsonFeed } from '../feeds/reading.ts';
import { startFeedServer, type FeedServer } from './feedServer.ts';

const SITE = 'https://school.example';
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');
const MAYA_WORDS = 'Week three of the massive open course: I mapped every…';
const BOB = 'Bob here from the other server';
const SAM = 'Samwise posts buy cheap followers';
const KIT = 'Kit from a faraway college';

let server: TestServer;
let a: FeedServer;
let b: FeedServer;
let teacher: User;
let coTeacher: User;
let maya: User;
let outsider: User;
let hub: Hub;
let anonymous: Browser;
let extra = { a: '', b: '' };

function fixture(name: 'server-a' | 'server-b', more: string): string {
  return fs.readFileSync(path.join(FIXTURES, `mastodon/${name}.rss`), 'utf8').replaceAll('{{EXTRA}}', more).replaceAll('{{A}}', a.base).replaceAll('{{B}}', b.base);
}

/** A status as Mastodon's tag feed writes it (no title), for later polls. */
function status(origin: string, user: string, id: string, text: string, date: string): string {
  const html = `<p>${text} <a href="${origin}/tags/t509massive" class="mention hashtag" rel="tag">#<span>t509massive</span></a></p>`;
  return `<item><guid isPermaLink="true">${origin}/@${user}/${id}</guid><link>${origin}/@${user}/${id}</link><pubDate>${date}</pubDate><description>${html.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</description><category>t509massive</category></item>`;
}

const poll = () => pollHub(server.app, { actor: null, hubId: hub.id, fetch: { allowPrivateNetworks: true } });
const heldRows = () => server.app.db.select().from(hubHeldItems).where(eq(hubHeldItems.hubId, hub.id)).all();
const heldNotices = (user = teacher) => server.app.db.select().from(notifications).where(and(eq(notifications.userId, user.id), eq(notifications.kind, 'hub.held'))).all();
const itemsLike = (text: string) => server.app.db.select().from(hubItems).where(eq(hubItems.hubId, hub.id)).all().filter((i) => i.excerpt.includes(text));

async function page(browser: Browser, pathname: string, status = 200): Promise<string> {
  const response = await browser.get(pathname);
  expect(response.status, pathname).toBe(status);
  return response.text();
}

beforeAll(async () => {
  [server, a, b] = await Promise.all([startServer({ env: { POTLUCK_SITE_URL: SITE, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } }), startFeedServer(), startFeedServer()]);
  a.serve('/tags/t509massive.rss', () => fixture('server-a', extra.a));
  b.serve('/tags/t509massive.rss', () => fixture('server-b', extra.b));
  // The attachment: a real JPEG, as a server's media storage answers.
  const JPEG = await sharp({ create: { width: 800, height: 500, channels: 3, background: { r: 40, g: 90, b: 160 } } }).jpeg().toBuffer();
  a.routes.set('/system/media_attachments/files/113/912/345/original/chart.jpg', (_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(JPEG.length) });
    res.end(JPEG);
  });
  const app = server.app;
  teacher = await makeUser(app, { handle: 'ms-lee', role: 'teacher', name: 'Ms Lee' });
  maya = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  outsider = await makeUser(app, { handle: 'outsider' });
  coTeacher = await makeUser(app, { handle: 'mr-chen', role: 'teacher', name: 'Mr Chen' });
  const actor = { id: teacher.id, role: 'teacher' as const };
  hub = createHub(app, { actor, input: { slug: 'massive', title: 'T509 Massive', tags: 'eng10', visibility: 'public' } });
  addHubMember(app, { actor, hubId: hub.id, handle: 'maya' });
  acceptHubInvitation(app, { actor: { id: maya.id, role: 'student' }, hubId: hub.id });
  addHubMember(app, { actor: null, hubId: hub.id, handle: 'mr-chen', role: 'teacher' });
  anonymous = new Browser(server.url);
});

afterAll(async () => {
  await Promise.all([server?.stop(), a?.close(), b?.close()]);
});

describe('following a hashtag', () => {
  it('refuses what is not a tag on a server, saying why, and adds nothing', async () => {
    const browser = signedIn(server.url, server.app, teacher);
    const cases: [Record<string, string>, RegExp][] = [
      [{ tagServer: '', tagName: 't509massive' }, /Which server\?/],
      [{ tagServer: 'mastodon.social', tagName: 'two words' }, /letters, digits and _ only/],
      [{ tagServer: 'not a server', tagName: 't509massive' }, /not a server/],
      // A server that has no such tag page.
      [{ tagServer: '', tagName: `${a.base}/tags/nosuchtag` }, /has no public page for #nosuchtag \(404\)/],
    ];
    for (const [fields, message] of cases) {
      const response = await browser.postForm('/hubs/massive/sources', { intent: 'tag', ...fields });
      expect(response.status).toBeGreaterThanOrEqual(400);
      const html = await response.text();
      expect(html).toMatch(message);
      expect(html).toContain('aria-invalid="true"');
    }
    expect(server.app.db.select().from(hubSources).where(eq(hubSources.hubId, hub.id)).all()).toHaveLength(0);
  });

  it('students and outsiders cannot follow a tag, nor see or use the approval queue', async () => {
    const student = signedIn(server.url, server.app, maya);
    const refused = await student.postForm('/hubs/massive/sources', { intent: 'tag', tagServer: '', tagName: `${a.base}/tags/t509massive` });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Only the hub’s teachers can follow a hashtag');
    expect(server.app.db.select().from(hubSources).where(eq(hubSources.hubId, hub.id)).all()).toHaveLength(0);
    await page(student, '/hubs/massive/held', 403);
    // The hub is public: an outsider may read it, but its teachers' pages answer 403 (a members-only hub's, 404).
    await page(signedIn(server.url, server.app, outsider), '/hubs/massive/held', 403);
    const anon = await anonymous.get('/hubs/massive/held');
    expect(anon.status).toBe(303);
  });

  it('a teacher marks a member’s account, then follows the tag by pasting its address: the member’s post comes in, strangers’ wait', async () => {
    const browser = signedIn(server.url, server.app, teacher);
    const host = new URL(a.base).host;
    const marked = await browser.postForm('/hubs/massive/held', { intent: 'mark', account: `${a.base}/@maya`, memberId: maya.id });
    expect(marked.status).toBe(303);
    const added = await browser.postForm('/hubs/massive/sources', { intent: 'tag', tagServer: '', tagName: `${a.base}/tags/t509massive` });
    expect(added.status).toBe(303);
    const location = new URL(added.headers.get('location')!, server.url);
    expect(location.searchParams.get('held')).toBe('2');
    const sources = await page(browser, location.pathname + location.search);
    expect(sources).toContain(`#t509massive on ${host}`);
    expect(sources).toMatch(/2 posts are by accounts not marked as members’/);
    expect(sources).toContain('A hashtag: members’ posts come in, others wait for');
    const source = server.app.db.select().from(hubSources).where(eq(hubSources.hubId, hub.id)).get()!;
    expect(source).toMatchObject({ url: `${a.base}/tags/t509massive.rss`, matchAll: true, memberId: null });
    expect(server.app.db.select().from(hubTagSources).where(eq(hubTagSources.sourceId, source.id)).get()).toMatchObject({ server: host, tag: 't509massive' });
    // Maya's post is in; Bob's and Sam's wait.
    expect(itemsLike('Week three')).toHaveLength(1);
    expect(itemsLike(BOB)).toHaveLength(0);
    expect(heldRows().map((h) => h.acct).sort()).toEqual([`bob@${new URL(b.base).host}`, `sam@${host}`]);
    // The teacher who added it saw the count; their colleague is told, once for the two posts.
    expect(heldNotices(teacher)).toHaveLength(0);
    expect(heldNotices(coTeacher)).toHaveLength(1);
    expect(heldNotices(coTeacher)[0]!.title).toBe('2 posts on T509 Massive’s hashtags wait for your approval');
    // The same tag on the same server again is refused.
    const again = await browser.postForm('/hubs/massive/sources', { intent: 'tag', tagServer: a.base, tagName: '#t509massive' });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain(`This hub already follows #t509massive on ${host}.`);
  });

  it('the same tag on a second server: the post both carry is held once', async () => {
    const browser = signedIn(server.url, server.app, teacher);
    const added = await browser.postForm('/hubs/massive/sources', { intent: 'tag', tagServer: b.base, tagName: '#t509massive' });
    expect(added.status).toBe(303);
    expect(new URL(added.headers.get('location')!, server.url).searchParams.get('held')).toBe('1');
    expect(heldRows().filter((h) => h.excerpt.includes(BOB))).toHaveLength(1);
    expect(heldRows().filter((h) => h.excerpt.includes(KIT))).toHaveLength(1);
    const queue = await page(browser, '/hubs/massive/held');
    for (const text of [BOB, SAM, KIT]) expect(queue.split(text).length - 1, text).toBeGreaterThan(0);
    expect(queue).not.toContain('(untitled)');
    // No remote picture or HTML in the queue.
    expect(queue).not.toContain('/system/media_attachments/');
    expect(queue).not.toContain('class="mention hashtag"');
  });
});

describe('title-less posts and held posts where people read', () => {
  it('the river names a post by its first words, shows its picture only as a local thumbnail, and shows no held post', async () => {
    await poll(); // The poll makes the pictures of new posts.
    for (const browser of [anonymous, signedIn(server.url, server.app, maya), signedIn(server.url, server.app, outsider)]) {
      const river = await page(browser, '/hubs/massive/');
      expect(river).toContain(MAYA_WORDS);
      expect(river).not.toContain('(untitled)');
      for (const text of [BOB, SAM, KIT]) expect(river).not.toContain(text);
      // Links to the originals, yes; pictures from the servers, never.
      expect(river).not.toMatch(/<img[^>]+src="http/);
      expect(river).toMatch(/<img[^>]+src="\/hubs\/massive\/thumbnails\/[^"]+"/);
    }
  });

  it('the hub’s feeds carry the post without a title (no title property in JSON Feed, no title element in RSS) and no held post', async () => {
    const { feed } = await getJsonFeed(anonymous, '/hubs/massive/feed.json');
    const item = feed.items.find((i: { url: string }) => i.url.includes('/@maya/'));
    expect(item).toBeDefined();
    expect('title' in item).toBe(false);
    expect(item.content_html).toContain('Week three of the massive open course');
    const rss = await (await anonymous.get('/hubs/massive/feed.xml')).text();
    const items = rss.match(/<item>[\s\S]*?<\/item>/g) ?? [];
    const mayas = items.filter((i) => i.includes('/@maya/'));
    expect(mayas).toHaveLength(1);
    expect(mayas[0]).not.toMatch(/<title>/);
    expect(mayas[0]).toMatch(/<description><!\[CDATA\[Week three of the massive open course/);
    for (const text of [BOB, SAM, KIT]) {
      expect(rss).not.toContain(text);
      expect(JSON.stringify(feed)).not.toContain(text);
    }
    expect(rss).not.toContain('(untitled)');
  });

  it('the teacher’s progress and landing pages name the post by its words too', async () => {
    const browser = signedIn(server.url, server.app, teacher);
    const landing = await page(browser, '/workspace/teaching');
    expect(landing).not.toContain('(untitled)');
    for (const text of [BOB, SAM, KIT]) expect(landing).not.toContain(text);
    const progress = await page(browser, '/hubs/massive/progress');
    for (const text of [BOB, SAM, KIT]) expect(progress).not.toContain(text);
  });
});

describe('deciding', () => {
  it('a student cannot approve or reject: 403, nothing changes', async () => {
    const bob = heldRows().find((h) => h.excerpt.includes(BOB))!;
    const student = signedIn(server.url, server.app, maya);
    for (const intent of ['approve', 'reject']) {
      const response = await student.postForm('/hubs/massive/held', { intent, heldId: bob.id });
      expect(response.status).toBe(403);
    }
    const other = signedIn(server.url, server.app, outsider);
    expect((await other.postForm('/hubs/massive/held', { intent: 'approve', heldId: bob.id })).status).toBe(403);
    expect((await student.postForm('/hubs/massive/held', { intent: 'mark', account: '@bob@x.example', memberId: maya.id })).status).toBe(403);
    expect(heldRows().find((h) => h.id === bob.id)).toMatchObject({ status: 'held' });
    expect(itemsLike(BOB)).toHaveLength(0);
  });

  it('approving brings the post into the river and feeds once, though two servers carry it; polls keep it once', async () => {
    const browser = signedIn(server.url, server.app, teacher);
    const bob = heldRows().find((h) => h.excerpt.includes(BOB))!;
    const approved = await browser.postForm('/hubs/massive/held', { intent: 'approve', heldId: bob.id });
    expect(approved.status).toBe(303);
    expect(itemsLike(BOB)).toHaveLength(1);
    expect(heldRows().find((h) => h.id === bob.id)).toBeUndefined();
    expect(server.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'hub.post_approved')).all()).toMatchObject([{ actorId: teacher.id, subjectId: hub.id }]);
    await poll();
    await poll();
    expect(itemsLike(BOB)).toHaveLength(1);
    expect(heldRows().filter((h) => h.excerpt.includes(BOB))).toHaveLength(0);
    const river = await page(anonymous, '/hubs/massive/');
    expect(river.split(BOB).length - 1).toBeGreaterThan(0);
    expect(river).toContain(`@bob@${new URL(b.base).host}`);
    const { feed } = await getJsonFeed(anonymous, '/hubs/massive/feed.json');
    expect(feed.items.filter((i: { content_html: string }) => i.content_html.includes(BOB))).toHaveLength(1);
  });

  it('rejecting removes the post from the queue for good: later polls do not bring it back', async () => {
    const browser = signedIn(server.url, server.app, teacher);
    const sam = heldRows().find((h) => h.excerpt.includes(SAM))!;
    expect((await browser.postForm('/hubs/massive/held', { intent: 'reject', heldId: sam.id })).status).toBe(303);
    await poll();
    const queue = await page(browser, '/hubs/massive/held');
    expect(queue).not.toContain(SAM);
    expect(queue).toContain(KIT);
    expect(itemsLike(SAM)).toHaveLength(0);
    expect(await page(anonymous, '/hubs/massive/')).not.toContain(SAM);
  });
});

describe('later polls', () => {
  it('hold strangers’ new posts on both servers with one notification for the poll, and let the marked member’s post in', async () => {
    const before = heldNotices().length;
    const beforeCo = heldNotices(coTeacher).length;
    extra = {
      a: status(a.base, 'maya', '113999000000000001', 'Maya again with a second reflection on the play and its many liars', 'Sat, 01 Mar 2025 09:00:00 +0000') +
        status(a.base, 'newcomer', '113999000000000002', 'A newcomer says hello to the whole course and asks for help', 'Sat, 01 Mar 2025 09:30:00 +0000'),
      b: status(b.base, 'faraway', '113999000000000003', 'Someone faraway shares a link to their own notes on act two', 'Sat, 01 Mar 2025 10:00:00 +0000'),
    };
    const { summary } = await poll();
    expect(summary.failed).toBe(0);
    expect(itemsLike('Maya again')).toHaveLength(1);
    expect(itemsLike('A newcomer says hello')).toHaveLength(0);
    expect(heldRows().filter((h) => h.status === 'held').map((h) => h.acct?.split('@')[0]).sort()).toEqual(['faraway', 'kit', 'newcomer']);
    const notices = heldNotices();
    expect(notices.length - before).toBe(1);
    expect(heldNotices(coTeacher).length - beforeCo).toBe(1);
    expect(notices.at(-1)).toMatchObject({ url: '/hubs/massive/held', title: '3 posts on T509 Massive’s hashtags wait for your approval' });
    // Nothing new held: no new notification.
    await poll();
    expect(heldNotices().length - before).toBe(1);
    // Students are not told.
    expect(server.app.db.select().from(notifications).where(and(eq(notifications.userId, maya.id), eq(notifications.kind, 'hub.held'))).all()).toHaveLength(0);
  });

  it('marking an account as a member’s lets its waiting posts in and its later posts come in directly', async () => {
    const browser = signedIn(server.url, server.app, teacher);
    const marked = await browser.postForm('/hubs/massive/held', { intent: 'mark', account: `@newcomer@${new URL(a.base).host}`, memberId: maya.id });
    expect(marked.status).toBe(303);
    expect(new URL(marked.headers.get('location')!, server.url).searchParams.get('marked')).toBe('1');
    expect(itemsLike('A newcomer says hello')).toHaveLength(1);
    expect(server.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'hub.account_marked')).all().map((e) => e.details)).toContainEqual({ account: `newcomer@${new URL(a.base).host}`, admitted: 1 });
    extra.a += status(a.base, 'newcomer', '113999000000000009', 'The newcomer posts a second time about the reading for Friday', 'Sat, 01 Mar 2025 11:00:00 +0000');
    await poll();
    expect(itemsLike('The newcomer posts a second time')).toHaveLength(1);
    // Unmarked, the account's next post waits again.
    const [account] = server.app.db.select().from(hubFediverseAccounts).where(eq(hubFediverseAccounts.acct, `newcomer@${new URL(a.base).host}`)).all();
    expect((await browser.postForm('/hubs/massive/held', { intent: 'unmark', accountId: account!.id })).status).toBe(303);
    extra.a += status(a.base, 'newcomer', '113999000000000010', 'The newcomer a third time, now no longer marked as anyone', 'Sat, 01 Mar 2025 12:00:00 +0000');
    await poll();
    expect(itemsLike('The newcomer a third time')).toHaveLength(0);
    expect(heldRows().filter((h) => h.excerpt.includes('The newcomer a third time'))).toHaveLength(1);
    // A bad account is refused with the reason.
    const bad = await browser.postForm('/hubs/massive/held', { intent: 'mark', account: 'newcomer', memberId: maya.id });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Write the account as @name@server');
  });
});

describe('a tag on a private address', () => {
  it('is refused unless the instance allows private networks, and nothing is added', async () => {
    const app = createTestApp({ POTLUCK_SITE_URL: SITE });
    const owner = await makeUser(app, { role: 'teacher' });
    const local = createHub(app, { actor: { id: owner.id, role: 'teacher' }, input: { slug: 'local', title: 'Local', tags: 'eng10' } });
    const hitsBefore = a.hits('/tags/t509massive.rss').length;
    for (const server of ['http://127.0.0.1', 'http://10.0.0.5', 'localhost']) {
      await expect(addHubSource(app, { actor: { id: owner.id, role: 'teacher' }, hubId: local.id, tag: { server, tag: 't509massive' } })).rejects.toMatchObject({
        status: 400,
        issues: [{ field: 'tagName', message: expect.stringMatching(/not to the public internet, so Potluck will not fetch it/) }],
      });
    }
    // And a loopback server on another port, by the port rule before any connection.
    await expect(addHubSource(app, { actor: { id: owner.id, role: 'teacher' }, hubId: local.id, tag: { tag: `${a.base}/tags/t509massive` } })).rejects.toMatchObject({ status: 400 });
    expect(app.db.select().from(hubSources).where(eq(hubSources.hubId, local.id)).all()).toHaveLength(0);
    expect(a.hits('/tags/t509massive.rss')).toHaveLength(hitsBefore);
    app.db.$client.close();
  });
});
