/**
 * The inbox, its settings and the private feed over real HTTP against a real server: newest first, paginated,
 * unread said in words, "Mark read" and "Mark all read" as plain forms, opening an item marks it read and goes on;
 * someone else's notification is a 404 that changes nothing. The feed is valid Atom at a secret address that a reset
 * retires at once, holds only its owner's titles and links, and is never cached, indexed or listed.
 */
import { and, eq } from 'drizzle-orm';
import { parseAtomFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFeed } from '../../../src/core/feeds/parse.ts';
import { auditEvents, guardianLinks, notificationPrefs, notifications, users, type User } from '../../../src/server/db/schema.ts';
import { inTransaction } from '../../../src/server/db/tx.ts';
import { notify, type NewNotification } from '../../../src/server/notifications/notify.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

/** The public base the server runs with: links in the feed name it. */
const SITE = 'https://school.example';
let server: TestServer;
let maya: User;
let theo: User;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_SITE_URL: SITE } });
  maya = await makeUser(server.app, { name: 'Maya Lind' });
  theo = await makeUser(server.app, { name: 'Theo Park' });
});
afterAll(async () => {
  await server?.stop();
});

let tick = 0;
/** A notification made `minutesAgo` before now (so the order is known). */
function tell(to: User, title: string, extra: Partial<NewNotification> = {}): string {
  tick += 1;
  const at = new Date(Date.now() - 60 * 60_000 + tick * 1000);
  const app = { ...server.app, now: () => at };
  return inTransaction(server.app, () => notify(app, { to: to.id, kind: 'hub.invited', title, url: '/workspace/hubs', ...extra }))[0]!;
}
const row = (id: string) => server.app.db.select().from(notifications).where(eq(notifications.id, id)).get()!;
/** feedsmith gives Atom text constructs as { value } (or plain strings in older versions). */
const textOf = (x: unknown) => (typeof x === 'string' ? x : (x as { value?: string } | undefined)?.value);
const html = async (r: Response) => {
  expect(r.status).toBe(200);
  return r.text();
};

describe('the inbox', () => {
  it('sends someone signed out to sign in', async () => {
    const r = await new Browser(server.url).get('/notifications');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/signin?next=%2Fnotifications');
  });

  it('lists your own notifications newest first, says which are unread in words, and pages through many', async () => {
    const reader = await makeUser(server.app, { name: 'Rea Der' });
    for (let i = 1; i <= 30; i++) tell(reader, `Notice number ${i}.`);
    tell(theo, 'A notice for Theo alone');
    const browser = signedIn(server.url, server.app, reader);
    const first = await html(await browser.get('/notifications'));
    expect(first).toContain('30 unread of 30.');
    expect(first.indexOf('Notice number 30.')).toBeLessThan(first.indexOf('Notice number 29.'));
    expect(first).toContain('Notice number 6.');
    expect(first).not.toContain('Notice number 5.');
    expect(first).toMatch(/<strong[^>]*>Unread<\/strong>/);
    expect(first).not.toContain('A notice for Theo alone');
    expect(first).toContain('rel="next" href="/notifications?page=2"');
    const second = await html(await browser.get('/notifications?page=2'));
    expect(second).toContain('Notice number 1.');
    expect(second).not.toContain('Notice number 6.');
    // The header counts them too.
    expect(first).toMatch(/Notifications <span class="badge">30/);
  });

  it('marks one read with its form, and opening one marks it read and goes on to it', async () => {
    const a = tell(maya, 'First for Maya');
    const b = tell(maya, 'Second for Maya', { url: '/workspace' });
    const browser = signedIn(server.url, server.app, maya);
    const marked = await browser.postForm('/notifications', { id: a });
    expect(marked.status).toBe(303);
    expect(marked.headers.get('location')).toBe('/notifications?marked=1');
    expect(row(a).readAt).not.toBeNull();
    expect(row(b).readAt).toBeNull();
    const page = await html(await browser.get('/notifications'));
    expect(page).toContain('1 unread of 2.');

    const opened = await browser.get(`/notifications/${b}`);
    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/workspace');
    const readAt = row(b).readAt;
    expect(readAt).not.toBeNull();
    // Opening it again keeps the first time.
    await browser.get(`/notifications/${b}`);
    expect(row(b).readAt?.getTime()).toBe(readAt!.getTime());
    expect((await browser.get('/workspace')).status).toBe(200);
  });

  it('marks all read with one form', async () => {
    const person = await makeUser(server.app);
    const ids = [tell(person, 'One'), tell(person, 'Two'), tell(person, 'Three')];
    const other = tell(theo, 'Theo keeps his unread');
    const browser = signedIn(server.url, server.app, person);
    const r = await browser.postForm('/notifications', { intent: 'all' });
    expect(r.status).toBe(303);
    for (const id of ids) expect(row(id).readAt).not.toBeNull();
    expect(row(other).readAt).toBeNull();
    const page = await html(await browser.get('/notifications'));
    expect(page).toContain('0 unread of 3.');
    expect(page).not.toContain('Mark all read');
  });

  it("answers 404 for someone else's notification, by link or by form, and changes nothing", async () => {
    const theirs = tell(theo, 'Theo’s private news');
    const browser = signedIn(server.url, server.app, maya);
    const opened = await browser.get(`/notifications/${theirs}`);
    expect(opened.status).toBe(404);
    expect(await opened.text()).not.toContain('Theo’s private news');
    expect((await browser.postForm('/notifications', { id: theirs })).status).toBe(404);
    expect((await browser.postForm(`/notifications/${theirs}`, {})).status).toBe(404);
    expect((await browser.get('/notifications/no-such-id')).status).toBe(404);
    expect(row(theirs).readAt).toBeNull();
    // Signed out, the link asks for sign-in first and marks nothing.
    const anonymous = await new Browser(server.url).get(`/notifications/${theirs}`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe(`/signin?next=${encodeURIComponent(`/notifications/${theirs}`)}`);
    expect(row(theirs).readAt).toBeNull();
  });

  it("says which child a guardian's copy is about", async () => {
    const parent = await makeUser(server.app, { role: 'guardian', name: 'Pat Parent' });
    const child = await makeUser(server.app, { name: 'Kim Child' });
    server.app.db.insert(guardianLinks).values({ guardianId: parent.id, studentId: child.id, createdAt: new Date() }).run();
    inTransaction(server.app, () =>
      notify(server.app, { to: child.id, kind: 'assignment.due', title: 'Essay due, nothing from you yet', url: '/hubs/x/', forGuardians: { title: 'Essay due, nothing from Kim yet', url: '/family' } }),
    );
    // assignment.due is not among a guardian's default kinds: no copy until they choose it.
    expect(server.app.db.select().from(notifications).where(eq(notifications.userId, parent.id)).all()).toEqual([]);
    const browser = signedIn(server.url, server.app, parent);
    const saved = await browser.postForm('/notifications/settings', { intent: 'prefs', email: 'digest', quietStart: '', quietEnd: '', guardianKinds: ['assignment.due', 'feedback.new'] });
    expect(saved.status).toBe(303);
    inTransaction(server.app, () =>
      notify(server.app, { to: child.id, kind: 'assignment.due', title: 'Essay due again', url: '/hubs/x/', key: 'k2', forGuardians: { title: 'Essay due, nothing from Kim yet', url: '/family' } }),
    );
    const page = await html(await browser.get('/notifications'));
    expect(page).toContain('Essay due, nothing from Kim yet');
    expect(page).toContain(`About Kim Child (@${child.handle})`);
  });
});

describe('the settings', () => {
  it('saves the email mode and quiet hours, and explains a field to fix', async () => {
    const person = await makeUser(server.app, { role: 'teacher' });
    const browser = signedIn(server.url, server.app, person);
    const page = await html(await browser.get('/notifications/settings'));
    expect(page).toContain('Right away');
    expect(page).not.toContain('What you hear about your children');
    const bad = await browser.postForm('/notifications/settings', { intent: 'prefs', email: 'immediate', quietStart: '22', quietEnd: '' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Choose both the start and the end of quiet hours');
    expect(server.app.db.select().from(notificationPrefs).where(eq(notificationPrefs.userId, person.id)).get()).toBeUndefined();
    const good = await browser.postForm('/notifications/settings', { intent: 'prefs', email: 'immediate', quietStart: '22', quietEnd: '7' });
    expect(good.status).toBe(303);
    expect(server.app.db.select().from(notificationPrefs).where(eq(notificationPrefs.userId, person.id)).get()).toMatchObject({ email: 'immediate', quietStart: 22, quietEnd: 7 });
    const again = await html(await browser.get('/notifications/settings?saved=1'));
    expect(again).toContain('Your notification settings are saved.');
    expect(again).toMatch(/<option value="22" selected/);
  });

  it('tells a student under the school age (or of unknown age) that only digests are sent', async () => {
    const young = await makeUser(server.app);
    const grown = await makeUser(server.app);
    server.app.db.update(users).set({ birthYear: new Date().getUTCFullYear() - 25 }).where(eq(users.id, grown.id)).run();
    expect(await html(await signedIn(server.url, server.app, young).get('/notifications/settings'))).toContain('Students under 18 get at most one email a day');
    expect(await html(await signedIn(server.url, server.app, grown).get('/notifications/settings'))).not.toContain('Students under 18');
  });
});

describe('the private feed', () => {
  async function makeFeed(browser: Browser): Promise<string> {
    const r = await browser.postForm('/notifications/settings', { intent: 'feed' });
    const text = await html(r);
    const address = /id="feed-address"[^>]*value="([^"]+)"/.exec(text)?.[1] ?? /value="([^"]+)"[^>]*id="feed-address"/.exec(text)?.[1];
    expect(address).toMatch(/\/notifications\/feed\/[A-Za-z0-9_-]{43}\.atom$/);
    return new URL(address!).pathname;
  }

  it('is valid Atom with its owner’s titles and links only, private and unindexed', async () => {
    const owner = await makeUser(server.app, { name: 'Fee Reader' });
    const id = tell(owner, 'Feed item <one> & "two"');
    tell(theo, 'Not for the feed reader');
    const browser = signedIn(server.url, server.app, owner);
    const path = await makeFeed(browser);
    const stored = server.app.db.select().from(notificationPrefs).where(eq(notificationPrefs.userId, owner.id)).get()!;
    // Only the hash is kept: the secret is in no column.
    expect(stored.feedTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(path.split('/').pop()!.replace('.atom', ''));

    const r = await new Browser(server.url).get(path);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('private, no-store');
    expect(r.headers.get('x-robots-tag')).toContain('noindex');
    const text = await r.text();
    const atom = parseAtomFeed(text);
    expect(textOf(atom.title)).toBe('Notifications for Fee Reader');
    // The elements Atom 1.0 requires of a feed whose entries name no author (RFC 4287 4.1.1).
    expect(atom.authors?.[0]?.name).toBe('Potluck');
    expect(atom.id).toBeTruthy();
    expect(atom.updated).toBeTruthy();
    expect(atom.entries).toHaveLength(1);
    const entry = atom.entries![0]!;
    expect(textOf(entry.title)).toBe('Feed item <one> & "two"');
    expect(entry.id).toBe(`urn:potluck:notification:${id}`);
    expect(entry.updated).toBeTruthy();
    expect(entry.links?.[0]?.href).toBe(`${SITE}/notifications/${id}`);
    expect(entry.content).toBeUndefined();
    expect(entry.summary).toBeUndefined();
    expect(text).not.toContain('Not for the feed reader');
    // Potluck's own reader (the one hubs use) reads it as Atom 1.0 too.
    const own = parseFeed(text, { url: `${SITE}${path}` });
    expect(own.ok && own.feed.format).toBe('atom');
    expect(own.ok && own.feed.items.map((i) => i.title)).toEqual(['Feed item <one> & "two"']);
  });

  it('answers 404 to a wrong secret, and a reset retires the old address at once', async () => {
    const owner = await makeUser(server.app);
    tell(owner, 'Something');
    const browser = signedIn(server.url, server.app, owner);
    const old = await makeFeed(browser);
    expect((await new Browser(server.url).get(old)).status).toBe(200);
    const wrong = old.replace(/.(\.atom)$/, (m, ext) => (m[0] === 'A' ? 'B' : 'A') + ext);
    expect((await new Browser(server.url).get(wrong)).status).toBe(404);
    expect((await new Browser(server.url).get('/notifications/feed/short.atom')).status).toBe(404);
    const settings = await html(await browser.get('/notifications/settings'));
    expect(settings).toContain('Reset address');
    expect(settings).not.toContain(old);
    const fresh = await makeFeed(browser);
    expect(fresh).not.toBe(old);
    expect((await new Browser(server.url).get(old)).status).toBe(404);
    expect((await new Browser(server.url).get(fresh)).status).toBe(200);
    // Both are in the audit log (a leaked address is a security matter), without the secret.
    const events = server.app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'notifications.feed_reset'), eq(auditEvents.actorId, owner.id))).all();
    expect(events).toHaveLength(2);
    expect(JSON.stringify(events)).not.toContain(fresh.split('/').pop()!.replace('.atom', ''));
  });

  it('is listed nowhere public', async () => {
    const anonymous = new Browser(server.url);
    for (const path of ['/sitemap.xml', '/robots.txt', '/', `/@${maya.handle}/`]) {
      const r = await anonymous.get(path);
      expect(await r.text()).not.toContain('/notifications/feed/');
    }
  });
});
