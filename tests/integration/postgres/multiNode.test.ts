/**
 * Several `potluck serve` processes on one PostgreSQL and one data folder, as a district runs them behind a load
 * balancer: what one node saves the others read at once (their page caches too), and two nodes saving the same
 * piece from the same revision end in one save and one conflict view, never a lost edit. Their pollers share the
 * feeds: each is fetched once an interval whichever node takes it, and a node killed in the middle of a fetch
 * leaves a lease that ends, after which another node polls the feed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../../scripts/lib/serverProcess.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { normaliseUrlKey } from '../../../src/core/feeds/parse.ts';
import { artifacts, drafts, hubItems, hubSources, jobs, revisions } from '../../../src/server/db/schema.ts';
import { THUMBNAILS_JOB } from '../../../src/server/hubs/thumbnails.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { postgresMissing, postgresSkipNote, startPostgres, type TestPostgres } from '../../support/postgres.ts';

describe.skipIf(postgresMissing)(`three nodes on one PostgreSQL ${postgresSkipNote}`, () => {
  let postgres: TestPostgres;
  let nodes: ServerProcess[] = [];
  let app: AppContext;
  let dataDir: string;
  // A small balancer in front of the nodes: each request goes to the next node in turn.
  let balancer: http.Server;
  let balancerUrl: string;
  const served: number[] = [];

  beforeAll(async () => {
    postgres = await startPostgres('district');
    let turn = 0;
    balancer = http.createServer((req, res) => {
      const index = turn++ % nodes.length;
      served.push(index);
      const target = new URL(nodes[index]!.url);
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => balancer.listen(0, '127.0.0.1', resolve));
    balancerUrl = `http://127.0.0.1:${(balancer.address() as AddressInfo).port}`;
    dataDir = tempDataDir();
    const env = {
      POTLUCK_DATA: dataDir,
      DATABASE_URL: postgres.url,
      POTLUCK_SECRET: 'a district secret shared by every node, 32+ characters',
      POTLUCK_DEMO: 'off',
      // The public address is the balancer's; each node also answers on its own port (the tests below use both).
      POTLUCK_SITE_URL: balancerUrl,
      POTLUCK_HOST_ALIASES: 'loopback',
    };
    app = createAppContext(loadConfig(env), { migrate: true });
    // Started together: each migrates under the migration lock, so the schema is made once.
    nodes = await Promise.all([1, 2, 3].map(() => startServerProcess(env)));
  }, 120_000);

  afterAll(async () => {
    app?.db.$client.close();
    await Promise.all(nodes.map((n) => n.stop()));
    await new Promise((resolve) => balancer?.close(resolve));
    await postgres?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const fields = (over: Record<string, string> = {}) => ({
    title: 'Tide tables',
    summary: '',
    kind: 'post',
    visibility: 'public',
    format: 'markdown',
    tags: '',
    date: '2026-09-14',
    body: 'The sea came in at six.',
    ...over,
  });

  it('signs a student in, saves and shows their work through a balancer that sends each request to the next node', async () => {
    const ana = await makeUser(app, { handle: 'ana' });
    const browser = new Browser(balancerUrl);
    const first = served.length;
    expect((await browser.postForm('/signin', { login: 'ana', password: 'password-ana' })).status).toBe(303);
    expect((await browser.get('/workspace')).status).toBe(200);
    const made = await browser.postForm('/workspace/artifacts/new', { ...fields({ title: 'Harbour walk', body: 'Gulls over the harbour.' }), intent: 'save' });
    expect(made.status).toBe(303);
    const editor = made.headers.get('location')!;
    expect(await (await browser.get(editor)).text()).toContain('Gulls over the harbour.');
    const page = await new Browser(balancerUrl).get('/@ana/harbour-walk/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Gulls over the harbour.');
    // Five requests, every node answered some.
    expect(new Set(served.slice(first))).toEqual(new Set([0, 1, 2]));
    expect(app.db.select().from(artifacts).where(eq(artifacts.ownerId, ana.id)).all()).toHaveLength(1);
  });

  it('reads on every node what one node saved, its cached public page included', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const piece = await makeArtifact(app, maya, { title: 'Tide tables', body: 'The sea came in at six.', visibility: 'public' });
    const [a, b, c] = nodes.map((n) => n.url);
    // Every node has the page in its cache.
    for (const url of [a!, b!, c!]) {
      const page = await new Browser(url).get(`/@maya/${piece.slug}/`);
      expect(page.status, url).toBe(200);
      expect(await page.text()).toContain('The sea came in at six.');
    }
    const edit = await signedIn(a!, app, maya).postForm(`/workspace/artifacts/${piece.id}`, { ...fields({ body: 'The sea came in at seven.' }), baseRevision: '1', intent: 'save' });
    expect(edit.status).toBe(303);
    for (const url of [b!, c!]) {
      const text = await (await new Browser(url).get(`/@maya/${piece.slug}/`)).text();
      expect(text, url).toContain('The sea came in at seven.');
      expect(text, url).not.toContain('The sea came in at six.');
      expect(await (await new Browser(url).get('/@maya/feed.json')).text(), url).toContain('The sea came in at seven.');
    }
    // Signed in on another node with the same session: the editor shows the saved text.
    expect(await (await signedIn(c!, app, maya).get(`/workspace/artifacts/${piece.id}`)).text()).toContain('The sea came in at seven.');
  });

  it('turns two saves of the same revision on two nodes into one save and one conflict view, losing neither', async () => {
    const lee = await makeUser(app, { handle: 'lee' });
    const piece = await makeArtifact(app, lee, { title: 'Small weather', body: 'Rain at noon.', visibility: 'members' });
    const [a, b] = nodes.map((n) => n.url);
    const common = { baseRevision: '1', draftKey: piece.id, intent: 'save', visibility: 'members' };
    const [first, second] = await Promise.all([
      signedIn(a!, app, lee).postForm(`/workspace/artifacts/${piece.id}`, { ...fields({ title: 'Small weather', body: 'Rain at noon, from the phone.' }), ...common }),
      signedIn(b!, app, lee).postForm(`/workspace/artifacts/${piece.id}`, { ...fields({ title: 'Small weather', body: 'Rain at noon, from the laptop.' }), ...common }),
    ]);
    expect([first.status, second.status].sort()).toEqual([303, 409]);
    const conflicted = first.status === 409 ? first : second;
    expect(await conflicted.text()).toContain('Saved somewhere else while you were writing');
    const stored = app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!;
    expect(stored.revision).toBe(2);
    expect(app.db.select().from(revisions).where(eq(revisions.artifactId, piece.id)).all()).toHaveLength(2);
    // The text that lost the race is kept as a draft of the piece.
    const kept = app.db.select().from(drafts).where(eq(drafts.key, piece.id)).get();
    const losing = stored.body.includes('phone') ? 'from the laptop' : 'from the phone';
    expect(JSON.stringify(kept?.fields)).toContain(losing);
  });
});

/** An RSS feed of `items` entries, for `name`. */
function rss(name: string, items: number): string {
  const entries = Array.from({ length: items }, (_, i) => `<item><title>${name} ${i}</title><link>https://example.test/${name}/${i}</link><guid>https://example.test/${name}/${i}</guid><description>Entry ${i} #eng10</description></item>`);
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>${name}</title><link>https://example.test/${name}/</link>${entries.join('')}</channel></rss>`;
}

async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(postgresMissing)(`the pollers of several nodes on one PostgreSQL ${postgresSkipNote}`, () => {
  let postgres: TestPostgres;
  let feeds: http.Server;
  let feedBase: string;
  const requests = new Map<string, number>();
  let hold: (() => void) | null = null;
  let held = false;
  let app: AppContext;
  let dataDir: string;
  let env: Record<string, string>;
  const started: ServerProcess[] = [];

  let picture: Buffer;
  let pictureHeld = false;

  beforeAll(async () => {
    picture = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#4a7' } }).png().toBuffer();
    postgres = await startPostgres('pollers');
    feeds = http.createServer((req, res) => {
      const name = (req.url ?? '/').slice(1);
      requests.set(name, (requests.get(name) ?? 0) + 1);
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.end(rss(name.replace(/\.xml$/, ''), 5));
      };
      if (name === 'picture.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(picture);
        return;
      }
      // The slow picture keeps its first request waiting (a node is killed while it makes the picture).
      if (name === 'slow-picture.png' && !pictureHeld) {
        pictureHeld = true;
        return;
      }
      if (name === 'slow-picture.png') {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(picture);
        return;
      }
      if (name === 'slowpic.xml') {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.end(
          `<?xml version="1.0"?><rss version="2.0"><channel><title>Slow pictures</title><link>https://example.test/slowpic/</link><item><title>A slow painting</title><link>https://example.test/slowpic/1</link><guid>https://example.test/slowpic/1</guid><description>A slow painting #eng10</description><enclosure url="${feedBase}/slow-picture.png" type="image/png" length="1000"/></item></channel></rss>`,
        );
        return;
      }
      if (name === 'pictures.xml') {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.end(
          `<?xml version="1.0"?><rss version="2.0"><channel><title>Pictures</title><link>https://example.test/pictures/</link><item><title>A painting</title><link>https://example.test/pictures/1</link><guid>https://example.test/pictures/1</guid><description>A painting #eng10</description><enclosure url="${feedBase}/picture.png" type="image/png" length="1000"/></item></channel></rss>`,
        );
        return;
      }
      // The slow feed keeps its first request waiting (a node is killed while it waits).
      if (name === 'slow.xml' && !held) {
        held = true;
        hold = answer;
        return;
      }
      answer();
    });
    await new Promise<void>((resolve) => feeds.listen(0, '127.0.0.1', resolve));
    feedBase = `http://127.0.0.1:${(feeds.address() as AddressInfo).port}`;
    dataDir = tempDataDir();
    env = {
      POTLUCK_DATA: dataDir,
      DATABASE_URL: postgres.url,
      POTLUCK_SECRET: 'a district secret shared by every node, 32+ characters',
      POTLUCK_DEMO: 'off',
      POTLUCK_ALLOW_PRIVATE_NETWORKS: '1',
      POTLUCK_POLLER: 'on',
      POTLUCK_POLLER_TICK_SECONDS: '1',
    };
    app = createAppContext(loadConfig(env), { migrate: true });
  }, 60_000);

  afterAll(async () => {
    app?.db.$client.close();
    await Promise.all(started.map((n) => n.stop()));
    await new Promise((resolve) => feeds?.close(resolve));
    await postgres?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  function addSource(hubId: string, name: string, dueAt: Date): void {
    const url = `${feedBase}/${name}`;
    app.db.insert(hubSources).values({ id: app.newId(), hubId, url, urlKey: normaliseUrlKey(url)!, title: '', nextFetchAt: dueAt, createdAt: new Date() }).run();
  }

  it('fetches each due feed once in an interval, whichever of three nodes takes it', async () => {
    const hub = createHub(app, { actor: null, input: { slug: 'district-river', title: 'District river', tags: 'eng10' } });
    const later = new Date(Date.now() + 3_600_000);
    for (let n = 0; n < 12; n++) addSource(hub.id, `feed-${n}.xml`, later);
    started.push(...(await Promise.all([1, 2, 3].map(() => startServerProcess(env)))));
    // All due at once: the three pollers race for them.
    app.db.update(hubSources).set({ nextFetchAt: new Date() }).where(eq(hubSources.hubId, hub.id)).run();
    const unfetched = () => app.db.select({ n: count() }).from(hubSources).where(and(eq(hubSources.hubId, hub.id), isNull(hubSources.lastFetchAt))).get()!.n;
    await until(() => unfetched() === 0, 60_000, 'every feed to be fetched');
    // A few more ticks of every node: nothing is fetched again within the interval.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (let n = 0; n < 12; n++) expect(requests.get(`feed-${n}.xml`), `feed-${n}.xml`).toBe(1);
    expect(app.db.select({ n: count() }).from(hubItems).where(eq(hubItems.hubId, hub.id)).get()!.n).toBe(12 * 5);
    await Promise.all(started.splice(0).map((n) => n.stop()));
  }, 120_000);

  it('leaves the lease of a node killed in the middle of a fetch, and another node polls the feed once it ends', async () => {
    const hub = createHub(app, { actor: null, input: { slug: 'slow-river', title: 'Slow river', tags: 'eng10' } });
    addSource(hub.id, 'slow.xml', new Date(Date.now() + 3_600_000));
    const first = await startServerProcess(env);
    app.db.update(hubSources).set({ nextFetchAt: new Date() }).where(eq(hubSources.hubId, hub.id)).run();
    await until(() => requests.get('slow.xml') === 1, 30_000, 'the first node to fetch the slow feed');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const source = () => app.db.select().from(hubSources).where(eq(hubSources.hubId, hub.id)).get()!;
    expect(source().leaseUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(source().lastFetchAt).toBeNull();

    // Another node sees the lease and leaves the feed alone while it lasts.
    const second = await startServerProcess(env);
    started.push(second);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(requests.get('slow.xml')).toBe(1);
    // The lease ends (as ten minutes would end it): the next tick of the second node polls the feed.
    app.db.update(hubSources).set({ leaseUntil: new Date(Date.now() - 1) }).where(eq(hubSources.hubId, hub.id)).run();
    await until(() => source().lastFetchAt !== null, 30_000, 'the second node to poll the feed');
    expect(requests.get('slow.xml')).toBe(2);
    expect(app.db.select({ n: count() }).from(hubItems).where(eq(hubItems.hubId, hub.id)).get()!.n).toBe(5);
    expect(source().leaseUntil).toBeNull();
    hold?.();
  }, 120_000);
  it('serves from every node the picture one node made, each node with a data folder of its own and one media volume', async () => {
    // Only this test's two nodes poll and serve (the nodes of the tests before it, on another media folder, stop).
    await Promise.all(started.splice(0).map((n) => n.stop()));
    const hub = createHub(app, { actor: null, input: { slug: 'picture-river', title: 'Picture river', tags: 'eng10', visibility: 'public' } });
    addSource(hub.id, 'pictures.xml', new Date(Date.now() + 3_600_000));
    // The media volume every node mounts; the data folders are each node's own.
    const media = tempDataDir('potluck-media-');
    const ownData = [tempDataDir(), tempDataDir()];
    try {
      const poller = await startServerProcess({ ...env, POTLUCK_DATA: ownData[0]!, POTLUCK_MEDIA_DIR: media });
      const reader = await startServerProcess({ ...env, POTLUCK_DATA: ownData[1]!, POTLUCK_MEDIA_DIR: media, POTLUCK_POLLER: 'off' });
      started.push(poller, reader);
      app.db.update(hubSources).set({ nextFetchAt: new Date() }).where(eq(hubSources.hubId, hub.id)).run();
      const item = () => app.db.select().from(hubItems).where(eq(hubItems.hubId, hub.id)).get();
      await until(() => Boolean(item()?.thumbnail?.file), 60_000, 'the polling node to make the picture');
      const address = `/hubs/picture-river/thumbnails/${item()!.id}`;
      for (const node of [poller, reader]) {
        const r = await new Browser(node.url).get(address);
        expect(r.status, node.url).toBe(200);
        expect(r.headers.get('content-type')).toBe('image/webp');
        expect((await sharp(Buffer.from(await r.arrayBuffer())).metadata()).width).toBe(480);
      }
      expect(fs.existsSync(path.join(ownData[0]!, 'hub-thumbnails'))).toBe(false);
      await Promise.all(started.splice(0).map((n) => n.stop()));
    } finally {
      for (const dir of [media, ...ownData]) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
  it('makes on another node the pictures of a poll whose node was killed while it made them', async () => {
    await Promise.all(started.splice(0).map((n) => n.stop()));
    const hub = createHub(app, { actor: null, input: { slug: 'slow-pictures', title: 'Slow pictures', tags: 'eng10', visibility: 'public' } });
    addSource(hub.id, 'slowpic.xml', new Date(Date.now() + 3_600_000));
    // Every node runs jobs (leases of 3 s, renewed every second); only the first polls.
    const jobsEnv = { POTLUCK_JOBS: 'on', POTLUCK_JOBS_TICK_SECONDS: '1', POTLUCK_JOB_LEASE_SECONDS: '3' };
    const first = await startServerProcess({ ...env, ...jobsEnv });
    const second = await startServerProcess({ ...env, ...jobsEnv, POTLUCK_POLLER: 'off' });
    started.push(second);
    app.db.update(hubSources).set({ nextFetchAt: new Date() }).where(eq(hubSources.hubId, hub.id)).run();
    await until(() => requests.get('slow-picture.png') === 1, 30_000, 'the first node to ask for the picture');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const job = () => app.db.select().from(jobs).where(eq(jobs.kind, THUMBNAILS_JOB)).orderBy(desc(jobs.createdAt)).get()!;
    expect(job()).toMatchObject({ status: 'running', attempts: 1 });
    const item = () => app.db.select().from(hubItems).where(eq(hubItems.hubId, hub.id)).get()!;
    expect(item().thumbnail).toBeNull();

    // The lease ends; the second node's job runner takes the pictures over and makes them.
    await until(() => Boolean(item().thumbnail?.file), 30_000, 'the second node to make the picture');
    expect(requests.get('slow-picture.png')).toBe(2);
    expect(job()).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(job().leasedBy!.startsWith(`${os.hostname()}:${second.child.pid}:`)).toBe(true);
    const r = await new Browser(second.url).get(`/hubs/slow-pictures/thumbnails/${item().id}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/webp');
    await Promise.all(started.splice(0).map((n) => n.stop()));
  }, 120_000);
});
