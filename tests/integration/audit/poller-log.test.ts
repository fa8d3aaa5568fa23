/**
 * The server's poller and start-up speak JSON: a server polling a feed on loopback prints one JSON line per poll
 * with what it found, beside its start-up line, and nothing that is not JSON.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { hubSources } from '../../../src/server/db/schema.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { rss, startFeedServer, type FeedServer } from '../hubs/feedServer.ts';

let server: TestServer;
let feeds: FeedServer;

beforeAll(async () => {
  [server, feeds] = await Promise.all([
    startServer({ env: { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1', POTLUCK_POLLER: 'on', POTLUCK_POLLER_TICK_SECONDS: '1' } }),
    startFeedServer(),
  ]);
});
afterAll(async () => Promise.all([server?.stop(), feeds?.close()]));

const lines = () =>
  server
    .output()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

it('logs each poll as one JSON line with its counts', async () => {
  feeds.serve('/blog.xml', rss('Blog', [{ title: 'A post', guid: 'a', categories: ['eng10'] }]));
  const hub = createHub(server.app, { actor: null, input: { slug: 'logged', title: 'Logged', tags: 'eng10', visibility: 'public' } });
  server.app.db
    .insert(hubSources)
    .values({ id: server.app.newId(), hubId: hub.id, url: `${feeds.base}/blog.xml`, urlKey: '/blog.xml', title: '', nextFetchAt: new Date(), createdAt: new Date() })
    .run();
  await expect.poll(() => lines().find((l) => l.message === 'Polled hub feeds'), { timeout: 15_000 }).toBeTruthy();
  const poll = lines().find((l) => l.message === 'Polled hub feeds')!;
  expect(poll).toMatchObject({ level: 'info', component: 'poller', feeds: 1, added: 1, failed: 0 });
  const start = lines().find((l) => String(l.message).startsWith('Potluck is running at'))!;
  expect(start).toMatchObject({ level: 'info', dataDir: server.dataDir });
});
