// A course hub as a WebSub subscriber, against a real publisher and hub on loopback: Potluck subscribes when a
// polled feed names a hub, answers only the verification it asked for, takes only signed deliveries (which show in
// the river at once, with no poll), and falls back to polling when the hub goes away or stays silent. Ports
// websub.rocks' subscriber tests 100–104 (discovery), 200 and 205 (subscribing) and 300–302 (distribution).
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHubSource } from '../../../src/commands/hubSourceAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { discoverWebSub } from '../../../src/core/feeds/websubDiscovery.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { hubSources, websubSourceSubscriptions, type Hub, type HubSource } from '../../../src/server/db/schema.ts';
import { pollSource } from '../../../src/server/hubs/poller.ts';
import { renewSourceSubscriptions } from '../../../src/server/websub/subscriber.ts';
import { makeUser } from '../../helpers/factories.ts';
import type { TestServer } from '../../helpers/server.ts';
import { rss, startFeedServer, type FeedServer, type TestItem } from '../hubs/feedServer.ts';
import { storedTitles } from '../hubs/helpers.ts';
import { startWebSubServer, waitFor } from './support.ts';

/** What the loopback hub was asked, and how its verification went. */
interface HubRequest {
  form: URLSearchParams;
  verification?: { status: number; body: string; challenge: string };
}

let server: TestServer;
let feeds: FeedServer;
let app: AppContext;
const hubRequests = new Map<string, HubRequest[]>();

/** A WebSub hub at `path` on the feed server: 202, then the verification GET to the callback (as hubs do). */
function runHub(path: string, how: { status?: number; verify?: boolean } = {}) {
  hubRequests.set(path, []);
  feeds.routes.set(path, (req: http.IncomingMessage, res: http.ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(text);
      const entry: HubRequest = { form };
      hubRequests.get(path)!.push(entry);
      res.writeHead(how.status ?? 202);
      res.end();
      if ((how.status ?? 202) !== 202 || how.verify === false) return;
      void verify(form.get('hub.callback')!, { mode: form.get('hub.mode')!, topic: form.get('hub.topic')! }).then((v) => (entry.verification = v));
    });
  });
}

/** The hub's verification of intent, as a hub sends it. */
async function verify(callback: string, props: { mode: string; topic: string }) {
  const challenge = `challenge-${Math.random().toString(36).slice(2)}`;
  const url = new URL(callback);
  url.searchParams.set('hub.mode', props.mode);
  url.searchParams.set('hub.topic', props.topic);
  url.searchParams.set('hub.challenge', challenge);
  url.searchParams.set('hub.lease_seconds', '864000');
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), challenge };
}

/** A content delivery as a hub sends it, signed with `secret` (or as told). */
function deliver(callback: string, body: string | Buffer, sign: { secret?: string; algorithm?: string; signature?: string | null; contentType?: string }) {
  const headers: Record<string, string> = { 'content-type': sign.contentType ?? 'application/rss+xml; charset=utf-8' };
  const signature = sign.signature !== undefined ? sign.signature : `${sign.algorithm ?? 'sha256'}=${createHmac(sign.algorithm ?? 'sha256', sign.secret!).update(body).digest('hex')}`;
  if (signature !== null) headers['x-hub-signature'] = signature;
  return fetch(callback, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

/** An RSS feed that names a hub (and its own topic) in the document. */
function feedNamingHub(items: TestItem[], hubPath: string, self: string): string {
  return rss('A blog', items).replace('<rss version="2.0"><channel>', `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><atom:link rel="hub" href="${feeds.base}${hubPath}"/><atom:link rel="self" href="${self}"/>`);
}

async function followedFeed(slug: string, feedPath: string): Promise<{ hub: Hub; source: HubSource }> {
  const teacher = await makeUser(app, { role: 'teacher' });
  const hub = createHub(app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug, title: 'English 10', tags: 'eng10', visibility: 'public' } });
  const { source } = await addHubSource(app, { actor: { id: teacher.id, role: 'teacher' }, hubId: hub.id, url: `${feeds.base}${feedPath}` });
  return { hub, source };
}

const subscriptionOf = (sourceId: string) => app.db.select().from(websubSourceSubscriptions).where(eq(websubSourceSubscriptions.sourceId, sourceId)).get();
const callbackOf = (sourceId: string) => `${server.url}/websub/callback/${subscriptionOf(sourceId)!.id}`;
const minutesUntilNextPoll = (sourceId: string) => (app.db.select().from(hubSources).where(eq(hubSources.id, sourceId)).get()!.nextFetchAt.getTime() - Date.now()) / 60_000;

beforeAll(async () => {
  server = await startWebSubServer();
  feeds = await startFeedServer();
  // The test's own context on the server's database: it polls (loopback feeds allowed) and names callbacks on the server.
  const port = new URL(server.url).port;
  app = createAppContext(loadConfig({ POTLUCK_DATA: server.dataDir, PORT: port, HOST: '127.0.0.1', POTLUCK_SITE_URL: server.url, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' }));
}, 120_000);

afterAll(async () => {
  app?.db.$client.close();
  await feeds?.close();
  await server?.stop();
});

describe('discovery (websub.rocks subscriber 100, 102, 103, 104)', () => {
  const base = 'https://blog.example/feed';
  it('100: finds the hub and self in HTTP Link headers', () => {
    expect(discoverWebSub({ url: base, linkHeader: '<https://hub.example/>; rel="hub", <https://blog.example/topic>; rel="self"', body: '' })).toEqual({ hub: 'https://hub.example/', self: 'https://blog.example/topic' });
  });
  it('102: finds them in an Atom feed', () => {
    const atom = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="https://hub.example/"/><link rel="self" href="https://blog.example/atom"/><entry><link rel="hub" href="https://wrong.example/"/></entry></feed>`;
    expect(discoverWebSub({ url: base, body: atom })).toEqual({ hub: 'https://hub.example/', self: 'https://blog.example/atom' });
  });
  it('103: finds them in an RSS feed (atom:link)', () => {
    const doc = `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><atom:link href="/hub" rel="hub"/><atom:link href="https://blog.example/rss" rel="self" type="application/rss+xml"/></channel></rss>`;
    expect(discoverWebSub({ url: base, body: doc })).toEqual({ hub: 'https://blog.example/hub', self: 'https://blog.example/rss' });
  });
  it('finds them in a JSON Feed (hubs, feed_url)', () => {
    const doc = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', feed_url: 'https://blog.example/feed.json', hubs: [{ type: 'WebSub', url: 'https://hub.example/' }], items: [] });
    expect(discoverWebSub({ url: base, body: doc, contentType: 'application/feed+json' })).toEqual({ hub: 'https://hub.example/', self: 'https://blog.example/feed.json' });
  });
  it('104: the HTTP header wins over the document', () => {
    const doc = `<rss><channel><atom:link href="https://body-hub.example/" rel="hub"/><atom:link href="https://blog.example/body-self" rel="self"/></channel></rss>`;
    expect(discoverWebSub({ url: base, linkHeader: '<https://header-hub.example/>; rel="hub", <https://blog.example/header-self>; rel="self"', body: doc })).toEqual({ hub: 'https://header-hub.example/', self: 'https://blog.example/header-self' });
  });
  it('a feed that names no hub has none', () => {
    expect(discoverWebSub({ url: base, body: rss('Plain', []) })).toBeNull();
  });
});

describe('subscribing and receiving (websub.rocks subscriber 200, 205, 300–302)', () => {
  let hub: Hub;
  let source: HubSource;
  // 200: the feed names another address as its self; that is the topic Potluck subscribes to.
  const topic = () => `${feeds.base}/canonical/feed.xml`;
  const feedItems: TestItem[] = [{ title: 'Polled essay', guid: 'p1', date: '2025-02-01', categories: ['eng10'] }];

  beforeAll(async () => {
    runHub('/hub');
    feeds.serve('/maya/feed.xml', () => feedNamingHub(feedItems, '/hub', topic()));
    ({ hub, source } = await followedFeed('pushed', '/maya/feed.xml'));
  });

  it('200: subscribes when the feed is added, to the topic the feed names, with a secret, and answers the verification', async () => {
    await pollSource(app, source.id, { force: true });
    const request = await waitFor(() => hubRequests.get('/hub')!.find((r) => r.verification), 10_000, 'the verification');
    expect(request.form.get('hub.mode')).toBe('subscribe');
    expect(request.form.get('hub.topic')).toBe(topic());
    expect(request.form.get('hub.callback')).toMatch(new RegExp(`^${server.url}/websub/callback/[0-9a-f-]{36}$`));
    expect(request.form.get('hub.secret')!.length).toBeGreaterThanOrEqual(32);
    expect(request.verification!.status).toBe(200);
    expect(request.verification!.body).toBe(request.verification!.challenge);
    expect(subscriptionOf(source.id)).toMatchObject({ state: 'active', topic: topic(), hubUrl: `${feeds.base}/hub` });
    // A second poll while subscribed asks the hub nothing more, and the next poll is a safety net, 6 intervals away.
    await pollSource(app, source.id, { force: true });
    expect(hubRequests.get('/hub')).toHaveLength(1);
    expect(minutesUntilNextPoll(source.id)).toBeGreaterThan(170);
  });

  it('300: takes a signed delivery, which shows in the river at once, with no poll', async () => {
    const polls = feeds.hits('/maya/feed.xml').length;
    const secret = hubRequests.get('/hub')![0]!.form.get('hub.secret')!;
    const body = feedNamingHub([{ title: 'Pushed essay', guid: 'p2', date: '2025-02-02', categories: ['eng10'] }, ...feedItems], '/hub', topic());
    const res = await deliver(callbackOf(source.id), body, { secret });
    expect(res.status).toBe(202);
    const river = await (await fetch(`${server.url}/hubs/${hub.slug}/`)).text();
    expect(river).toContain('Pushed essay');
    expect(feeds.hits('/maya/feed.xml').length).toBe(polls);
  });

  it('accepts the other signature methods the spec lists (sha1, sha384, sha512)', async () => {
    const secret = hubRequests.get('/hub')![0]!.form.get('hub.secret')!;
    for (const algorithm of ['sha1', 'sha384', 'sha512']) {
      const title = `Signed with ${algorithm}`;
      const body = feedNamingHub([{ title, guid: `a-${algorithm}`, date: '2025-02-03', categories: ['eng10'] }], '/hub', topic());
      expect((await deliver(callbackOf(source.id), body, { secret, algorithm })).status, algorithm).toBe(202);
      expect(storedTitles(app, source.id), algorithm).toContain(title);
    }
  });

  it('checks the signature over the bytes as sent (a feed in ISO-8859-1)', async () => {
    const secret = hubRequests.get('/hub')![0]!.form.get('hub.secret')!;
    const text = feedNamingHub([{ title: 'Café à la française', guid: 'l1', date: '2025-02-03', categories: ['eng10'] }], '/hub', topic()).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const res = await deliver(callbackOf(source.id), Buffer.from(text, 'latin1'), { secret, contentType: 'application/rss+xml' });
    expect(res.status).toBe(202);
    expect(storedTitles(app, source.id)).toContain('Café à la française');
  });

  it('301: rejects a delivery with a forged signature, and stores nothing', async () => {
    const body = feedNamingHub([{ title: 'Forged essay', guid: 'f1', date: '2025-02-04', categories: ['eng10'] }], '/hub', topic());
    const forged = await deliver(callbackOf(source.id), body, { secret: 'not the secret' });
    expect(forged.status).toBe(403);
    const garbled = await deliver(callbackOf(source.id), body, { signature: 'sha256=zz' });
    expect(garbled.status).toBe(403);
    const unknownMethod = await deliver(callbackOf(source.id), body, { signature: 'md5=0123456789abcdef0123456789abcdef' });
    expect(unknownMethod.status).toBe(403);
    expect(storedTitles(app, source.id)).not.toContain('Forged essay');
    expect(await (await fetch(`${server.url}/hubs/${hub.slug}/`)).text()).not.toContain('Forged essay');
  });

  it('302: rejects a delivery with no signature, and stores nothing', async () => {
    const body = feedNamingHub([{ title: 'Unsigned essay', guid: 'u1', date: '2025-02-04', categories: ['eng10'] }], '/hub', topic());
    expect((await deliver(callbackOf(source.id), body, { signature: null })).status).toBe(403);
    expect(storedTitles(app, source.id)).not.toContain('Unsigned essay');
  });

  it('205: refuses a verification for another topic, one it did not ask for, and an unknown callback', async () => {
    const wrongTopic = await verify(callbackOf(source.id), { mode: 'subscribe', topic: `${feeds.base}/someone-else.xml` });
    expect(wrongTopic.status).toBe(404);
    expect(wrongTopic.body).not.toContain(wrongTopic.challenge);
    const notAsked = await verify(callbackOf(source.id), { mode: 'unsubscribe', topic: topic() });
    expect(notAsked.status).toBe(404);
    expect(notAsked.body).not.toContain(notAsked.challenge);
    const unknown = await verify(`${server.url}/websub/callback/00000000-0000-4000-8000-000000000000`, { mode: 'subscribe', topic: topic() });
    expect(unknown.status).toBe(404);
    expect(subscriptionOf(source.id)!.state).toBe('active');
  });

  it('renews in the last tenth of the lease, on the same callback, and the hub’s verification extends it', async () => {
    const before = subscriptionOf(source.id)!;
    const asked = hubRequests.get('/hub')!.length;
    // Not yet: most of the lease is left.
    expect(await renewSourceSubscriptions(app)).toBe(0);
    app.db.update(websubSourceSubscriptions).set({ expiresAt: new Date(Date.now() + 3600_000), requestedAt: new Date(Date.now() - 9 * 86_400_000) }).where(eq(websubSourceSubscriptions.sourceId, source.id)).run();
    expect(await renewSourceSubscriptions(app)).toBe(1);
    const renewal = await waitFor(() => hubRequests.get('/hub')!.slice(asked).find((r) => r.verification), 10_000, 'the renewal’s verification');
    expect(renewal.form.get('hub.callback')).toBe(callbackOf(source.id));
    expect(renewal.verification!.body).toBe(renewal.verification!.challenge);
    const after = subscriptionOf(source.id)!;
    expect(after.id).toBe(before.id);
    expect(after.state).toBe('active');
    expect(after.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 9 * 86_400_000);
  });

  it('renews each subscription once when two nodes renew at the same moment', async () => {
    const other = createAppContext(app.config);
    try {
      const sources: HubSource[] = [];
      for (const name of ['renew-a', 'renew-b']) {
        runHub(`/hub-${name}`);
        feeds.serve(`/${name}/feed.xml`, () => feedNamingHub([{ title: `A post on ${name}`, guid: `${name}-1`, date: '2025-02-01', categories: ['eng10'] }], `/hub-${name}`, `${feeds.base}/${name}/feed.xml`));
        const { source } = await followedFeed(`hub-${name}`, `/${name}/feed.xml`);
        await waitFor(() => subscriptionOf(source.id)?.state === 'active', 10_000, 'the subscription');
        sources.push(source);
      }
      const asked = (name: string) => hubRequests.get(`/hub-${name}`)!.filter((r) => r.form.get('hub.mode') === 'subscribe').length;
      const before = { a: asked('renew-a'), b: asked('renew-b') };
      for (const source of sources) {
        app.db.update(websubSourceSubscriptions).set({ expiresAt: new Date(Date.now() + 3600_000), requestedAt: new Date(Date.now() - 9 * 86_400_000) }).where(eq(websubSourceSubscriptions.sourceId, source.id)).run();
      }
      // Both nodes read the two due subscriptions; while one waits for a hub's answer the other goes on.
      const [here, there] = await Promise.all([renewSourceSubscriptions(app), renewSourceSubscriptions(other)]);
      expect(here + there).toBe(2);
      expect({ a: asked('renew-a') - before.a, b: asked('renew-b') - before.b }).toEqual({ a: 1, b: 1 });
    } finally {
      other.db.$client.close();
    }
  });

  it('takes no delivery at a callback it never gave out', async () => {
    const res = await deliver(`${server.url}/websub/callback/00000000-0000-4000-8000-000000000000`, rss('x', []), { secret: 'x' });
    expect(res.status).toBe(410);
  });
});

describe('falling back to polling', () => {
  it('polls at the normal interval again when the hub is gone at renewal time', async () => {
    runHub('/hub-gone');
    const items: TestItem[] = [{ title: 'Before the hub went', guid: 'g1', date: '2025-02-01', categories: ['eng10'] }];
    feeds.serve('/gone/feed.xml', () => feedNamingHub(items, '/hub-gone', `${feeds.base}/gone/feed.xml`));
    const { source } = await followedFeed('gone-hub', '/gone/feed.xml');
    // Subscribed when the feed was added; the hub verifies a moment later.
    await waitFor(() => subscriptionOf(source.id)?.state === 'active', 10_000, 'the subscription');
    await pollSource(app, source.id, { force: true });
    expect(minutesUntilNextPoll(source.id)).toBeGreaterThan(170);
    // The hub disappears; the lease is in its last tenth, so the worker renews, and the hub cannot be reached.
    feeds.routes.set('/hub-gone', (_req, res) => {
      res.writeHead(503);
      res.end();
    });
    app.db.update(websubSourceSubscriptions).set({ expiresAt: new Date(Date.now() + 60_000), requestedAt: new Date(Date.now() - 86_400_000) }).where(eq(websubSourceSubscriptions.sourceId, source.id)).run();
    expect(await renewSourceSubscriptions(app)).toBe(0);
    expect(subscriptionOf(source.id)).toMatchObject({ state: 'failed' });
    expect(subscriptionOf(source.id)!.lastError).toMatch(/503|hub/);
    // Polling carries on at the hub's normal interval, and finds the news.
    items.unshift({ title: 'Found by polling', guid: 'g2', date: '2025-02-02', categories: ['eng10'] });
    await pollSource(app, source.id, { force: true });
    expect(storedTitles(app, source.id)).toContain('Found by polling');
    expect(minutesUntilNextPoll(source.id)).toBeLessThan(31);
    // And it does not ask the failed hub again on every poll.
    const asked = hubRequests.get('/hub-gone')!.length;
    await pollSource(app, source.id, { force: true });
    expect(hubRequests.get('/hub-gone')!.length).toBe(asked);
  });

  it('polls at the normal interval again when the hub stays silent while the feed changes', async () => {
    runHub('/hub-silent');
    const items: TestItem[] = [{ title: 'First', guid: 's1', date: '2025-02-01', categories: ['eng10'] }];
    feeds.serve('/silent/feed.xml', () => feedNamingHub(items, '/hub-silent', `${feeds.base}/silent/feed.xml`));
    const { source } = await followedFeed('silent-hub', '/silent/feed.xml');
    // Subscribed when the feed was added; the hub verifies a moment later.
    await waitFor(() => subscriptionOf(source.id)?.state === 'active', 10_000, 'the subscription');
    await pollSource(app, source.id, { force: true });
    items.unshift({ title: 'Never pushed', guid: 's2', date: '2025-02-02', categories: ['eng10'] });
    await pollSource(app, source.id, { force: true });
    expect(storedTitles(app, source.id)).toContain('Never pushed');
    expect(subscriptionOf(source.id)!.state).toBe('failed');
    expect(minutesUntilNextPoll(source.id)).toBeLessThan(31);
  });

  it('never counts a subscription the hub did not verify, so polling stays at the normal interval', async () => {
    runHub('/hub-mute', { verify: false });
    feeds.serve('/mute/feed.xml', () => feedNamingHub([{ title: 'Only polled', guid: 'm1', date: '2025-02-01', categories: ['eng10'] }], '/hub-mute', `${feeds.base}/mute/feed.xml`));
    const { source } = await followedFeed('mute-hub', '/mute/feed.xml');
    await pollSource(app, source.id, { force: true });
    expect(subscriptionOf(source.id)!.state).toBe('requested');
    await pollSource(app, source.id, { force: true });
    expect(minutesUntilNextPoll(source.id)).toBeLessThan(31);
  });
});
