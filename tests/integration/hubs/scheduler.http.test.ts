// The poller in the server process: on (POTLUCK_POLLER=on) it fetches due feeds by itself on its tick; under the
// test runner it is off unless asked, so no test server polls behind a test's back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { hubSources } from '../../../src/server/db/schema.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { readRiver } from '../../../src/server/hubs/contributions.ts';
import { rss, startFeedServer, type FeedServer } from './feedServer.ts';

let polling: TestServer;
let quiet: TestServer;
let feeds: FeedServer;

beforeAll(async () => {
  const env = { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' };
  [polling, quiet, feeds] = await Promise.all([
    startServer({ env: { ...env, POTLUCK_POLLER: 'on', POTLUCK_POLLER_TICK_SECONDS: '1' } }),
    startServer({ env }),
    startFeedServer(),
  ]);
});

afterAll(async () => {
  await Promise.all([polling?.stop(), quiet?.stop(), feeds?.close()]);
});

function dueSource(server: TestServer, pathname: string) {
  const hub = createHub(server.app, { actor: null, input: { slug: 'scheduled', title: 'Scheduled', tags: 'eng10', visibility: 'public' } });
  server.app.db
    .insert(hubSources)
    .values({ id: server.app.newId(), hubId: hub.id, url: `${feeds.base}${pathname}`, urlKey: pathname, title: '', nextFetchAt: new Date(), createdAt: new Date() })
    .run();
  return hub;
}

it('fetches due feeds by itself when on, and not at all when off', async () => {
  feeds.serve('/on.xml', rss('On', [{ title: 'Arrived by itself', guid: 'a', categories: ['eng10'] }]));
  feeds.serve('/off.xml', rss('Off', [{ title: 'Never fetched', guid: 'b', categories: ['eng10'] }]));
  const hub = dueSource(polling, '/on.xml');
  dueSource(quiet, '/off.xml');
  let titles: string[] = [];
  for (let i = 0; i < 100 && titles.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    titles = readRiver(polling.app, hub, { scope: 'public' }).entries.map((e) => e.title);
  }
  expect(titles).toEqual(['Arrived by itself']);
  await new Promise((r) => setTimeout(r, 1500));
  expect(feeds.hits('/off.xml')).toEqual([]);
  // Fetched once, then not again before the hub's interval.
  expect(feeds.hits('/on.xml').length).toBe(1);
});
