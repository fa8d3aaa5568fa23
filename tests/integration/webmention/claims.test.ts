/**
 * A received Webmention is verified by one node: the node that takes it holds a claim, so two nodes verifying at once
 * fetch its source once and tell the student once; a claim left by a node that died ends, and another node then
 * verifies the mention.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../../src/server/context.ts';
import { notifications, webmentions, type User } from '../../../src/server/db/schema.ts';
import { VERIFY_CLAIM_MS, verifyQueuedWebmentions } from '../../../src/server/webmention/receive/verifier.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestNodes } from '../../helpers/server.ts';

const TARGET = 'https://potluck.example/@maya/tides';
let source: http.Server;
let sourceUrl: string;
let fetches = 0;

beforeAll(async () => {
  source = http.createServer((req, res) => {
    fetches++;
    // Slow enough that both nodes are verifying at the same time.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><div class="h-entry"><p class="e-content">Loved <a class="u-in-reply-to" href="${TARGET}">your piece on tides</a>.</p></div>`);
    }, 300);
  });
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  sourceUrl = `http://127.0.0.1:${(source.address() as AddressInfo).port}/reply`;
});
afterAll(() => new Promise((resolve) => source.close(resolve)));

let app: AppContext;
let other: AppContext;
let maya: User;
let close: () => void;
beforeEach(async () => {
  ({ app, other, close } = createTestNodes({ POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' }));
  maya = await makeUser(app, { handle: 'maya' });
  fetches = 0;
});
afterEach(() => close());

async function queuedMention(): Promise<string> {
  const piece = await makeArtifact(app, maya, { title: 'Tides', visibility: 'public' });
  const id = app.newId();
  app.db.insert(webmentions).values({ id, artifactId: piece.id, ownerId: maya.id, source: sourceUrl, target: TARGET, sourceHost: '127.0.0.1', status: 'queued', receivedAt: new Date() }).run();
  return id;
}

const mention = (id: string) => app.db.select().from(webmentions).where(eq(webmentions.id, id)).get()!;
const toldMaya = () => app.db.select().from(notifications).where(and(eq(notifications.userId, maya.id), eq(notifications.kind, 'mention.new'))).all().length;

describe('verifying a received Webmention on several nodes', () => {
  it('fetches the source once when two nodes verify at the same time, and tells the student once', async () => {
    const id = await queuedMention();
    const [here, there] = await Promise.all([verifyQueuedWebmentions(app), verifyQueuedWebmentions(other)]);
    expect(here + there).toBe(1);
    expect(fetches).toBe(1);
    expect(mention(id)).toMatchObject({ status: 'verified', kind: 'reply', claimedUntil: null });
    expect(toldMaya()).toBe(1);
  });

  it('leaves a mention another node holds, and verifies it once that node’s claim has ended', async () => {
    const id = await queuedMention();
    app.db.update(webmentions).set({ claimedUntil: new Date(Date.now() + VERIFY_CLAIM_MS) }).where(eq(webmentions.id, id)).run();
    expect(await verifyQueuedWebmentions(other)).toBe(0);
    expect(fetches).toBe(0);
    expect(mention(id).status).toBe('queued');

    // The node that held it died: its claim ends, and the next run takes the mention.
    app.db.update(webmentions).set({ claimedUntil: new Date(Date.now() - 1) }).where(eq(webmentions.id, id)).run();
    expect(await verifyQueuedWebmentions(other)).toBe(1);
    expect(fetches).toBe(1);
    expect(mention(id)).toMatchObject({ status: 'verified', claimedUntil: null });
  });
});
