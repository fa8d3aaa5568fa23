/**
 * Two nodes noticing the same change of a subscribed feed: the one that records it second owes nothing again. Owing
 * it again would reset the delivery the first node is already sending, which then went out twice. The other node is
 * a real second process holding SQLite's write lock while it records the change, so this node reads the old hash,
 * then waits for the lock, as it would on a district's database.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { websubDeliveries, websubSubscriptions, websubTopics } from '../../../src/server/db/schema.ts';
import { detectChanges } from '../../../src/server/websub/publisher.ts';
import { readTopic } from '../../../src/server/websub/topics.ts';
import { onPostgresSuite, sqliteOnly } from '../../helpers/database.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

const SITE = 'https://school.example';
const root = path.resolve(import.meta.dirname, '..', '..', '..');

describe('WebSub changes seen by two nodes', () => {
  it.skipIf(onPostgresSuite)(`owes a change once when another node recorded it while this one looked${sqliteOnly('the other node is a process holding SQLite’s write lock')}`, async () => {
    const app = createTestApp({ POTLUCK_SITE_URL: SITE });
    try {
      const maya = await makeUser(app, { handle: 'maya' });
      await makeArtifact(app, maya, { title: 'Poem', visibility: 'public' });
      const topic = `${SITE}/@maya/feed.xml`;
      const now = new Date();
      const subscription = app.newId();
      app.db.insert(websubSubscriptions).values({ id: subscription, topic, callback: 'https://reader.example/callback', secret: null, leaseSeconds: 3600, expiresAt: new Date(now.getTime() + 3_600_000), createdAt: now, verifiedAt: now }).run();
      app.db.insert(websubTopics).values({ topic, bodyHash: 'what the subscriber was told before', changedAt: now }).run();
      const body = readTopic(app, topic);
      if ('error' in body) throw new Error(body.error);
      const hash = createHash('sha256').update(body.body).digest('base64url');

      // The other node: records the change and starts sending (its delivery claimed, attempt 1), inside one
      // transaction it keeps open for a moment.
      const other = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import Database from 'better-sqlite3';
           const db = new Database(${JSON.stringify(path.join(app.config.dataDir, 'potluck.db'))});
           db.pragma('busy_timeout = 5000');
           db.exec('begin immediate');
           db.prepare('update websub_topics set body_hash = ?, changed_at = ? where topic = ?').run(${JSON.stringify(hash)}, Date.now(), ${JSON.stringify(topic)});
           db.prepare('insert into websub_deliveries (subscription_id, attempts, next_attempt_at, created_at) values (?, 1, ?, ?)').run(${JSON.stringify(subscription)}, Date.now() + 600000, Date.now());
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

      // This node reads the old hash (the other has not committed), then waits for the lock to record the change.
      expect(detectChanges(app)).toBe(0);
      await exited;
      expect(app.db.select().from(websubTopics).where(eq(websubTopics.topic, topic)).get()?.bodyHash).toBe(hash);
      // The delivery the other node is sending stays as it left it: not owed again from the first attempt.
      expect(app.db.select({ attempts: websubDeliveries.attempts }).from(websubDeliveries).all()).toEqual([{ attempts: 1 }]);
    } finally {
      app.db.$client.close();
      fs.rmSync(app.config.dataDir, { recursive: true, force: true });
    }
  });
});
