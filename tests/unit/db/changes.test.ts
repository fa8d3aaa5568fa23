import { onPostgresSuite, sqliteOnly } from '../../helpers/database.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { changeStamp, remembered, writeKeepingMemory } from '../../../src/server/db/changes.ts';
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

describe('answers remembered until the database changes', () => {
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
