/**
 * Leaving: once a student has their archive, deleting the account removes every row and file of theirs, and nothing
 * of them is left in the database files (the raw bytes of potluck.db, -wal and -shm) or the data folder. Only the
 * owner (with the password), an admin (typing the handle) or the operator (--yes) can do it.
 */
import { onPostgresSuite, sqliteOnly } from '../../helpers/database.ts';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAccount } from '../../../src/commands/accountDeleter.ts';
import { exportArchive } from '../../../src/commands/archiveExporter.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import { signInAccountKey } from '../../../src/server/auth/rateLimit.ts';
import { createSession, generateSessionToken } from '../../../src/server/auth/sessions.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifacts, hubItems, hubMembers, hubSources, hubs, joinCodes, media, rateLimits, users } from '../../../src/server/db/schema.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';
import { listFiles, makeRichPortfolio, type RichPortfolio } from './helpers.ts';

let app: AppContext;
let work: string;

beforeAll(() => {
  app = createTestApp();
  work = tempDataDir('potluck-leaving-');
});

afterAll(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

/** The raw bytes of the database and its write-ahead log and shared-memory files. */
function databaseBytes(): Buffer {
  const base = app.config.databaseFile;
  return Buffer.concat([base, `${base}-wal`, `${base}-shm`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}

import { saveDraft } from '../../../src/commands/draftSaver.ts';
import { keepUnsavedEdit } from '../../../src/commands/unsavedEditKeeper.ts';

describe('deleting an account after exporting it', () => {
  let portfolio: RichPortfolio;
  let ids: { media: string[]; artifacts: string[]; user: string; hub: string; hubSource: string; code: string };
  const handle = 'gradzq7';
  const email = 'gradzq7.leaves@example.org';
  let other: Awaited<ReturnType<typeof makeUser>>;

  beforeAll(async () => {
    portfolio = await makeRichPortfolio(app, handle);
    const owner = portfolio.owner;
    app.db.update(users).set({ email }).where(eq(users.id, owner.id)).run();
    createSession(app, generateSessionToken(), owner.id, 'Firefox');
    app.db.insert(rateLimits).values({ key: signInAccountKey(owner.id), count: 2, windowStart: new Date() }).run();
    // A join code the student made (as a helper, say), a blog feed a hub polls for them, with one item from it.
    const code = 'GRAD-CODE-0001';
    app.db.insert(joinCodes).values({ code, role: 'student', createdBy: owner.id, createdAt: new Date() }).run();
    const hub = app.db.select().from(hubs).innerJoin(hubMembers, eq(hubMembers.hubId, hubs.id)).where(eq(hubMembers.userId, owner.id)).get()!.hubs;
    const sourceId = app.newId();
    app.db
      .insert(hubSources)
      .values({ id: sourceId, hubId: hub.id, memberId: owner.id, url: 'https://gradzq7-blog.example.org/feed', urlKey: 'gradzq7-blog.example.org/feed', nextFetchAt: new Date(), createdAt: new Date() })
      .run();
    app.db
      .insert(hubItems)
      .values({
        id: app.newId(),
        hubId: hub.id,
        sourceId,
        key: 'post-1',
        title: `From my blog ${portfolio.marker}`,
        contentHtml: `<p>${portfolio.marker}</p>`,
        fingerprint: 'x',
        sortDate: new Date(),
        firstSeenAt: new Date(),
        changedAt: new Date(),
      })
      .run();
    // A draft of a piece, and a save kept while they were signed out: both hold their words too.
    saveDraft(app, { ownerId: owner.id, key: 'new-gradzq7draft0001', values: { title: 'Unsaved', body: `Draft ${portfolio.marker}` } });
    keepUnsavedEdit(app, { tokenHash: 'f'.repeat(64), path: '/workspace/artifacts/new', userId: owner.id, values: { body: `Kept ${portfolio.marker}` }, address: '127.0.0.1' });
    other = await makeUser(app, { handle: 'stays' });
    await makeArtifact(app, other, { title: 'Still here', body: 'Nothing to do with anyone else.' });
    ids = {
      user: owner.id,
      media: portfolio.media.map((m) => m.id),
      artifacts: Object.values(portfolio.ids),
      hub: hub.id,
      hubSource: sourceId,
      code,
    };
    // The graduate takes their archive first.
    await exportArchive(app, { handle, out: { kind: 'zip', path: path.join(work, 'graduate.zip') }, site: false });
  }, 60_000);

  it('removes every row of theirs and keeps everyone else', async () => {
    const result = await deleteAccount(app, { handle, actor: null });
    expect(result).toMatchObject({ handle, removed: { artifacts: 6, revisions: 10, media: 12, showcases: 2, sessions: 1, hubMemberships: 1 }, compacted: true });
    expect(app.db.select().from(users).where(eq(users.id, ids.user)).get()).toBeUndefined();
    expect(app.db.select().from(artifacts).where(eq(artifacts.ownerId, ids.user)).all()).toEqual([]);
    expect(app.db.select().from(media).where(eq(media.ownerId, ids.user)).all()).toEqual([]);
    expect(app.db.select().from(hubSources).where(eq(hubSources.id, ids.hubSource)).all()).toEqual([]);
    expect(app.db.select().from(hubItems).where(eq(hubItems.sourceId, ids.hubSource)).all()).toEqual([]);
    expect(app.db.select().from(rateLimits).all().filter((r) => r.key.includes(ids.user))).toEqual([]);
    // What belongs to others stays: the hub (its teacher's), the join code (without its maker), the other student.
    expect(app.db.select().from(hubs).where(eq(hubs.id, ids.hub)).get()).toBeDefined();
    expect(app.db.select().from(joinCodes).where(eq(joinCodes.code, ids.code)).get()).toMatchObject({ createdBy: null });
    expect(app.db.select().from(artifacts).where(eq(artifacts.ownerId, other.id)).all()).toHaveLength(1);
    for (const table of ['sessions', 'revisions', 'artifact_tags', 'artifact_media', 'syndications', 'showcases', 'showcase_items', 'hub_members']) {
      const rows = app.db.$client.prepare(`select * from ${table}`).all();
      expect(JSON.stringify(rows), table).not.toContain(ids.user);
    }
  });

  it.skipIf(onPostgresSuite)(`leaves nothing of them in the bytes of potluck.db, -wal or -shm${sqliteOnly('the database is not a file in the data folder')}`, () => {
    const bytes = databaseBytes();
    expect(bytes.length).toBeGreaterThan(0);
    const needles = [handle, email, portfolio.marker, 'Inés Ortega', 'quixotic', ids.user, ...ids.media, ...ids.artifacts, 'gradzq7-blog'];
    for (const needle of needles) {
      expect(bytes.includes(Buffer.from(needle, 'utf8')), needle).toBe(false);
    }
    // The check can fail: the other student is still in the same bytes.
    expect(bytes.includes(Buffer.from('Nothing to do with anyone else.'))).toBe(true);
  });

  it('leaves nothing of them in the data folder', () => {
    const files = listFiles(app.config.dataDir);
    // SQLite's files at least (on PostgreSQL the database is elsewhere, and the folder may hold no file at all).
    if (!onPostgresSuite) expect(files.length).toBeGreaterThan(1);
    for (const f of files) {
      for (const id of [ids.user, ...ids.media]) expect(f, f).not.toContain(id);
    }
    expect(fs.existsSync(path.join(app.config.mediaDir, ids.user))).toBe(false);
    for (const f of files.filter((x) => !x.startsWith('potluck.db'))) {
      expect(fs.readFileSync(path.join(app.config.dataDir, f)).includes(Buffer.from(portfolio.marker)), f).toBe(false);
    }
    // Their archive, outside the data folder, still has it all.
    expect(fs.statSync(path.join(work, 'graduate.zip')).size).toBeGreaterThan(10_000);
  });
});

describe('who may delete an account', () => {
  it('the owner, with the typed handle and the password', async () => {
    const owner = await makeUser(app, { handle: 'selfie' });
    const actor = { id: owner.id, role: owner.role };
    const wrongHandle = await deleteAccount(app, { handle: 'selfie', actor, confirmHandle: 'selfy', password: 'password-selfie' }).catch((e: PotluckError) => e);
    expect(wrongHandle).toMatchObject({ code: 'VALIDATION', issues: [{ field: 'confirmHandle', message: 'Type the handle exactly as shown (selfie) to confirm.' }] });
    const wrongPassword = await deleteAccount(app, { handle: 'selfie', actor, confirmHandle: '@Selfie', password: 'nope' }).catch((e: PotluckError) => e);
    expect(wrongPassword).toMatchObject({ code: 'VALIDATION', issues: [{ field: 'password' }] });
    expect(await deleteAccount(app, { handle: 'selfie', actor, confirmHandle: 'selfie', password: 'password-selfie' })).toMatchObject({ handle: 'selfie' });
  });

  it('not another student or a teacher; an admin with the typed handle; never the last admin', async () => {
    const target = await makeUser(app, { handle: 'target1' });
    const student = await makeUser(app, { handle: 'nosy' });
    const teacher = await makeUser(app, { handle: 'teach', role: 'teacher' });
    for (const actor of [student, teacher]) {
      const error = await deleteAccount(app, { userId: target.id, actor, confirmHandle: 'target1' }).catch((e: PotluckError) => e);
      expect(error).toMatchObject({ code: 'FORBIDDEN' });
    }
    const admin = await makeUser(app, { handle: 'boss', role: 'admin' });
    expect(await deleteAccount(app, { userId: target.id, actor: admin, confirmHandle: 'target1' })).toMatchObject({ handle: 'target1' });
    const last = await deleteAccount(app, { handle: 'boss', actor: null }).catch((e: PotluckError) => e);
    expect(last).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('only admin account') });
  });

  it('the operator with potluck user delete --yes', async () => {
    await makeUser(app, { handle: 'cliuser' });
    const env = { POTLUCK_DATA: app.config.dataDir };
    const unsure = await runCli(['user', 'delete', '--handle', 'cliuser'], { env });
    expect(unsure.code).toBe(2);
    expect(unsure.err).toContain('cannot be undone; add --yes to confirm');
    const sure = await runCli(['user', 'delete', '--handle', 'cliuser', '--yes'], { env });
    expect(sure).toMatchObject({ code: 0 });
    expect(sure.out).toContain('Deleted @cliuser: 0 artifacts');
    const gone = await runCli(['user', 'delete', '--handle', 'cliuser', '--yes'], { env });
    expect(gone.code).toBe(1);
    expect(gone.err).toContain('No account has the handle "cliuser"');
  });
});
