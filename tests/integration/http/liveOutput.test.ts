/**
 * What the live site sends readers: dates that are the same calendar day in every time zone, Last-Modified that moves
 * with the content, old addresses that redirect (to those who may read the piece), HTML that names its charset,
 * compressed pages and feeds, and public hubs in the sitemap. Real server, real HTTP, independent feed parser.
 */
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { parseJsonFeed, parseRssFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { updateProfile } from '../../../src/commands/profileUpdater.ts';
import { hubs, users, type User } from '../../../src/server/db/schema.ts';
import { eq } from 'drizzle-orm';
import { oldSlugsOf } from '../../../src/server/repositories/portfolio.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let maya: User;
let theo: User;
beforeAll(async () => {
  server = await startServer({ demo: true });
  maya = server.app.db.select().from(users).where(eq(users.handle, 'maya')).get()!;
  theo = await makeUser(server.app, { handle: 'theolive' });
}, 120_000);
afterAll(() => server?.stop());

const dayIn = (timeZone: string, date: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);

/** A raw GET with node:http: the body as sent (not decompressed) and the headers. */
function rawGet(pathname: string, headers: Record<string, string> = {}) {
  return rawRequest('GET', pathname, headers);
}

function rawRequest(method: string, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, server.url), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dates are the day the page says, in every time zone', () => {
  it('publishes the demo chapbook (dated 2025-03-21) as March 21 in Los Angeles and in Auckland', async () => {
    const visitor = new Browser(server.url);
    const page = await (await visitor.get('/@maya/small-weather-chapbook/')).text();
    expect(page).toContain('March 21, 2025');
    const datetime = /class="dt-published" datetime="([^"]+)"/.exec(page)![1]!;
    const rss = parseRssFeed(await (await visitor.get('/@maya/feed.xml')).text());
    const json = parseJsonFeed(await (await visitor.get('/@maya/feed.json')).text());
    const rssItem = rss.items!.find((i) => i.title?.startsWith('Small Weather'))!;
    const jsonItem = json.items!.find((i) => i.title?.startsWith('Small Weather'))!;
    for (const zone of ['America/Los_Angeles', 'Pacific/Auckland', 'UTC']) {
      for (const value of [rssItem.pubDate!, jsonItem.date_published!, datetime]) expect(dayIn(zone, new Date(value)), `${zone} ${value}`).toBe('2025-03-21');
      // Updated 2025-04-02 in the demo: never before it was published, and the same day everywhere.
      expect(dayIn(zone, new Date(jsonItem.date_modified!))).toBe('2025-04-02');
    }
  });

  it('keeps the moment a piece was saved when the editor sends back the same day', async () => {
    // Saved on Dec 1 at 13:19 in Los Angeles (21:19 UTC); then edited, the form sending its day, 2026-12-01.
    const saved = await makeArtifact(server.app, theo, { title: 'Saved in the afternoon', visibility: 'public', date: new Date('2026-12-01T21:19:00Z') });
    const { artifact } = await saveArtifact(server.app, {
      ownerId: theo.id,
      artifactId: saved.id,
      input: { title: 'Saved in the afternoon', kind: 'post', visibility: 'public', body: 'Edited.', date: new Date('2026-12-01T00:00:00Z') },
    });
    expect(artifact.date.toISOString()).toBe('2026-12-01T21:19:00.000Z');
    const rss = parseRssFeed(await (await new Browser(server.url).get('/@theolive/feed.xml')).text());
    const item = rss.items!.find((i) => i.title === 'Saved in the afternoon')!;
    expect(dayIn('America/Los_Angeles', new Date(item.pubDate!))).toBe('2026-12-01');
  });
});

describe('Last-Modified moves with the content', () => {
  it('answers 200 with the new profile to a copy dated before a profile change', async () => {
    const priya = await makeUser(server.app, { handle: 'priyalive', name: 'Priya Before' });
    await makeArtifact(server.app, priya, { title: 'Field notes', visibility: 'public' });
    const visitor = new Browser(server.url);
    for (const path of ['/@priyalive/', '/@priyalive/feed.xml', '/@priyalive/feed.json']) await visitor.get(path);
    const before = new Map<string, { lastModified: string; etag: string }>();
    for (const path of ['/@priyalive/', '/@priyalive/feed.xml', '/@priyalive/feed.json']) {
      const r = await visitor.get(path);
      expect(r.status).toBe(200);
      before.set(path, { lastModified: r.headers.get('last-modified')!, etag: r.headers.get('etag')! });
      expect((await visitor.get(path, { headers: { 'if-modified-since': r.headers.get('last-modified')! } })).status).toBe(304);
    }
    await new Promise((resolve) => setTimeout(resolve, 2100));
    updateProfile(server.app, { userId: priya.id, input: { name: 'Priya After', siteTitle: 'Priya’s notebook' } });
    for (const [path, old] of before) {
      const since = new Date(Date.parse(old.lastModified) + 1000).toUTCString();
      const conditions: Record<string, string>[] = [{ 'if-modified-since': old.lastModified }, { 'if-modified-since': since }, { 'if-none-match': old.etag }];
      for (const headers of conditions) {
        const r = await visitor.get(path, { headers });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(200);
        expect(await r.text()).toContain('Priya After');
        expect(Date.parse(r.headers.get('last-modified')!)).toBeGreaterThan(Date.parse(since));
      }
    }
  });
});

describe('a renamed piece keeps its old addresses', () => {
  it('redirects every old slug straight to the current one, and a new piece takes an old slug over', async () => {
    const piece = await makeArtifact(server.app, theo, { title: 'First name', slug: 'first-name', visibility: 'public' });
    const rename = (slug: string) =>
      saveArtifact(server.app, { ownerId: theo.id, artifactId: piece.id, input: { title: 'First name', kind: 'post', visibility: 'public', body: 'x', slug } });
    await rename('second-name');
    await rename('third-name');
    const visitor = new Browser(server.url);
    for (const old of ['first-name', 'second-name']) {
      const r = await visitor.get(`/@theolive/${old}/`);
      expect(r.status).toBe(301);
      expect(new URL(r.headers.get('location')!, server.url).pathname).toBe('/@theolive/third-name/');
      // Not cached forever: the address may yet go to another piece.
      expect(r.headers.get('cache-control')).toBe('public, max-age=300');
    }
    expect((await visitor.get('/@theolive/third-name/')).status).toBe(200);
    expect(oldSlugsOf(server.app, theo.id).map((o) => [o.oldSlug, o.slug]).sort()).toEqual([['first-name', 'third-name'], ['second-name', 'third-name']]);

    await makeArtifact(server.app, theo, { title: 'Someone new', slug: 'first-name', visibility: 'public' });
    const taken = await visitor.get('/@theolive/first-name/');
    expect(taken.status).toBe(200);
    expect(await taken.text()).toContain('Someone new');
    expect(oldSlugsOf(server.app, theo.id).map((o) => o.oldSlug)).toEqual(['second-name']);
  });

  it('answers a stranger exactly as for a missing page when the renamed piece is not theirs to read', async () => {
    const teacher = await makeUser(server.app, { role: 'teacher' });
    const classmate = await makeUser(server.app);
    makeHub(server.app, { teacher, students: [theo, classmate] });
    for (const visibility of ['private', 'members'] as const) {
      const piece = await makeArtifact(server.app, theo, { title: `Hidden ${visibility}`, slug: `hidden-${visibility}`, visibility });
      await saveArtifact(server.app, { ownerId: theo.id, artifactId: piece.id, input: { title: 'Hidden', kind: 'post', visibility, body: 'x', slug: `moved-${visibility}` } });
      const stranger = new Browser(server.url);
      const old = await stranger.get(`/@theolive/hidden-${visibility}/`);
      const never = await stranger.get(`/@theolive/never-was-${visibility}/`);
      expect(old.status).toBe(404);
      expect(old.headers.get('location')).toBeNull();
      expect((await old.text()).replaceAll(`hidden-${visibility}`, 'X')).toBe((await never.text()).replaceAll(`never-was-${visibility}`, 'X'));
      // The owner follows their own old link.
      const own = await signedIn(server.url, server.app, theo).get(`/@theolive/hidden-${visibility}/`);
      expect(own.status).toBe(301);
    }
    // A classmate may read class-only work, so they are redirected too; a private piece stays missing to them.
    const asClassmate = signedIn(server.url, server.app, classmate);
    expect((await asClassmate.get('/@theolive/hidden-members/')).status).toBe(301);
    expect((await asClassmate.get('/@theolive/hidden-private/')).status).toBe(404);
    expect(oldSlugsOf(server.app, theo.id).some((o) => o.oldSlug.startsWith('hidden-'))).toBe(false);
  });
});

describe('what goes over the wire', () => {
  it('names the charset of every HTML response', async () => {
    for (const path of ['/', '/@maya/', '/@maya/small-weather-chapbook/', '/@maya/no-such-piece/', '/signin']) {
      const r = await rawGet(path);
      expect(r.headers['content-type'], path).toBe('text/html; charset=utf-8');
    }
  });

  it('compresses pages and feeds once, with Vary and an encoding-specific ETag that still validates', async () => {
    for (const path of ['/@maya/', '/@maya/feed.xml', '/@maya/feed.json', '/sitemap.xml']) {
      const plain = await rawGet(path);
      expect(plain.headers['content-encoding'], path).toBeUndefined();
      expect(plain.headers.vary, path).toMatch(/Accept-Encoding/);
      for (const [coding, decode] of [['gzip', gunzipSync], ['br', brotliDecompressSync]] as const) {
        const first = await rawGet(path, { 'accept-encoding': coding });
        expect(first.status, path).toBe(200);
        expect(first.headers['content-encoding'], path).toBe(coding);
        expect(first.headers.vary).toMatch(/Accept-Encoding/);
        expect(decode(first.body).toString('utf8'), `${path} ${coding}`).toBe(plain.body.toString('utf8'));
        expect(first.headers.etag).not.toBe(plain.headers.etag);
        const second = await rawGet(path, { 'accept-encoding': coding });
        expect(Buffer.compare(second.body, first.body), `${path} ${coding}: the same bytes again`).toBe(0);
        const again = await rawGet(path, { 'accept-encoding': coding, 'if-none-match': first.headers.etag as string });
        expect(again.status, path).toBe(304);
        expect(again.headers.etag).toBe(first.headers.etag);
        const head = await rawRequest('HEAD', path, { 'accept-encoding': coding });
        expect(head.headers['content-encoding'], `HEAD ${path}`).toBe(coding);
        expect(head.headers.etag, `HEAD ${path}`).toBe(first.headers.etag);
      }
    }
    const refused = await rawGet('/@maya/feed.xml', { 'accept-encoding': 'gzip;q=0, br;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('lists public hubs in the sitemap, and never members-only ones', async () => {
    const teacher = await makeUser(server.app, { role: 'teacher' });
    const open = makeHub(server.app, { teacher, students: [], slug: 'open-hub-live' });
    makeHub(server.app, { teacher, students: [], slug: 'closed-hub-live' });
    server.app.db.update(hubs).set({ visibility: 'public' }).where(eq(hubs.id, open)).run();
    const sitemap = await (await new Browser(server.url).get('/sitemap.xml')).text();
    expect(sitemap).toMatch(/<loc>[^<]*\/hubs\/open-hub-live\/<\/loc>/);
    expect(sitemap).not.toContain('closed-hub-live');
  });
});
