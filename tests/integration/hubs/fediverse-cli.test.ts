// `potluck hub source add --mastodon-tag`: following a hashtag from the shell, with the forms people paste, the
// reasons for refusals and the exit codes (0 done, 1 refused, 2 bad usage). The server is a loopback copy of a
// Mastodon tag feed (tests/fixtures/mastodon).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { hubHeldItems, hubItems } from '../../../src/server/db/schema.ts';
import { findHub } from '../../../src/server/hubs/access.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeUser } from '../../helpers/factories.ts';
import { startFeedServer, type FeedServer } from './feedServer.ts';

let dataDir: string;
let env: Record<string, string>;
let app: AppContext;
let mastodon: FeedServer;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-fedi-cli-'));
  env = { POTLUCK_DATA: dataDir, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1', POTLUCK_SITE_URL: 'https://school.example' };
  app = createAppContext(loadConfig(env), { migrate: true });
  mastodon = await startFeedServer();
  const feed = fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/mastodon/server-a.rss'), 'utf8');
  mastodon.serve('/tags/t509massive.rss', feed.replaceAll('{{EXTRA}}', '').replaceAll('{{A}}', mastodon.base).replaceAll('{{B}}', 'https://other.example'));
  await makeUser(app, { handle: 'okafor', role: 'teacher' });
});

afterAll(async () => {
  app.db.$client.close();
  await mastodon.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCli(argv, { env });

describe('potluck hub source add --mastodon-tag', () => {
  it('follows a pasted tag address; every post is held until a teacher approves', async () => {
    expect((await cli('hub', 'create', '--slug', 'massive', '--title', 'Massive', '--tag', 'eng10', '--owner', 'okafor')).code).toBe(0);
    const added = await cli('hub', 'source', 'add', '--hub', 'massive', '--mastodon-tag', `${mastodon.base}/tags/t509massive`);
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    expect(added.out).toContain(`Following #t509massive on ${new URL(mastodon.base).host} (${mastodon.base}/tags/t509massive.rss) in massive: 0 posts in, 3 waiting for approval.`);
    const hub = findHub(app, 'massive')!;
    expect(app.db.select().from(hubItems).where(eq(hubItems.hubId, hub.id)).all()).toHaveLength(0);
    expect(app.db.select().from(hubHeldItems).where(eq(hubHeldItems.hubId, hub.id)).all()).toHaveLength(3);
    const listed = await cli('hub', 'source', 'list', '--hub', 'massive');
    expect(listed.out).toContain(`${mastodon.base}/tags/t509massive.rss`);
  });

  it('refuses a bad tag with the reason (1) and bad usage with 2', async () => {
    const bad = await cli('hub', 'source', 'add', '--hub', 'massive', '--mastodon-tag', 'mastodon.social/two words');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('is not a hashtag: use letters, digits and _ only');
    const again = await cli('hub', 'source', 'add', '--hub', 'massive', '--mastodon-tag', `${mastodon.base}/tags/t509massive.rss`);
    expect(again.code).toBe(1);
    expect(again.err).toContain('This hub already follows #t509massive');
    expect((await cli('hub', 'source', 'add', '--hub', 'massive', '--mastodon-tag', 'a/b', '--url', 'https://x.example/')).code).toBe(2);
    expect((await cli('hub', 'source', 'add', '--hub', 'massive')).code).toBe(2);
  });
});
