// A school that turns the open-web protocols off: with POTLUCK_WEBMENTIONS=off and POTLUCK_WEBSUB=off nothing
// advertises an endpoint (Link headers, <link> elements, the hub inside feeds), the endpoints answer 404 and store
// nothing, and nothing is queued to send. The same pages of a server with the defaults advertise both, so the
// checks below can fail.
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { webmentionSends, webmentions, websubSubscriptions } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let off: TestServer;
let on: TestServer;
const pieces: Record<string, string> = {};
const shared = { POTLUCK_SITE_URL: 'https://school.example', POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' };
const offEnv = { ...shared, POTLUCK_WEBMENTIONS: 'off', POTLUCK_WEBSUB: 'off' };
const contexts: AppContext[] = [];

beforeAll(async () => {
  [off, on] = await Promise.all([startServer({ env: offEnv }), startServer({ env: shared })]);
  for (const [name, server, env] of [['off', off, offEnv], ['on', on, shared]] as const) {
    // Saved through a context configured like its server, so the save queues (or does not queue) as the server would.
    const app = createAppContext(loadConfig({ ...env, POTLUCK_DATA: server.dataDir }));
    contexts.push(app);
    const maya = await makeUser(app, { handle: 'maya' });
    await makeArtifact(app, maya, { title: 'Open web', slug: 'open-web', visibility: 'public', body: 'I read [a post](https://blog.example/post) today.' });
    pieces[name] = '/@maya/open-web/';
  }
}, 120_000);

afterAll(async () => {
  for (const app of contexts) app.db.$client.close();
  await Promise.all([off?.stop(), on?.stop()]);
});

const table = (server: TestServer, t: typeof webmentions | typeof webmentionSends | typeof websubSubscriptions) =>
  server.app.db.select({ n: count() }).from(t).get()!.n;

describe('turning Webmention and WebSub off', () => {
  it('advertises neither endpoint on pages or feeds, where the default server advertises both', async () => {
    for (const [server, expected] of [[off, false], [on, true]] as const) {
      const page = await new Browser(server.url).get(pieces.off);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(/rel="webmention"/.test(page.headers.get('link') ?? ''), 'Link header').toBe(expected);
      expect(/<link[^>]+rel="webmention"/.test(html), '<link>').toBe(expected);
      const feed = await new Browser(server.url).get('/@maya/feed.xml');
      expect(/rel="hub"/.test(feed.headers.get('link') ?? ''), 'feed Link header').toBe(expected);
      expect(/<atom:link[^>]+rel="hub"/.test(await feed.text()), 'hub inside the RSS').toBe(expected);
      const json = (await (await new Browser(server.url).get('/@maya/feed.json')).json()) as { hubs?: unknown[] };
      expect(Array.isArray(json.hubs), 'hubs in the JSON Feed').toBe(expected);
    }
  });

  it('answers 404 at both endpoints and stores nothing', async () => {
    const mention = await new Browser(off.url).postForm('/webmention', { source: 'https://blog.example/reply', target: 'https://school.example/@maya/open-web/' }, { origin: null });
    expect(mention.status).toBe(404);
    expect(await mention.text()).toContain('POTLUCK_WEBMENTIONS=off');
    const subscribe = await new Browser(off.url).postForm(
      '/websub',
      { 'hub.mode': 'subscribe', 'hub.topic': 'https://school.example/@maya/feed.xml', 'hub.callback': 'https://reader.example/cb' },
      { origin: null },
    );
    expect(subscribe.status).toBe(404);
    expect(table(off, webmentions)).toBe(0);
    expect(table(off, websubSubscriptions)).toBe(0);
    // The default server takes the same requests (and queues a Webmention for the piece's link when it was saved).
    expect((await new Browser(on.url).postForm('/webmention', { source: 'https://blog.example/reply', target: 'https://school.example/@maya/open-web/' }, { origin: null })).status).toBe(202);
    expect(table(on, webmentionSends)).toBeGreaterThan(0);
  });

  it('queues no Webmention to send when a public piece links out', () => {
    expect(table(off, webmentionSends)).toBe(0);
  });
});
