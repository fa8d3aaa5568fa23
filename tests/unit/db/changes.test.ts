import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { onPostgresSuite, sqliteOnly } from '../../helpers/database.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { changeStamp, requestArrived, remembered, writeKeepingMemory } from '../../../src/server/db/changes.ts';
import { hubMembers, hubVisits } from '../../../src/server/db/schema.ts';
import { getPolicy, setPolicy } from '../../../src/server/policy.ts';
import { sharesHub, teachesStudentOf } from '../../../src/server/policyFacts.ts';
import { makeHub, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

const opened: AppContext[] = [];
afterEach(() => {
  for (const app of opened.splice(0)) app.db.$client.close();
});

/** Two connections to one database file, as the server front and the site (or the CLI and the server) have. */
function twoConnections(): [AppContext, AppContext] {
  const a = createTestApp();
  const b = createAppContext(loadConfig({ POTLUCK_DATA: a.config.dataDir }));
  opened.push(a, b);
  return [a, b];
}

/** Sets the policy's peer review from another process (a plain connection, as the CLI's would be), committed on return. */
function commitFromAnotherProcess(app: AppContext, peerReview: boolean): void {
  const script = `
    const db = new (require('better-sqlite3'))(process.argv[1]);
    db.prepare("insert into settings (key, value) values ('policy', ?) on conflict (key) do update set value = excluded.value").run(process.argv[2]);
    db.close();`;
  const root = path.resolve(import.meta.dirname, '..', '..', '..');
  const result = spawnSync(process.execPath, ['--input-type=commonjs', '-e', script, app.config.databaseFile, JSON.stringify({ peerReview })], { cwd: root, encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('answers remembered until the database changes', () => {
  it.skipIf(onPostgresSuite)(`sees a commit by another process as the next request comes in, and from the next turn of the event loop${sqliteOnly("PostgreSQL's stamp is the whole server's snapshot, which the suite's other databases move (tests/integration/postgres/multiNode.test.ts sees one node's commit on the others)")}`, async () => {
    const app = createTestApp();
    opened.push(app);
    let calls = 0;
    const ask = () => remembered(app.db, 'k', () => ++calls);
    expect(getPolicy(app).peerReview).toBe(false);
    expect([ask(), ask()]).toEqual([1, 1]);
    commitFromAnotherProcess(app, true);
    requestArrived(); // what the server does as each request comes in
    expect(getPolicy(app).peerReview).toBe(true);
    expect([ask(), ask()]).toEqual([2, 2]);
    await nextTurn();
    expect(ask()).toBe(2);
    commitFromAnotherProcess(app, false);
    await nextTurn();
    expect(getPolicy(app).peerReview).toBe(false);
    expect(ask()).toBe(3);
  });

  it.skipIf(onPostgresSuite)(`tells a write made in this process without asking the database, and asks it about others once per moment${sqliteOnly("counts SQLite's data_version questions")}`, async () => {
    const [a, b] = twoConnections();
    // Every question to SQLite about other connections' commits, counted (the statements still run).
    const statement = Object.getPrototypeOf(a.db.$client.prepare('select 1')) as { get: (...args: unknown[]) => unknown };
    const get = vi.spyOn(statement, 'get');
    const asked = () => get.mock.contexts.filter((s) => (s as { source: string }).source === 'pragma data_version').length;
    try {
      const first = changeStamp(a.db);
      for (let i = 0; i < 5; i++) expect(changeStamp(a.db)).toBe(first);
      expect(asked()).toBe(1);
      setPolicy(b, { peerReview: true });
      const second = changeStamp(a.db);
      expect(second).not.toBe(first);
      a.db.$client.exec('delete from settings');
      expect(changeStamp(a.db)).not.toBe(second);
      // Reading moves nothing, whatever the connection.
      const third = changeStamp(a.db);
      expect(getPolicy(b).peerReview).toBe(false);
      expect(changeStamp(a.db)).toBe(third);
      expect(asked()).toBe(2); // and b's first, in setPolicy
      await nextTurn();
      changeStamp(a.db);
      changeStamp(a.db);
      expect(asked()).toBe(3);
      // A request coming in asks again; the requests after it in the same turn arrived with it, and do not.
      requestArrived();
      changeStamp(a.db);
      expect(asked()).toBe(4);
      requestArrived();
      changeStamp(a.db);
      expect(asked()).toBe(4);
      await nextTurn();
      requestArrived();
      changeStamp(a.db);
      expect(asked()).toBe(5);
    } finally {
      get.mockRestore();
    }
  });

  it('moves the change stamp for a write on this connection and for a commit on another', () => {
    const [a, b] = twoConnections();
    const first = changeStamp(a.db);
    expect(changeStamp(a.db)).toBe(first);
    setPolicy(b, { peerReview: true });
    const second = changeStamp(a.db);
    expect(second).not.toBe(first);
    setPolicy(a, { peerReview: false });
    expect(changeStamp(a.db)).not.toBe(second);
  });

  it.skipIf(onPostgresSuite)(`reuses an answer while nothing changed, and computes again after any write${sqliteOnly("PostgreSQL's stamp is the whole server's snapshot, which the suite's other databases move")}`, () => {
    const [a, b] = twoConnections();
    let calls = 0;
    const ask = () => remembered(a.db, 'k', () => ++calls);
    expect([ask(), ask(), ask()]).toEqual([1, 1, 1]);
    setPolicy(b, { peerReview: true });
    expect(ask()).toBe(2);
    expect(ask()).toBe(2);
  });

  it("sees a policy changed through another connection at once, and keeps the policy it hands out unchangeable", () => {
    const [a, b] = twoConnections();
    expect(getPolicy(a).peerReview).toBe(false);
    setPolicy(b, { peerReview: true });
    expect(getPolicy(a).peerReview).toBe(true);
    expect(() => {
      (getPolicy(a) as { peerReview: boolean }).peerReview = false;
    }).toThrow();
    expect(getPolicy(a).peerReview).toBe(true);
  });

  it('sees a new enrolment and a removed one in the very next question', async () => {
    const [a, b] = twoConnections();
    const teacher = await makeUser(a, { role: 'teacher' });
    const maya = await makeUser(a);
    const theo = await makeUser(a);
    const hub = makeHub(a, { teacher, students: [maya] });
    expect(sharesHub(a, maya.id, theo.id)).toBe(false);
    expect(teachesStudentOf(a, teacher.id, theo.id)).toBe(false);
    b.db.insert(hubMembers).values({ hubId: hub, userId: theo.id, role: 'student', joinedAt: new Date(), enrolment: 'admin' }).run();
    expect(sharesHub(a, maya.id, theo.id)).toBe(true);
    expect(teachesStudentOf(a, teacher.id, theo.id)).toBe(true);
    a.db.delete(hubMembers).run();
    expect(sharesHub(a, maya.id, theo.id)).toBe(false);
    expect(teachesStudentOf(a, teacher.id, theo.id)).toBe(false);
  });

  it.skipIf(onPostgresSuite)(`keeps its answers across a write that says none depends on it, unless anything else changed too${sqliteOnly("PostgreSQL's stamp moves with every write, so such a write forgets the answers")}`, async () => {
    const [a, b] = twoConnections();
    const teacher = await makeUser(a, { role: 'teacher' });
    const maya = await makeUser(a);
    const hub = makeHub(a, { teacher, students: [maya] });
    const visit = () =>
      writeKeepingMemory(a.db, () =>
        a.db
          .insert(hubVisits)
          .values({ hubId: hub, userId: teacher.id, visitedAt: new Date() })
          .onConflictDoUpdate({ target: [hubVisits.hubId, hubVisits.userId], set: { visitedAt: new Date() } })
          .run(),
      );
    let calls = 0;
    const ask = () => remembered(a.db, 'k', () => ++calls);
    expect(ask()).toBe(1);
    visit();
    visit();
    expect(ask()).toBe(1);
    expect(a.db.select().from(hubVisits).all()).toHaveLength(1);
    // Another connection's commit before the write: forgotten, even though the write itself would not have been.
    setPolicy(b, { peerReview: true });
    visit();
    expect(ask()).toBe(2);
    // An ordinary write on this connection: forgotten.
    setPolicy(a, { peerReview: false });
    expect(ask()).toBe(3);
    // A write of the kind that keeps answers, made while they were already stale, keeps nothing.
    expect(ask()).toBe(3);
    setPolicy(b, { peerReview: true });
    visit();
    expect(ask()).toBe(4);
  });
});
