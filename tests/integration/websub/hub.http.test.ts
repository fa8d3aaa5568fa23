// Potluck as a WebSub hub for its own feeds, against a real subscriber on loopback: discovery of rel=hub/self in
// headers and bodies of every feed kind, the subscription handshake, signed deliveries after a save, unsubscribing,
// leases, refusals and retries. Ports websub.rocks' hub tests 100–106 (where they apply to a hub of its own feeds).
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { discoverWebSub } from '../../../src/core/feeds/websubDiscovery.ts';
import { websubSubscriptions, type User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import type { TestServer } from '../../helpers/server.ts';
import { freePort, pause, startWebSubServer, waitFor } from './support.ts';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A WebSub subscriber: answers verifications as each path is told to, and records every delivery. */
interface Subscriber {
  base: string;
  verifications: { path: string; query: URLSearchParams; echoed: boolean }[];
  deliveries: Received[];
  /** How a path answers: echo the challenge (default), answer something else, or fail deliveries n times first. */
  behave(path: string, how: { echo?: boolean; failFirst?: number }): void;
  close(): Promise<void>;
}

async function startSubscriber(): Promise<Subscriber> {
  const verifications: Subscriber['verifications'] = [];
  const deliveries: Received[] = [];
  const behaviours = new Map<string, { echo?: boolean; failFirst?: number; failed?: number }>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://subscriber.test');
    const how = behaviours.get(url.pathname) ?? {};
    if (req.method === 'GET') {
      const echo = how.echo !== false;
      verifications.push({ path: url.pathname, query: url.searchParams, echoed: echo });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(echo ? (url.searchParams.get('hub.challenge') ?? '') : 'no thanks');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ path: url.pathname, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      how.failed ??= 0;
      if (how.failFirst && how.failed < how.failFirst) {
        how.failed++;
        res.writeHead(500);
        res.end('try later');
        return;
      }
      res.writeHead(202);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    verifications,
    deliveries,
    behave: (path, how) => void behaviours.set(path, { ...how }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let server: TestServer;
let subscriber: Subscriber;
let maya: User;
let hubSlug: string;
const hubUrl = () => `${server.url}/websub`;

/** A subscriber's request to the hub, from a server (no browser Origin). */
function ask(fields: Record<string, string>) {
  return new Browser(server.url).postForm('/websub', fields, { origin: null });
}

const deliveriesTo = (path: string) => subscriber.deliveries.filter((d) => d.path === path);

async function subscribe(topic: string, path: string, extra: Record<string, string> = {}) {
  const res = await ask({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': `${subscriber.base}${path}`, ...extra });
  expect(res.status).toBe(202);
  await waitFor(() => server.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callback, `${subscriber.base}${path}`)).get(), 10_000, 'the subscription');
}

/** Saves a public piece through the real editor, as the student does. */
async function publish(title: string, tags = '') {
  const res = await signedIn(server.url, server.app, maya).postForm('/workspace/artifacts/new', { title, kind: 'post', visibility: 'public', body: `Text of ${title}. ${tags}` });
  expect(res.status).toBe(303);
}

beforeAll(async () => {
  server = await startWebSubServer();
  subscriber = await startSubscriber();
  maya = await makeUser(server.app, { handle: 'maya' });
  const teacher = await makeUser(server.app, { role: 'teacher' });
  await makeArtifact(server.app, maya, { title: 'First poem', visibility: 'public', body: 'Roses. #poetry' });
  // Each tag feed the tests subscribe to has public work: a tag with none is not a topic.
  await makeArtifact(server.app, maya, { title: 'Tagged for the tests', visibility: 'public', body: 'Tags. #extra #flood #hidden #keep #lease #renew #retry #short #unsub' });
  const hub = createHub(server.app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'poets', title: 'Poets', tags: 'poetry', visibility: 'public' } });
  hubSlug = hub.slug;
  addHubMember(server.app, { actor: null, hubId: hub.id, handle: maya.handle });
}, 120_000);

afterAll(async () => {
  await subscriber?.close();
  await server?.stop();
});

describe('discovery: every feed names the hub and itself', () => {
  const feeds = () => [
    { path: '/@maya/feed.xml', kind: 'rss' },
    { path: '/@maya/feed.json', kind: 'json' },
    { path: '/@maya/tags/poetry/feed.xml', kind: 'rss' },
    { path: '/@maya/tags/poetry/feed.json', kind: 'json' },
    { path: `/hubs/${hubSlug}/feed.xml`, kind: 'rss' },
    { path: `/hubs/${hubSlug}/feed.json`, kind: 'json' },
  ];

  it('sends rel=hub and rel=self as Link headers, and writes them in the document', async () => {
    for (const { path, kind } of feeds()) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      const self = `${server.url}${path}`;
      const link = res.headers.get('link') ?? '';
      expect(link, path).toContain(`<${hubUrl()}>; rel="hub"`);
      expect(link, path).toContain(`<${self}>; rel="self"`);
      const body = await res.text();
      if (kind === 'rss') {
        expect(body, path).toMatch(new RegExp(`<atom:link href="${hubUrl()}" rel="hub"/>`));
        expect(body, path).toContain(`<atom:link href="${self}" rel="self" type="application/rss+xml"/>`);
      } else {
        const doc = JSON.parse(body) as { hubs?: { type: string; url: string }[]; feed_url?: string };
        expect(doc.hubs, path).toEqual([{ type: 'WebSub', url: hubUrl() }]);
        expect(doc.feed_url, path).toBe(self);
      }
      // What a subscriber finds from the document alone (no headers) is the same pair.
      expect(discoverWebSub({ url: self, body, contentType: res.headers.get('content-type') ?? '' }), path).toEqual({ hub: hubUrl(), self });
    }
  });

  it('answers HEAD with the same Link header, and ordinary pages carry no rel=hub', async () => {
    const head = await fetch(`${server.url}/@maya/feed.xml`, { method: 'HEAD' });
    expect(head.headers.get('link')).toContain('rel="hub"');
    const page = await fetch(`${server.url}/@maya/`);
    expect(page.headers.get('link') ?? '').not.toContain('rel="hub"');
  });

  it('has no hub for a members-only hub (its feed is not public)', async () => {
    const teacher = await makeUser(server.app, { role: 'teacher' });
    createHub(server.app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'closed', title: 'Closed', tags: 'poetry' } });
    const res = await ask({ 'hub.mode': 'subscribe', 'hub.topic': `${server.url}/hubs/closed/feed.xml`, 'hub.callback': `${subscriber.base}/closed` });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('not a public feed');
  });
});

describe('subscribing (websub.rocks hub 100, 101, 102)', () => {
  it('100: verifies the callback, then delivers the new feed after a save, with Link headers and the feed’s type', async () => {
    const topic = `${server.url}/@maya/feed.xml`;
    await subscribe(topic, '/s100');
    const check = subscriber.verifications.find((v) => v.path === '/s100')!;
    expect(check.query.get('hub.mode')).toBe('subscribe');
    expect(check.query.get('hub.topic')).toBe(topic);
    expect(Number(check.query.get('hub.lease_seconds'))).toBe(10 * 24 * 3600);
    await publish('A pushed poem');
    const delivery = await waitFor(() => deliveriesTo('/s100').find((d) => d.body.includes('A pushed poem')), 10_000, 'the delivery');
    expect(delivery.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(delivery.headers.link).toContain(`<${hubUrl()}>; rel="hub"`);
    expect(delivery.headers.link).toContain(`<${topic}>; rel="self"`);
    // No secret, no signature.
    expect(delivery.headers['x-hub-signature']).toBeUndefined();
    // The body is exactly what the feed serves now.
    expect(delivery.body).toBe(await (await fetch(topic)).text());
  });

  it('101: signs deliveries with the subscriber’s secret (HMAC-SHA256 of the body)', async () => {
    const topic = `${server.url}/@maya/tags/poetry/feed.xml`;
    await subscribe(topic, '/s101', { 'hub.secret': 'a secret of the subscriber' });
    await publish('A signed poem', '#poetry');
    const delivery = await waitFor(() => deliveriesTo('/s101').find((d) => d.body.includes('A signed poem')), 10_000, 'the signed delivery');
    const expected = createHmac('sha256', 'a secret of the subscriber').update(delivery.body).digest('hex');
    expect(delivery.headers['x-hub-signature']).toBe(`sha256=${expected}`);
  });

  it('102: ignores parameters it does not know', async () => {
    await subscribe(`${server.url}/@maya/tags/extra/feed.xml`, '/s102', { 'hub.unknown': 'x', foo: 'bar' });
  });

  it('106: delivers JSON Feed with its own content type', async () => {
    const topic = `${server.url}/@maya/feed.json`;
    await subscribe(topic, '/s106');
    await publish('A JSON poem');
    const delivery = await waitFor(() => deliveriesTo('/s106').find((d) => d.body.includes('A JSON poem')), 10_000, 'the JSON delivery');
    expect(delivery.headers['content-type']).toBe('application/feed+json; charset=utf-8');
    expect((JSON.parse(delivery.body) as { items: { title: string }[] }).items[0]!.title).toBe('A JSON poem');
  });

  it('delivers a hub feed when a member’s public work joins it', async () => {
    const topic = `${server.url}/hubs/${hubSlug}/feed.xml`;
    await subscribe(topic, '/shub');
    await publish('A poem for the hub', '#poetry');
    await waitFor(() => deliveriesTo('/shub').find((d) => d.body.includes('A poem for the hub')), 10_000, 'the hub feed delivery');
  });

  it('103: a renewal before the lease ends extends it, with one subscription', async () => {
    const topic = `${server.url}/@maya/tags/renew/feed.xml`;
    await subscribe(topic, '/s103', { 'hub.lease_seconds': '7200' });
    const first = server.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callback, `${subscriber.base}/s103`)).get()!;
    expect(first.leaseSeconds).toBe(7200);
    expect((await ask({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': `${subscriber.base}/s103`, 'hub.lease_seconds': '86400' })).status).toBe(202);
    const renewed = await waitFor(() => server.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callback, `${subscriber.base}/s103`)).all().find((s) => s.leaseSeconds === 86400));
    expect(renewed.id).toBe(first.id);
    expect(renewed.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
  });

  it('clamps the lease it grants', async () => {
    await subscribe(`${server.url}/@maya/tags/short/feed.xml`, '/short', { 'hub.lease_seconds': '5' });
    const check = subscriber.verifications.find((v) => v.path === '/short')!;
    expect(Number(check.query.get('hub.lease_seconds'))).toBe(3600);
  });
});

describe('what the hub refuses', () => {
  it('takes no made-up tag as a topic, and one spelling of a handle only', async () => {
    const madeUp = await ask({ 'hub.mode': 'subscribe', 'hub.topic': `${server.url}/@maya/tags/no-such-tag-anywhere/feed.xml`, 'hub.callback': `${subscriber.base}/made-up` });
    expect(madeUp.status).toBe(400);
    expect(await madeUp.text()).toContain('no public work');
    subscriber.behave('/spelling', {});
    expect((await ask({ 'hub.mode': 'subscribe', 'hub.topic': `${server.url}/@MAYA/feed.xml`, 'hub.callback': `${subscriber.base}/spelling` })).status).toBe(202);
    const row = await waitFor(
      () => server.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callback, `${subscriber.base}/spelling`)).get(),
      10_000,
      'the subscription',
    );
    expect(row.topic).toBe(`${server.url.replace(/\/$/, '')}/@maya/feed.xml`);
  });

  it('answers 429 once one callback host holds as many subscriptions as it may', async () => {
    const host = 'http://many.example';
    const now = Date.now();
    server.app.db
      .insert(websubSubscriptions)
      .values(Array.from({ length: 200 }, (_, i) => ({ id: `many-${i}`, topic: `${server.url}/@maya/feed.xml`, callback: `${host}/cb/${i}`, secret: null, leaseSeconds: 3600, expiresAt: new Date(now + 3600_000), createdAt: new Date(now), verifiedAt: new Date(now) })))
      .run();
    try {
      const res = await ask({ 'hub.mode': 'subscribe', 'hub.topic': `${server.url}/@maya/feed.xml`, 'hub.callback': `${host}/cb/new` });
      expect(res.status).toBe(429);
      expect(await res.text()).toContain('many.example');
    } finally {
      server.app.db.delete(websubSubscriptions).where(like(websubSubscriptions.callback, `${host}/%`)).run();
    }
  });

  it('does not subscribe a callback that does not echo the challenge', async () => {
    subscriber.behave('/silent', { echo: false });
    expect((await ask({ 'hub.mode': 'subscribe', 'hub.topic': `${server.url}/@maya/feed.xml`, 'hub.callback': `${subscriber.base}/silent` })).status).toBe(202);
    await waitFor(() => subscriber.verifications.find((v) => v.path === '/silent'), 10_000, 'the verification');
    await pause(1500);
    expect(server.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callback, `${subscriber.base}/silent`)).all()).toEqual([]);
    await publish('Not for the silent one');
    await pause(2500);
    expect(deliveriesTo('/silent')).toEqual([]);
  });

  it('answers 400 with the reason for a topic that is not this site’s feed, and stores nothing', async () => {
    for (const topic of ['https://elsewhere.example/feed.xml', `${server.url}/@maya/`, `${server.url}/@nobody/feed.xml`, 'not a url']) {
      const res = await ask({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': `${subscriber.base}/bad-topic` });
      expect(res.status, topic).toBe(400);
      expect(await res.text(), topic).toMatch(/hub\.topic/);
    }
    await pause(1500);
    expect(subscriber.verifications.filter((v) => v.path === '/bad-topic')).toEqual([]);
  });

  it('answers 400 for a bad mode, a callback that is not http(s), and a secret of 200 bytes', async () => {
    const topic = `${server.url}/@maya/feed.xml`;
    expect((await ask({ 'hub.mode': 'publish', 'hub.topic': topic, 'hub.callback': `${subscriber.base}/x` })).status).toBe(400);
    expect((await ask({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': 'ftp://example.com/cb' })).status).toBe(400);
    const long = await ask({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': `${subscriber.base}/x`, 'hub.secret': 'x'.repeat(200) });
    expect(long.status).toBe(400);
    expect(await long.text()).toContain('hub.secret');
  });

  it('refuses a callback on a link-local address (cloud metadata) through safeFetch, subscribing nothing', async () => {
    expect((await ask({ 'hub.mode': 'subscribe', 'hub.topic': `${server.url}/@maya/feed.xml`, 'hub.callback': 'http://169.254.169.254/latest/' })).status).toBe(202);
    await pause(2500);
    expect(server.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callback, 'http://169.254.169.254/latest/')).all()).toEqual([]);
  });

  it('answers 429 once too many verifications wait for one callback host (no request flood through the hub)', async () => {
    const closed = await freePort();
    const answers: number[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await ask({ 'hub.mode': 'subscribe', 'hub.topic': `${server.url}/@maya/feed.xml`, 'hub.callback': `http://127.0.0.1:${closed}/cb${i}` });
      answers.push(res.status);
    }
    expect(answers.slice(0, 20).every((s) => s === 202)).toBe(true);
    expect(answers.slice(20)).toEqual([429, 429, 429, 429, 429]);
    // Another subscriber's host is not held up by it.
    expect((await ask({ 'hub.mode': 'subscribe', 'hub.topic': `${server.url}/@maya/tags/flood/feed.xml`, 'hub.callback': `${subscriber.base}/not-flooded` })).status).toBe(202);
  });

  it('delivers nothing for a save of private work', async () => {
    await subscribe(`${server.url}/@maya/tags/hidden/feed.xml`, '/private-watch');
    const before = deliveriesTo('/private-watch').length;
    const res = await signedIn(server.url, server.app, maya).postForm('/workspace/artifacts/new', { title: 'Secret diary', kind: 'post', visibility: 'private', body: 'Mine. #hidden' });
    expect(res.status).toBe(303);
    await pause(2500);
    expect(deliveriesTo('/private-watch').length).toBe(before);
    expect(subscriber.deliveries.some((d) => d.body.includes('Secret diary'))).toBe(false);
  });
});

describe('leases, unsubscribing and retries', () => {
  it('104: unsubscribes after verifying, and delivers nothing after', async () => {
    const topic = `${server.url}/@maya/tags/unsub/feed.xml`;
    await subscribe(topic, '/s104');
    expect((await ask({ 'hub.mode': 'unsubscribe', 'hub.topic': topic, 'hub.callback': `${subscriber.base}/s104` })).status).toBe(202);
    await waitFor(() => subscriber.verifications.find((v) => v.path === '/s104' && v.query.get('hub.mode') === 'unsubscribe'), 10_000, 'the unsubscribe verification');
    await waitFor(() => server.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callback, `${subscriber.base}/s104`)).all().length === 0, 10_000, 'the subscription to end');
    await publish('After unsubscribing', '#unsub');
    await pause(2500);
    expect(deliveriesTo('/s104')).toEqual([]);
  });

  it('an unsubscribe the callback does not confirm leaves the subscription running', async () => {
    const topic = `${server.url}/@maya/tags/keep/feed.xml`;
    await subscribe(topic, '/keep');
    subscriber.behave('/keep', { echo: false });
    expect((await ask({ 'hub.mode': 'unsubscribe', 'hub.topic': topic, 'hub.callback': `${subscriber.base}/keep` })).status).toBe(202);
    await waitFor(() => subscriber.verifications.find((v) => v.path === '/keep' && v.query.get('hub.mode') === 'unsubscribe'));
    await pause(1000);
    expect(server.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callback, `${subscriber.base}/keep`)).all()).toHaveLength(1);
  });

  it('sends nothing once a lease has ended', async () => {
    const topic = `${server.url}/@maya/tags/lease/feed.xml`;
    await subscribe(topic, '/expired');
    server.app.db.update(websubSubscriptions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(websubSubscriptions.callback, `${subscriber.base}/expired`)).run();
    await publish('After the lease', '#lease');
    await pause(3000);
    expect(deliveriesTo('/expired')).toEqual([]);
    expect(server.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.callback, `${subscriber.base}/expired`)).all()).toEqual([]);
  });

  it('retries a failing subscriber with back-off until it takes the delivery', async () => {
    const topic = `${server.url}/@maya/tags/retry/feed.xml`;
    await subscribe(topic, '/flaky');
    subscriber.behave('/flaky', { failFirst: 2 });
    const start = Date.now();
    await publish('Worth retrying', '#retry');
    await waitFor(() => deliveriesTo('/flaky').length >= 3, 20_000, 'three attempts');
    const times = deliveriesTo('/flaky');
    expect(times.every((d) => d.body.includes('Worth retrying'))).toBe(true);
    // Back-off: one second, then two (the test server's base), so the third attempt comes at least 3 s after the first.
    expect(Date.now() - start).toBeGreaterThanOrEqual(2900);
    await pause(2500);
    expect(deliveriesTo('/flaky')).toHaveLength(3);
  });
});
