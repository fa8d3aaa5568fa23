// A course hub as a WebSub subscriber when publishers and hubs move, and when a teacher removes a pushed feed, against
// a real publisher and hub on loopback. Ports websub.rocks' subscriber tests 101 (discovery in an HTML page) and
// 201–204 (a topic that redirects temporarily or permanently, a hub that redirects temporarily or permanently), then
// checks unsubscribing on removal and the sources page's words for pushed and polled feeds.
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptHubInvitation } from '../../../src/commands/hubInvitationAccepter.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { addHubSource } from '../../../src/commands/hubSourceAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { removeHubSource } from '../../../src/commands/hubSourceRemover.ts';
import { discoverWebSub } from '../../../src/core/feeds/websubDiscovery.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { hubSources, jobs, websubSourceSubscriptions, type Hub, type HubSource, type User } from '../../../src/server/db/schema.ts';
import { pollSource } from '../../../src/server/hubs/poller.ts';
import { renewSourceSubscriptions } from '../../../src/server/websub/subscriber.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import type { TestServer } from '../../helpers/server.ts';
import { rss, startFeedServer, type FeedServer } from '../hubs/feedServer.ts';
import { storedTitles } from '../hubs/helpers.ts';
import { pause, startWebSubServer, waitFor } from './support.ts';

interface HubRequest {
  form: URLSearchParams;
  verification?: { status: number; body: string; challenge: string };
}

let server: TestServer;
let feeds: FeedServer;
let app: AppContext;
let teacher: User;
const hubRequests = new Map<string, HubRequest[]>();

/** A WebSub hub at `path`: 202, then (unless told not to for that mode) the verification GET to the callback. */
function runHub(path: string, how: { verifyUnsubscribe?: boolean } = {}) {
  hubRequests.set(path, []);
  feeds.routes.set(path, (req: http.IncomingMessage, res: http.ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(text);
      const entry: HubRequest = { form };
      hubRequests.get(path)!.push(entry);
      res.writeHead(202);
      res.end();
      if (form.get('hub.mode') === 'unsubscribe' && how.verifyUnsubscribe === false) return;
      void verify(form.get('hub.callback')!, { mode: form.get('hub.mode')!, topic: form.get('hub.topic')! }).then((v) => (entry.verification = v));
    });
  });
}

/** A hub address that moved: it answers every request with `status` and a Location. */
function movedHub(path: string, status: number, location: string) {
  feeds.routes.set(path, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { location });
      res.end();
    });
  });
}

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

function deliver(callback: string, body: string, secret: string) {
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return fetch(callback, { method: 'POST', headers: { 'content-type': 'application/rss+xml; charset=utf-8', 'x-hub-signature': signature }, body });
}

/** A feed that names its hub and topic in HTTP Link headers (as websub.rocks' subscriber tests do). */
function serveWithLinks(path: string, props: { hub: string; self: string; title?: string }) {
  feeds.routes.set(path, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', link: `<${props.self}>; rel="self", <${props.hub}>; rel="hub"` });
    res.end(rss(props.title ?? 'A blog', [{ title: `${path} essay`, guid: `${path}-1`, date: '2025-02-01', categories: ['eng10'] }]));
  });
}

let hubCount = 0;
async function followedFeed(feedUrl: string): Promise<{ hub: Hub; source: HubSource }> {
  const actor = { id: teacher.id, role: 'teacher' as const };
  const hub = createHub(app, { actor, input: { slug: `moving-${++hubCount}`, title: 'English 10', tags: 'eng10', visibility: 'public' } });
  const { source } = await addHubSource(app, { actor, hubId: hub.id, url: feedUrl });
  return { hub, source };
}

const subscriptionOf = (sourceId: string) => app.db.select().from(websubSourceSubscriptions).where(eq(websubSourceSubscriptions.sourceId, sourceId)).get();
const sourceRow = (id: string) => app.db.select().from(hubSources).where(eq(hubSources.id, id)).get();

beforeAll(async () => {
  server = await startWebSubServer();
  feeds = await startFeedServer();
  const port = new URL(server.url).port;
  app = createAppContext(loadConfig({ POTLUCK_DATA: server.dataDir, PORT: port, HOST: '127.0.0.1', POTLUCK_SITE_URL: server.url, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' }));
  teacher = await makeUser(app, { role: 'teacher' });
}, 120_000);

afterAll(async () => {
  app?.db.$client.close();
  await feeds?.close();
  await server?.stop();
});

describe('101: discovery in an HTML page', () => {
  it('finds the hub and self in the page’s <link> elements, resolved against the page', () => {
    const page = `<!doctype html><html><head><title>Blog</title><link rel="hub" href="/hub"><link rel='self' href="https://blog.example/page"></head><body><p>Hi</p></body></html>`;
    expect(discoverWebSub({ url: 'https://blog.example/', body: page, contentType: 'text/html' })).toEqual({ hub: 'https://blog.example/hub', self: 'https://blog.example/page' });
  });
  it('takes the page’s own address as the topic when it names no self, and ignores links in the body', () => {
    const page = `<html><head><link rel="hub" href="https://hub.example/"></head><body><link rel="self" href="https://elsewhere.example/"></body></html>`;
    expect(discoverWebSub({ url: 'https://blog.example/post', body: page })).toEqual({ hub: 'https://hub.example/', self: 'https://blog.example/post' });
    expect(discoverWebSub({ url: 'https://blog.example/post', body: '<html><head></head><body><link rel="hub" href="https://hub.example/"></body></html>' })).toBeNull();
  });
  it('a feed added by its blog page’s address follows the feed’s hub, not the page’s (deliveries must be the feed)', async () => {
    runHub('/page-hub');
    runHub('/feed-hub');
    feeds.serve('/blog101/', `<!doctype html><html><head><title>Blog</title><link rel="alternate" type="application/rss+xml" href="/blog101/feed.xml"><link rel="hub" href="${feeds.base}/page-hub"></head><body></body></html>`, { type: 'text/html; charset=utf-8' });
    serveWithLinks('/blog101/feed.xml', { hub: `${feeds.base}/feed-hub`, self: `${feeds.base}/blog101/feed.xml` });
    const { source } = await followedFeed(`${feeds.base}/blog101/`);
    await pollSource(app, source.id, { force: true });
    await waitFor(() => subscriptionOf(source.id)?.state === 'active', 10_000, 'the feed’s subscription');
    expect(subscriptionOf(source.id)).toMatchObject({ hubUrl: `${feeds.base}/feed-hub`, topic: `${feeds.base}/blog101/feed.xml` });
    expect(hubRequests.get('/feed-hub')![0]!.form.get('hub.topic')).toBe(`${feeds.base}/blog101/feed.xml`);
    expect(hubRequests.get('/page-hub')).toHaveLength(0);
  });
});

describe('201, 202: a topic that redirects', () => {
  for (const [test, status] of [
    [201, 302],
    [202, 301],
  ] as const) {
    it(`${test}: subscribes to the topic the redirected feed names, after a ${status}`, async () => {
      const path = `/t${test}/feed.xml`;
      const complete = `${feeds.base}${path}?redirect=complete`;
      runHub(`/hub${test}`);
      feeds.routes.set(path, (req, res) => {
        if (!(req.url ?? '').includes('redirect=complete')) {
          res.writeHead(status, { location: complete });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', link: `<${complete}>; rel="self", <${feeds.base}/hub${test}>; rel="hub"` });
        res.end(rss('Moved blog', [{ title: `Essay ${test}`, guid: `e${test}`, date: '2025-02-01', categories: ['eng10'] }]));
      });
      const { source } = await followedFeed(`${feeds.base}${path}`);
      await pollSource(app, source.id, { force: true });
      const request = await waitFor(() => hubRequests.get(`/hub${test}`)!.find((r) => r.verification), 10_000, 'the verification');
      expect(request.form.get('hub.mode')).toBe('subscribe');
      expect(request.form.get('hub.topic')).toBe(complete);
      expect(request.verification).toMatchObject({ status: 200, body: request.verification!.challenge });
      expect(subscriptionOf(source.id)).toMatchObject({ state: 'active', topic: complete });
      // A permanent redirect moves the feed itself; a temporary one keeps the address the teacher gave.
      expect(sourceRow(source.id)!.url).toBe(status === 301 ? complete : `${feeds.base}${path}`);
      // Deliveries for the new topic are taken.
      const res = await deliver(`${server.url}/websub/callback/${subscriptionOf(source.id)!.id}`, rss('Moved blog', [{ title: `Pushed ${test}`, guid: `p${test}`, date: '2025-02-02', categories: ['eng10'] }]), request.form.get('hub.secret')!);
      expect(res.status).toBe(202);
      expect(storedTitles(app, source.id)).toContain(`Pushed ${test}`);
    });
  }
});

describe('203, 204: a hub that redirects', () => {
  for (const [test, status] of [
    [203, 307],
    [204, 308],
  ] as const) {
    it(`${test}: sends the same request to where a ${status} points, once, and a renewal follows it again`, async () => {
      const oldHub = `${feeds.base}/old-hub${test}`;
      movedHub(`/old-hub${test}`, status, `/new-hub${test}`);
      runHub(`/new-hub${test}`);
      serveWithLinks(`/h${test}/feed.xml`, { hub: oldHub, self: `${feeds.base}/h${test}/feed.xml` });
      const { source } = await followedFeed(`${feeds.base}/h${test}/feed.xml`);
      await pollSource(app, source.id, { force: true });
      const request = await waitFor(() => hubRequests.get(`/new-hub${test}`)!.find((r) => r.verification), 10_000, 'the verification');
      expect(feeds.hits(`/old-hub${test}`)).toHaveLength(1);
      expect(request.form.get('hub.mode')).toBe('subscribe');
      expect(request.form.get('hub.topic')).toBe(`${feeds.base}/h${test}/feed.xml`);
      expect(request.form.get('hub.secret')!.length).toBeGreaterThanOrEqual(32);
      expect(request.verification).toMatchObject({ status: 200, body: request.verification!.challenge });
      // The subscription names the hub the feed advertises, so the next poll sees nothing new to ask for.
      expect(subscriptionOf(source.id)).toMatchObject({ state: 'active', hubUrl: oldHub });
      await pollSource(app, source.id, { force: true });
      expect(feeds.hits(`/old-hub${test}`)).toHaveLength(1);
      // At renewal time (the last tenth of the lease), the request goes through the redirect again.
      const s = subscriptionOf(source.id)!;
      app.db
        .update(websubSourceSubscriptions)
        .set({ expiresAt: new Date(Date.now() + 60_000), requestedAt: new Date(Date.now() - 2 * 60 * 60_000) })
        .where(eq(websubSourceSubscriptions.id, s.id))
        .run();
      expect(await renewSourceSubscriptions(app)).toBe(1);
      expect(feeds.hits(`/old-hub${test}`)).toHaveLength(2);
      const renewal = await waitFor(() => hubRequests.get(`/new-hub${test}`)![1]?.verification, 10_000, 'the renewal’s verification');
      expect(renewal).toMatchObject({ status: 200, body: renewal.challenge });
      expect(hubRequests.get(`/new-hub${test}`)![1]!.form.get('hub.callback')).toBe(`${server.url}/websub/callback/${s.id}`);
      expect(subscriptionOf(source.id)!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 24 * 60 * 60_000);
    });
  }

  it('follows no redirect that would turn the request into a GET (302), nor a second hop, and says why', async () => {
    hubRequests.set('/target-hub', []);
    runHub('/target-hub');
    movedHub('/found-hub', 302, '/target-hub');
    movedHub('/twice-hub', 307, '/twice-hub-2');
    movedHub('/twice-hub-2', 307, '/target-hub');
    serveWithLinks('/found/feed.xml', { hub: `${feeds.base}/found-hub`, self: `${feeds.base}/found/feed.xml` });
    serveWithLinks('/twice/feed.xml', { hub: `${feeds.base}/twice-hub`, self: `${feeds.base}/twice/feed.xml` });
    for (const path of ['/found/feed.xml', '/twice/feed.xml']) {
      const { source } = await followedFeed(`${feeds.base}${path}`);
      await pollSource(app, source.id, { force: true });
      await waitFor(() => subscriptionOf(source.id)?.state === 'failed', 10_000, 'the failure');
      expect(subscriptionOf(source.id)!.lastError).toMatch(/redirect \((302|307)\)/);
    }
    expect(feeds.hits('/twice-hub-2')).toHaveLength(1);
    expect(hubRequests.get('/target-hub')).toHaveLength(0);
  });
});

describe('removing a pushed feed unsubscribes', () => {
  let hub: Hub;
  let source: HubSource;
  let polled: HubSource;
  const topic = () => `${feeds.base}/leaving/feed.xml`;

  beforeAll(async () => {
    runHub('/leaving-hub', { verifyUnsubscribe: false });
    serveWithLinks('/leaving/feed.xml', { hub: `${feeds.base}/leaving-hub`, self: topic(), title: 'Leaving blog' });
    feeds.serve('/plain/feed.xml', rss('Plain blog', [{ title: 'Plain essay', guid: 'pl1', date: '2025-02-01', categories: ['eng10'] }]));
    ({ hub, source } = await followedFeed(topic()));
    ({ source: polled } = await addHubSource(app, { actor: { id: teacher.id, role: 'teacher' }, hubId: hub.id, url: `${feeds.base}/plain/feed.xml` }));
    await pollSource(app, source.id, { force: true });
    await waitFor(() => subscriptionOf(source.id)?.state === 'active', 10_000, 'the subscription');
  });

  it('the sources page says, in words, which feed is pushed (with its lease) and which is polled', async () => {
    const page = await (await signedIn(server.url, app, teacher).request(`/hubs/${hub.slug}/sources`)).text();
    const rows = page.split('<tr>');
    const pushedRow = rows.find((r) => r.includes('/leaving/feed.xml'))!;
    const polledRow = rows.find((r) => r.includes('/plain/feed.xml'))!;
    expect(pushedRow).toMatch(/Updates are pushed by its WebSub hub \(lease until [^)]+ UTC\)/);
    expect(polledRow).not.toContain('pushed by its WebSub hub');
    expect(polledRow).toContain(`Polled every ${hub.pollIntervalMinutes} minutes.`);
    expect(polled.id).not.toBe(source.id);
  });

  it('asks the hub to unsubscribe, echoes only that verification, and refuses deliveries at once', async () => {
    const subscription = subscriptionOf(source.id)!;
    const callback = `${server.url}/websub/callback/${subscription.id}`;
    const secret = hubRequests.get('/leaving-hub')![0]!.form.get('hub.secret')!;
    const delivery = () => rss('Leaving blog', [{ title: 'After removal', guid: 'late', date: '2025-03-01', categories: ['eng10'] }]);

    removeHubSource(app, { actor: { id: teacher.id, role: 'teacher' }, hubId: hub.id, sourceId: source.id });
    // Refused before the hub has even been told.
    expect((await deliver(callback, delivery(), secret)).status).toBe(410);

    const request = await waitFor(() => hubRequests.get('/leaving-hub')!.find((r) => r.form.get('hub.mode') === 'unsubscribe'), 10_000, 'the unsubscribe request');
    expect(request.form.get('hub.topic')).toBe(topic());
    expect(request.form.get('hub.callback')).toBe(callback);
    expect(request.form.has('hub.secret')).toBe(false);

    // Only the unsubscription Potluck asked for, on its topic, is confirmed.
    expect((await verify(callback, { mode: 'unsubscribe', topic: `${feeds.base}/other.xml` })).status).toBe(404);
    expect((await verify(callback, { mode: 'subscribe', topic: topic() })).status).toBe(404);
    const confirmed = await verify(callback, { mode: 'unsubscribe', topic: topic() });
    expect(confirmed).toMatchObject({ status: 200, body: confirmed.challenge });
    expect(app.db.select().from(jobs).where(eq(jobs.id, subscription.id)).get()).toMatchObject({ kind: 'websub.unsubscribe', status: 'succeeded' });
    // Once, not again.
    expect((await verify(callback, { mode: 'unsubscribe', topic: topic() })).status).toBe(404);

    expect((await deliver(callback, delivery(), secret)).status).toBe(410);
    // The worker does not ask the hub again.
    await pause(2_500);
    expect(hubRequests.get('/leaving-hub')!.filter((r) => r.form.get('hub.mode') === 'unsubscribe')).toHaveLength(1);
  });

  it('removing a feed no hub pushes asks no hub anything', async () => {
    const before = feeds.requests.length;
    removeHubSource(app, { actor: { id: teacher.id, role: 'teacher' }, hubId: hub.id, sourceId: polled.id });
    await pause(1_500);
    expect(feeds.requests.slice(before).filter((r) => r.path.includes('hub'))).toHaveLength(0);
    expect(app.db.select().from(jobs).where(eq(jobs.kind, 'websub.unsubscribe')).all()).toHaveLength(1);
  });
});

describe('an unsubscribe request the hub refuses', () => {
  it('is sent again by the worker later, and a hub that redirects it with 307 is followed', async () => {
    runHub('/refusing-hub-new', { verifyUnsubscribe: false });
    let refuse = true;
    feeds.routes.set('/refusing-hub', (req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(text);
        if (form.get('hub.mode') === 'subscribe') {
          res.writeHead(202);
          res.end();
          void verify(form.get('hub.callback')!, { mode: 'subscribe', topic: form.get('hub.topic')! });
          return;
        }
        res.writeHead(refuse ? 500 : 307, refuse ? {} : { location: '/refusing-hub-new' });
        res.end();
      });
    });
    serveWithLinks('/refused/feed.xml', { hub: `${feeds.base}/refusing-hub`, self: `${feeds.base}/refused/feed.xml` });
    const { hub, source } = await followedFeed(`${feeds.base}/refused/feed.xml`);
    await pollSource(app, source.id, { force: true });
    await waitFor(() => subscriptionOf(source.id)?.state === 'active', 10_000, 'the subscription');
    const id = subscriptionOf(source.id)!.id;
    removeHubSource(app, { actor: { id: teacher.id, role: 'teacher' }, hubId: hub.id, sourceId: source.id });
    const job = () => app.db.select().from(jobs).where(eq(jobs.id, id)).get();
    await waitFor(() => job()?.progress?.step === 'retrying', 10_000, 'the refusal');
    expect(job()!.status).toBe('queued');
    expect(job()!.error).toMatch(/500/);
    // Ten minutes later (the job's clock moved back), the worker sends it again.
    refuse = false;
    app.db.update(jobs).set({ updatedAt: new Date(Date.now() - 11 * 60_000) }).where(eq(jobs.id, id)).run();
    const request = await waitFor(() => hubRequests.get('/refusing-hub-new')!.find((r) => r.form.get('hub.mode') === 'unsubscribe'), 10_000, 'the resent request');
    expect(request.form.get('hub.callback')).toBe(`${server.url}/websub/callback/${id}`);
    await waitFor(() => job()?.progress?.step === 'awaiting-verification', 10_000, 'the sent state');
    expect(job()!.status).toBe('running');
  });
});

describe('removing a pushed feed from the sources page', () => {
  it('a member who may not remove it changes nothing; the teacher’s removal unsubscribes from the server', async () => {
    runHub('/page-removal-hub');
    serveWithLinks('/page-removal/feed.xml', { hub: `${feeds.base}/page-removal-hub`, self: `${feeds.base}/page-removal/feed.xml` });
    const { hub, source } = await followedFeed(`${feeds.base}/page-removal/feed.xml`);
    await pollSource(app, source.id, { force: true });
    await waitFor(() => subscriptionOf(source.id)?.state === 'active', 10_000, 'the subscription');
    const id = subscriptionOf(source.id)!.id;

    // A student of the hub (not the blog's owner) and an outsider: refused, the feed stays, the hub hears nothing.
    const student = await makeUser(app, { handle: 'kai' });
    addHubMember(app, { actor: { id: teacher.id, role: 'teacher' }, hubId: hub.id, handle: 'kai' });
    acceptHubInvitation(app, { actor: { id: student.id, role: 'student' }, hubId: hub.id });
    const outsider = await makeUser(app, { handle: 'stranger' });
    for (const who of [student, outsider]) {
      const res = await signedIn(server.url, app, who).postForm(`/hubs/${hub.slug}/sources`, { intent: 'remove', sourceId: source.id });
      expect([403, 404], who.handle).toContain(res.status);
    }
    await pause(1_200);
    expect(sourceRow(source.id)).toBeDefined();
    expect(subscriptionOf(source.id)!.state).toBe('active');
    expect(hubRequests.get('/page-removal-hub')!.filter((r) => r.form.get('hub.mode') === 'unsubscribe')).toHaveLength(0);

    const res = await signedIn(server.url, app, teacher).postForm(`/hubs/${hub.slug}/sources`, { intent: 'remove', sourceId: source.id });
    expect(res.status).toBe(303);
    const request = await waitFor(() => hubRequests.get('/page-removal-hub')!.find((r) => r.form.get('hub.mode') === 'unsubscribe' && r.verification), 10_000, 'the unsubscription');
    expect(request.form.get('hub.callback')).toBe(`${server.url}/websub/callback/${id}`);
    expect(request.verification).toMatchObject({ status: 200, body: request.verification!.challenge });
    expect(app.db.select().from(jobs).where(eq(jobs.id, id)).get()!.status).toBe('succeeded');
  });
});
