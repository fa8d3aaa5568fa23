/** `potluck webmentions send`: sends what is due, through the real CLI, to a real loopback blog. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext } from '../../../src/server/context.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { startReceiver, type Receiver } from './receiver.ts';

let blog: Receiver;
beforeAll(async () => {
  blog = await startReceiver();
});
afterAll(() => blog.close());

describe('potluck webmentions send', () => {
  it('sends the queued Webmentions once, and says what it did', async () => {
    const env = { POTLUCK_DATA: tempDataDir(), POTLUCK_SITE_URL: 'https://school.example', POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' };
    const app = createAppContext(loadConfig(env), { migrate: true });
    const maya = await makeUser(app, { handle: 'maya' });
    await makeArtifact(app, maya, { title: 'Notes', slug: 'notes', visibility: 'public', body: `[a](${blog.base}/post/a) and [b](${blog.base}/post/plain-b)` });
    app.db.$client.close();

    const first = await runCli(['webmentions', 'send', '--json'], { env });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ attempted: 2, sent: 1, noEndpoint: 1, failed: 0 });
    expect(blog.received).toEqual([{ source: 'https://school.example/@maya/notes/', target: `${blog.base}/post/a`, contentType: 'application/x-www-form-urlencoded' }]);

    const second = await runCli(['webmentions', 'send'], { env });
    expect(second.out).toContain('Tried 0 Webmentions');
    expect(blog.received).toHaveLength(1);
  });
});
