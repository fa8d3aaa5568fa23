/**
 * The hub events that make notifications, through the real commands on a real database: an invitation (to the
 * invitee), a new member by join code, accepted invitation or roster (to the hub's teachers), a feed flagged as
 * failing (to the teachers, once per flagging), and an assignment due in 2 days (to each student who has nothing in
 * it yet, once, with copies for guardians who chose that kind).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAccount } from '../../../src/commands/accountRegistrar.ts';
import { acceptHubInvitation } from '../../../src/commands/hubInvitationAccepter.ts';
import { joinHubWithCode } from '../../../src/commands/hubJoiner.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { addHubSource } from '../../../src/commands/hubSourceAdder.ts';
import { pollHub } from '../../../src/commands/hubPoller.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { saveNotificationPrefs } from '../../../src/commands/notificationPrefsSaver.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { guardianLinks, hubAssignments, notifications, type User } from '../../../src/server/db/schema.ts';
import { remindAssignmentsDue } from '../../../src/server/notifications/hubEvents.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { startFeedServer, rss, type FeedServer } from '../hubs/feedServer.ts';
import { clockedApp, makeClass, reloadSource } from '../hubs/helpers.ts';

let app: AppContext;
let clock: ReturnType<typeof clockedApp>['clock'];
let feeds: FeedServer;

beforeAll(async () => {
  feeds = await startFeedServer();
  ({ app, clock } = clockedApp());
});
afterAll(async () => {
  await feeds.close();
});

function inbox(user: User, kind?: string) {
  return app.db
    .select()
    .from(notifications)
    .where(kind ? and(eq(notifications.userId, user.id), eq(notifications.kind, kind)) : eq(notifications.userId, user.id))
    .all();
}
const teacherOf = (u: User) => ({ id: u.id, role: 'teacher' as const });

describe('joining a hub', () => {
  it("tells the invitee about a teacher's invitation, and the hub's teachers when it is accepted", async () => {
    const { hub, teacher } = await makeClass(app, {}, 0);
    const noah = await makeUser(app, { name: 'Noah Berg' });
    addHubMember(app, { actor: teacherOf(teacher), hubId: hub.id, handle: noah.handle });
    const [invited] = inbox(noah, 'hub.invited');
    expect(invited).toMatchObject({ url: '/workspace/hubs', hubId: hub.id, actorId: teacher.id, readAt: null });
    expect(invited!.title).toContain('English 10');
    expect(inbox(teacher, 'member.joined')).toEqual([]);

    acceptHubInvitation(app, { actor: { id: noah.id, role: 'student' }, hubId: hub.id });
    const [joined] = inbox(teacher, 'member.joined');
    expect(joined).toMatchObject({ url: `/hubs/${hub.slug}/members`, actorId: noah.id });
    expect(joined!.title).toBe(`Noah Berg (@${noah.handle}) accepted the invitation to English 10`);
    // The one who joined is not told about their own joining.
    expect(inbox(noah, 'member.joined')).toEqual([]);
  });

  it("tells the hub's teachers about a member who joins with a code or is put on the roster, and nobody else", async () => {
    const { hub, teacher, students } = await makeClass(app, {}, 1);
    const other = await makeClass(app, {}, 0);
    // The roster addition in makeClass told the teacher already.
    expect(inbox(teacher, 'member.joined').map((n) => n.title)).toEqual([`${students[0]!.name} (@${students[0]!.handle}) was added to English 10`]);

    const code = createJoinCode(app, { role: 'student', createdBy: teacher.id, hubId: hub.id, maxUses: 30, days: 30 });
    const ada = await makeUser(app, { name: 'Ada Quist' });
    joinHubWithCode(app, { userId: ada.id, code: code.code });
    expect(inbox(teacher, 'member.joined').map((n) => n.title)).toContain(`Ada Quist (@${ada.handle}) joined English 10`);
    // A classmate and another hub's teacher hear nothing.
    expect(inbox(students[0]!)).toEqual([]);
    expect(inbox(other.teacher, 'member.joined')).toEqual([]);
  });

  it("tells the hub's teachers about someone who signs up with the hub's code", async () => {
    const { hub, teacher } = await makeClass(app, {}, 0);
    const code = createJoinCode(app, { role: 'student', createdBy: teacher.id, hubId: hub.id, maxUses: 30, days: 30 });
    const user = await registerAccount(app, { code: code.code, handle: `newcomer${Date.now() % 100000}`, name: 'New Comer', password: 'a long and unusual passphrase 42' });
    expect(inbox(teacher, 'member.joined').map((n) => n.title)).toEqual([`New Comer (@${user.handle}) joined English 10`]);
  });

  it('makes nothing when the joining fails', async () => {
    const { hub, teacher } = await makeClass(app, {}, 0);
    const before = inbox(teacher).length;
    expect(() => joinHubWithCode(app, { userId: teacher.id, code: 'ABCD-EFGH-JKMN' })).toThrow();
    expect(() => addHubMember(app, { actor: teacherOf(teacher), hubId: hub.id, handle: 'nobody-by-that-name' })).toThrow();
    expect(inbox(teacher).length).toBe(before);
  });
});

describe('a feed that keeps failing', () => {
  it("tells the hub's teachers once when it is flagged, and again only after it recovered and failed anew", async () => {
    const { hub, teacher, students } = await makeClass(app);
    feeds.serve('/breaking.xml', rss('A blog', [{ title: 'One', guid: 'b1', categories: ['eng10'] }]));
    const { source } = await addHubSource(app, { actor: teacherOf(teacher), hubId: hub.id, url: `${feeds.base}/breaking.xml` });
    const failing = () =>
      feeds.routes.set('/breaking.xml', (_req, res) => {
        res.writeHead(500);
        res.end();
      });
    failing();
    for (let i = 0; i < 5; i++) {
      clock.set(reloadSource(app, source.id).nextFetchAt);
      await pollHub(app, { actor: null, hubId: hub.id, dueOnly: true });
    }
    expect(reloadSource(app, source.id).flaggedAt).not.toBeNull();
    const told = inbox(teacher, 'source.failing');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ url: `/hubs/${hub.slug}/sources`, hubId: hub.id });
    expect(told[0]!.title).toContain('keeps failing');
    expect(inbox(students[0]!, 'source.failing')).toEqual([]);

    feeds.serve('/breaking.xml', rss('A blog', [{ title: 'One', guid: 'b1', categories: ['eng10'] }]));
    await pollHub(app, { actor: null, hubId: hub.id });
    expect(reloadSource(app, source.id).flaggedAt).toBeNull();
    failing();
    for (let i = 0; i < 4; i++) {
      clock.set(reloadSource(app, source.id).nextFetchAt);
      await pollHub(app, { actor: null, hubId: hub.id, dueOnly: true });
    }
    expect(inbox(teacher, 'source.failing')).toHaveLength(2);
  });
});

describe('an assignment due in 2 days', () => {
  it('reminds each student with nothing in it once, and their guardians who chose it', async () => {
    clock.set('2025-04-01T09:00:00Z');
    const { hub, teacher, students } = await makeClass(app, {}, 3);
    const [done, missing, alsoMissing] = students as [User, User, User];
    const assignmentId = app.newId();
    app.db.insert(hubAssignments).values({ id: assignmentId, hubId: hub.id, title: 'Essay 2', tag: 'essay2', dueAt: new Date('2025-04-02T23:00:00Z'), createdAt: app.now() }).run();
    // Due in 5 days: not yet.
    app.db.insert(hubAssignments).values({ id: app.newId(), hubId: hub.id, title: 'Essay 3', tag: 'essay3', dueAt: new Date('2025-04-06T23:00:00Z'), createdAt: app.now() }).run();
    await makeArtifact(app, done, { title: 'My essay', body: 'Done. #eng10 #essay2', visibility: 'members' });
    // A private piece is not handed in.
    await makeArtifact(app, alsoMissing, { title: 'Secret draft', body: 'Not yet. #eng10 #essay2', visibility: 'private' });
    const parent = await makeUser(app, { role: 'guardian', name: 'Pat Parent' });
    const otherParent = await makeUser(app, { role: 'guardian' });
    app.db.insert(guardianLinks).values([
      { guardianId: parent.id, studentId: missing.id, createdAt: app.now() },
      { guardianId: otherParent.id, studentId: alsoMissing.id, createdAt: app.now() },
    ]).run();
    saveNotificationPrefs(app, { actor: { id: parent.id, role: 'guardian' }, input: { email: 'digest', guardianKinds: ['feedback.new', 'assignment.due'] } });

    remindAssignmentsDue(app);
    remindAssignmentsDue(app);
    expect(inbox(done, 'assignment.due')).toEqual([]);
    expect(inbox(teacher, 'assignment.due')).toEqual([]);
    for (const s of [missing, alsoMissing]) {
      const mine = inbox(s, 'assignment.due');
      expect(mine).toHaveLength(1);
      expect(mine[0]!.title).toContain('Essay 2');
      expect(mine[0]!.title).not.toContain('Essay 3');
      expect(mine[0]!.url).toBe(`/hubs/${hub.slug}/`);
    }
    const copy = inbox(parent, 'assignment.due');
    expect(copy).toHaveLength(1);
    expect(copy[0]).toMatchObject({ aboutUserId: missing.id });
    expect(copy[0]!.title).toContain(missing.name);
    // A guardian who did not choose reminders (the default kinds) gets none; nobody else's child is named.
    expect(inbox(otherParent, 'assignment.due')).toEqual([]);
    expect(copy[0]!.title).not.toContain(alsoMissing.name);
  });
});
