/**
 * Two nodes noticing the same change of a subscribed feed: the one that records it second owes nothing again. Owing
 * it again would reset the delivery the first node is already sending, which then went out twice. The other node is
 * a real second process holding SQLite's write lock while it records the change, so this node reads the old hash,
 * then waits for the lock, as it would on a district's database.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { artifacts, websubDeliveries, websubSubscriptions, websubTopics } from '../../../src/server/db/schema.ts';
import { detectChanges, runDeliveries } from '../../../src/server/websub/publisher.ts';
import { readTopic } from '../../../src/server/websub/topics.ts';
import { onPostgresSuite, sqliteOnly } from '../../helpers/database.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createAppContext } from '../../../src/server/context.ts';
import { createTestApp } from '../../helpers/server.ts';

const SITE = 'https://school.example';
const root = path.resolve(import.meta.dirname, '..', '..', '..');

/**
 * The other node: a process that runs `statements` in one write transaction it keeps open for a moment. Resolves once
 * it holds SQLite's write lock (still holding it), with a promise of its exit.
 */
async function otherNodeHolding(dbFile: string, statements: [string, unknown[]][]): Promise<{ exited: Promise<unknown> }> {
  const other = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import Database from 'better-sqlite3';
       const db = new Database(${JSON.stringify(dbFile)});
       db.pragma('busy_timeout = 5000');
       db.exec('begin immediate');
       for (const [sql, params] of ${JSON.stringify(statements)}) db.prepare(sql).run(...params);
       process.stdout.write('holding\\n');
       setTimeout(() => { db.exec('commit'); db.close(); }, 700);`,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => other.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    other.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && resolve());
    other.once('exit', (code) => reject(new Error(`the other node stopped (${code}) before it held the lock`)));
  });
  return { exited };
}

const hashOf = (body: string) => createHash('sha256').update(body).digest('base64url');

describe('WebSub changes seen by two nodes', () => {
  const title = (what: string) => `${what}${sqliteOnly('the other node is a process holding SQLite’s write lock')}`;

  /** Maya's public poem, her feed subscribed to, the subscriber told an older body. */
  async function subscribedFeed() {
    const app = createTestApp({ POTLUCK_SITE_URL: SITE });
    const maya = await makeUser(app, { handle: 'maya' });
    const poem = await makeArtifact(app, maya, { title: 'Poem', visibility: 'public' });
    const topic = `${SITE}/@maya/feed.xml`;
    const now = new Date();
    const subscription = app.newId();
    app.db.insert(websubSubscriptions).values({ id: subscription, topic, callback: 'https://reader.example/callback', secret: null, leaseSeconds: 3600, expiresAt: new Date(now.getTime() + 3_600_000), createdAt: now, verifiedAt: now }).run();
    app.db.insert(websubTopics).values({ topic, bodyHash: 'what the subscriber was told before', changedAt: now }).run();
    const bodyHash = () => {
      const body = readTopic(app, topic);
      if ('error' in body) throw new Error(body.error);
      return hashOf(body.body);
    };
    const dbFile = path.join(app.config.dataDir, 'potluck.db');
    const close = () => {
      app.db.$client.close();
      fs.rmSync(app.config.dataDir, { recursive: true, force: true });
    };
    return { app, poem, topic, subscription, bodyHash, dbFile, close };
  }

  /** What the other node writes as it records a change and starts sending (its delivery claimed, attempt 1). */
  const recordAndClaim = (topic: string, hash: string, subscription: string): [string, unknown[]][] => [
    ['update websub_topics set body_hash = ?, changed_at = ? where topic = ?', [hash, Date.now(), topic]],
    ['insert into websub_deliveries (subscription_id, attempts, next_attempt_at, created_at) values (?, 1, ?, ?)', [subscription, Date.now() + 600_000, Date.now()]],
  ];

  it.skipIf(onPostgresSuite)(title('owes a change once when another node recorded it while this one looked'), async () => {
    const feed = await subscribedFeed();
    try {
      const hash = feed.bodyHash();
      const { exited } = await otherNodeHolding(feed.dbFile, recordAndClaim(feed.topic, hash, feed.subscription));
      // This node reads the old hash (the other has not committed), then waits for the lock to record the change.
      const started = Date.now();
      expect(detectChanges(feed.app)).toBe(0);
      expect(Date.now() - started).toBeGreaterThan(300);
      await exited;
      expect(feed.app.db.select().from(websubTopics).where(eq(websubTopics.topic, feed.topic)).get()?.bodyHash).toBe(hash);
      // The delivery the other node is sending stays as it left it: not owed again from the first attempt.
      expect(feed.app.db.select({ attempts: websubDeliveries.attempts }).from(websubDeliveries).all()).toEqual([{ attempts: 1 }]);
    } finally {
      feed.close();
    }
  });

  it.skipIf(onPostgresSuite)(title('does not record the older body over a newer one another node recorded while this one read'), async () => {
    const feed = await subscribedFeed();
    try {
      const older = feed.bodyHash();
      // The newer body: the poem retitled (worked out here, then put back, so that this node reads the older one).
      feed.app.db.update(artifacts).set({ title: 'Poem, revised' }).where(eq(artifacts.id, feed.poem.id)).run();
      const newer = feed.bodyHash();
      feed.app.db.update(artifacts).set({ title: 'Poem' }).where(eq(artifacts.id, feed.poem.id)).run();
      expect(newer).not.toBe(older);
      const { exited } = await otherNodeHolding(feed.dbFile, [
        ['update artifacts set title = ? where id = ?', ['Poem, revised', feed.poem.id]],
        ...recordAndClaim(feed.topic, newer, feed.subscription),
      ]);
      // This node reads the older body, then waits; once the other commits, the newer body is what is recorded.
      const started = Date.now();
      expect(detectChanges(feed.app)).toBe(0);
      expect(Date.now() - started).toBeGreaterThan(300);
      await exited;
      expect(feed.app.db.select().from(websubTopics).where(eq(websubTopics.topic, feed.topic)).get()?.bodyHash).toBe(newer);
      expect(feed.app.db.select({ attempts: websubDeliveries.attempts }).from(websubDeliveries).all()).toEqual([{ attempts: 1 }]);
      // Nothing is owed again on the next look.
      expect(detectChanges(feed.app)).toBe(0);
    } finally {
      feed.close();
    }
  });
});

describe('WebSub deliveries while another node records a change', () => {
  it('send each subscriber the body recorded when its delivery is claimed, not the one read for the first', async () => {
    const app = createTestApp({ POTLUCK_SITE_URL: SITE, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' });
    const other = createAppContext(app.config);
    const received: { path: string; body: string }[] = [];
    let poem = '';
    // The first subscriber's answer arrives after the poem was retitled on the other node and the change recorded.
    const callbacks = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        if (received.length === 1) {
          other.db.update(artifacts).set({ title: 'Poem, revised' }).where(eq(artifacts.id, poem)).run();
          expect(detectChanges(other)).toBe(1);
        }
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => callbacks.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(callbacks.address() as AddressInfo).port}`;
    try {
      const maya = await makeUser(app, { handle: 'maya' });
      poem = (await makeArtifact(app, maya, { title: 'Poem', visibility: 'public' })).id;
      const topic = `${SITE}/@maya/feed.xml`;
      const now = new Date();
      for (const name of ['first', 'second']) {
        app.db.insert(websubSubscriptions).values({ id: `sub-${name}`, topic, callback: `${base}/${name}`, secret: null, leaseSeconds: 3600, expiresAt: new Date(now.getTime() + 3_600_000), createdAt: new Date(now.getTime() + (name === 'first' ? 0 : 1)), verifiedAt: now }).run();
      }
      expect(detectChanges(app)).toBe(1);
      expect(await runDeliveries(app)).toBe(2);
      const byPath = (path: string) => received.filter((r) => r.path === path).map((r) => (r.body.includes('Poem, revised') ? 'revised' : 'first title'));
      // Whichever went first got the first title; the other, claimed after the change was recorded, the revised one.
      const [firstSent] = received;
      const secondPath = firstSent!.path === '/first' ? '/second' : '/first';
      expect(byPath(firstSent!.path)).toEqual(['first title']);
      expect(byPath(secondPath)).toEqual(['revised']);
      // The first is owed the revised body still, and gets it at the next run; then nothing more is owed.
      expect(await runDeliveries(app)).toBe(1);
      expect(byPath(firstSent!.path)).toEqual(['first title', 'revised']);
      expect(await runDeliveries(app)).toBe(0);
    } finally {
      await new Promise((resolve) => callbacks.close(resolve));
      other.db.$client.close();
      app.db.$client.close();
      fs.rmSync(app.config.dataDir, { recursive: true, force: true });
    }
  });
});
