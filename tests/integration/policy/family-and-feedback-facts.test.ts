/** The facts behind feedback and families, on a real database: who is a student's teacher, guardian, reviewer. */
import { afterAll, describe, expect, it } from 'vitest';
import { can } from '../../../src/core/policy.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { feedbackReviewers, guardianLinks, hubMembers, notificationPrefs, notifications } from '../../../src/server/db/schema.ts';
import { feedbackSubject, teachesStudentOf, workSubject } from '../../../src/server/policyFacts.ts';
import { notify, unreadCount } from '../../../src/server/notifications/notify.ts';
import { childrenOf, guardiansOf } from '../../../src/server/families/guardians.ts';
import { createTestApp } from '../../helpers/server.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { eq } from 'drizzle-orm';

const app = createTestApp();
afterAll(() => app.db.$client.close());

async function school() {
  const teacher = await makeUser(app, { role: 'teacher' });
  const otherTeacher = await makeUser(app, { role: 'teacher' });
  const maya = await makeUser(app);
  const theo = await makeUser(app);
  const parent = await makeUser(app, { role: 'guardian' });
  const hubId = makeHub(app, { teacher, students: [maya, theo] });
  makeHub(app, { teacher: otherTeacher, students: [theo] });
  app.db.insert(guardianLinks).values({ guardianId: parent.id, studentId: maya.id, linkedBy: null, createdAt: app.now() }).run();
  return { teacher, otherTeacher, maya, theo, parent, hubId };
}

describe('teachers, guardians and reviewers of a student', () => {
  it('counts a teacher only for the students of hubs they teach, by consent', async () => {
    const s = await school();
    expect(teachesStudentOf(app, s.teacher.id, s.maya.id)).toBe(true);
    expect(teachesStudentOf(app, s.otherTeacher.id, s.maya.id)).toBe(false);
    expect(teachesStudentOf(app, s.otherTeacher.id, s.theo.id)).toBe(true);
    // An invitation nobody accepted makes nobody anyone's student.
    const invited = await makeUser(app);
    app.db.insert(hubMembers).values({ hubId: s.hubId, userId: invited.id, role: 'student', joinedAt: app.now(), enrolment: 'invited' }).run();
    expect(teachesStudentOf(app, s.teacher.id, invited.id)).toBe(false);
  });

  it('lets a guardian read their own child’s class-only work, not another child’s', async () => {
    const s = await school();
    const mine = await makeArtifact(app, s.maya, { visibility: 'members' });
    const secret = await makeArtifact(app, s.maya, { visibility: 'private' });
    const theirs = await makeArtifact(app, s.theo, { visibility: 'members' });
    const parent = { id: s.parent.id, role: 'guardian' as const };
    expect(can(parent, 'read', workSubject(app, parent, mine))).toBe(true);
    expect(can(parent, 'read', workSubject(app, parent, secret))).toBe(false);
    expect(can(parent, 'read', workSubject(app, parent, theirs))).toBe(false);
    expect(childrenOf(app, s.parent.id).map((c) => c.id)).toEqual([s.maya.id]);
    expect(guardiansOf(app, s.maya.id).map((g) => g.id)).toEqual([s.parent.id]);
    expect(guardiansOf(app, s.theo.id)).toEqual([]);
  });

  it('opens the feedback thread to the student’s teacher, the guardian only by policy, and reviewers only with peer review on', async () => {
    const s = await school();
    const piece = await makeArtifact(app, s.maya, { visibility: 'members' });
    const actor = (u: { id: string; role: 'student' | 'teacher' | 'admin' | 'guardian' }) => ({ id: u.id, role: u.role });
    const reads = (u: Parameters<typeof actor>[0]) => can(actor(u), 'read', feedbackSubject(app, actor(u), piece));
    expect(reads(s.teacher)).toBe(true);
    expect(reads(s.otherTeacher)).toBe(false);
    expect(reads(s.theo)).toBe(false);
    expect(reads(s.parent)).toBe(false);
    setPolicy(app, { guardiansSeeFeedback: true });
    expect(reads(s.parent)).toBe(true);
    app.db.insert(feedbackReviewers).values({ artifactId: piece.id, userId: s.theo.id, invitedAt: app.now() }).run();
    expect(reads(s.theo)).toBe(false);
    setPolicy(app, { peerReview: true });
    expect(reads(s.theo)).toBe(true);
    setPolicy(app, { peerReview: false, guardiansSeeFeedback: false });
  });
});

describe('notification records', () => {
  it('tells the recipient, copies to a guardian only what they may read and chose, and never the actor', async () => {
    const s = await school();
    const members = await makeArtifact(app, s.maya, { visibility: 'members' });
    const secret = await makeArtifact(app, s.maya, { visibility: 'private' });
    const forGuardians = { title: 'Maya’s piece was reviewed', url: `/@${s.maya.handle}/` };
    notify(app, { to: s.maya.id, kind: 'status.changed', title: 'Reviewed', url: '/workspace', artifactId: members.id, actorId: s.teacher.id, forGuardians });
    notify(app, { to: s.maya.id, kind: 'status.changed', title: 'Reviewed', url: '/workspace', artifactId: secret.id, actorId: s.teacher.id, forGuardians });
    notify(app, { to: s.teacher.id, kind: 'feedback.new', title: 'A reply', url: '/workspace', actorId: s.teacher.id });
    const parentRows = app.db.select().from(notifications).where(eq(notifications.userId, s.parent.id)).all();
    expect(parentRows).toHaveLength(1);
    expect(parentRows[0]).toMatchObject({ aboutUserId: s.maya.id, artifactId: members.id, title: forGuardians.title });
    expect(unreadCount(app, s.maya.id)).toBe(2);
    expect(unreadCount(app, s.teacher.id)).toBe(0);

    // A guardian who turned a kind off gets no copy of it.
    app.db.insert(notificationPrefs).values({ userId: s.parent.id, guardianKinds: ['item.hidden'] }).run();
    notify(app, { to: s.maya.id, kind: 'status.changed', title: 'Reviewed again', url: '/workspace', artifactId: members.id, forGuardians });
    expect(unreadCount(app, s.parent.id)).toBe(1);
  });

  it('makes a keyed notification once', async () => {
    const s = await school();
    const once = { to: s.theo.id, kind: 'assignment.due' as const, title: 'Due soon', url: '/workspace', key: 'due:x' };
    expect(notify(app, once)).toHaveLength(1);
    expect(notify(app, once)).toHaveLength(0);
    expect(unreadCount(app, s.theo.id)).toBe(1);
  });
});
