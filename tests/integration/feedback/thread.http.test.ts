// The feedback thread through the real server: who reads and writes it (owner, teacher of the class, invited
// reviewer, guardian where the school allows) and every attack that must change nothing (classmate, student of
// another class, teacher of another hub, teacher on a private piece, guardian when the policy is off, anonymous,
// reviewer when peer review is off); posting without JavaScript, Markdown made safe, the length limit; deleting only
// one's own; the review status flow reviewed / needs revision / resubmitted; notifications (never to the actor);
// "what changed since"; a hidden piece's reason on its editor; the save-time warning for a public hub.
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { hideHubEntry } from '../../../src/commands/hubItemHider.ts';
import { unhideHubEntry } from '../../../src/commands/hubItemUnhider.ts';
import { FEEDBACK_MAX_CHARS } from '../../../src/core/feedback.ts';
import {
  auditEvents,
  contributionStatuses,
  feedbackMessages,
  feedbackReviewers,
  guardianLinks,
  hubs,
  notifications,
  type Artifact,
  type User,
} from '../../../src/server/db/schema.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let teacher: User;
let otherTeacher: User;
let maya: User;
let sam: User;
let olly: User;
let guardian: User;
let admin: User;
let classId: string;
let otherClassId: string;
let publicHubId: string;
let essay: Artifact;
let diary: Artifact;

const thread = (a: Artifact) => `/workspace/artifacts/${a.id}/feedback`;
const as = (u: User) => signedIn(server.url, server.app, u);
const messageCount = (a: Artifact) =>
  server.app.db.select({ n: count() }).from(feedbackMessages).where(eq(feedbackMessages.artifactId, a.id)).get()!.n;
const notesOf = (u: User) => server.app.db.select().from(notifications).where(eq(notifications.userId, u.id)).all();
const allNotes = () => server.app.db.select({ n: count() }).from(notifications).get()!.n;

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  teacher = await makeUser(app, { handle: 'ms-lee', role: 'teacher', name: 'Ms Lee' });
  otherTeacher = await makeUser(app, { handle: 'mr-roe', role: 'teacher', name: 'Mr Roe' });
  maya = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  sam = await makeUser(app, { handle: 'sam', name: 'Sam K' });
  olly = await makeUser(app, { handle: 'olly', name: 'Olly P' });
  guardian = await makeUser(app, { handle: 'maya-mum', role: 'guardian', name: 'Maya’s mum' });
  admin = await makeUser(app, { handle: 'principal', role: 'admin', name: 'Admin' });
  classId = makeHub(app, { teacher, students: [maya, sam], slug: 'english-10' });
  otherClassId = makeHub(app, { teacher: otherTeacher, students: [olly], slug: 'history-9' });
  publicHubId = makeHub(app, { teacher, students: [maya], slug: 'open-showcase' });
  app.db.update(hubs).set({ title: 'English 10' }).where(eq(hubs.id, classId)).run();
  app.db.update(hubs).set({ title: 'Open showcase', visibility: 'public', tags: ['showcase'] }).where(eq(hubs.id, publicHubId)).run();
  app.db.insert(guardianLinks).values({ guardianId: guardian.id, studentId: maya.id, createdAt: app.now() }).run();
  essay = await makeArtifact(app, maya, { title: 'Buses', slug: 'buses', body: 'Buses are late.\nEvery day.', tags: ['course'] });
  diary = await makeArtifact(app, maya, { title: 'Diary', slug: 'diary', visibility: 'private', tags: ['course'] });
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  setPolicy(server.app, { guardiansSeeFeedback: false, peerReview: false });
});

describe('who reads the thread', () => {
  it('the owner and the teacher of the class read it; the teacher sees a form that posts without JavaScript', async () => {
    for (const u of [maya, teacher]) {
      const res = await as(u).get(thread(essay));
      expect(res.status, u.handle).toBe(200);
      const html = await res.text();
      expect(html).toContain('Feedback on “Buses”');
      expect(html).toMatch(/<form method="post"[^>]*>[\s\S]*name="text"/);
      expect(res.headers.get('cache-control') ?? '').not.toContain('public');
    }
  });

  it('everyone else gets the 404 of a piece that does not exist', async () => {
    const missing = await as(teacher).get('/workspace/artifacts/no-such-piece/feedback');
    expect(missing.status).toBe(404);
    const notFoundText = await missing.text();
    for (const u of [sam, olly, otherTeacher, admin, guardian]) {
      const res = await as(u).get(thread(essay));
      expect(res.status, u.handle).toBe(404);
      // The same page, apart from the address it offers to come back to after signing in.
      expect(await res.text()).toBe(notFoundText.replaceAll(encodeURIComponent('/workspace/artifacts/no-such-piece/feedback'), encodeURIComponent(thread(essay))));
    }
    // A private piece: its owner's teacher may not read it, so not its thread either.
    expect((await as(teacher).get(thread(diary))).status).toBe(404);
    expect((await as(maya).get(thread(diary))).status).toBe(200);
    const anonymous = await new Browser(server.url).get(thread(essay));
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/signin/);
  });

  it('a guardian reads it read-only where the school allows, and may not write', async () => {
    setPolicy(server.app, { guardiansSeeFeedback: true });
    const res = await as(guardian).get(thread(essay));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('You can read this feedback');
    expect(html).not.toContain('name="text"');
    const before = messageCount(essay);
    const post = await as(guardian).postForm(thread(essay), { text: 'A guardian writes' });
    expect(post.status).toBe(403);
    expect(messageCount(essay)).toBe(before);
    // Not the thread of their child's private piece, nor another child's.
    expect((await as(guardian).get(thread(diary))).status).toBe(404);
    const olliesPiece = await makeArtifact(server.app, olly, { title: 'Olly’s', tags: ['course'] });
    expect((await as(guardian).get(thread(olliesPiece))).status).toBe(404);
  });
});

describe('posting', () => {
  it('a teacher posts a form with only `text`; the message records role, hub and revision; Markdown is made safe', async () => {
    const before = notesOf(maya).length;
    const res = await as(teacher).postForm(thread(essay), { text: 'Good **start**.\n\n<script>alert(1)</script><img src=x onerror=alert(2)>' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${thread(essay)}\\?posted=1#message-`));
    const row = server.app.db.select().from(feedbackMessages).where(eq(feedbackMessages.artifactId, essay.id)).all().at(-1)!;
    expect(row).toMatchObject({ authorId: teacher.id, authorName: 'Ms Lee', authorRole: 'teacher', hubId: classId, revision: 1 });
    expect(row.html).toContain('<strong>start</strong>');
    expect(row.html).not.toMatch(/<script|onerror|<img/i);
    const page = await (await as(maya).get(thread(essay))).text();
    expect(page).toContain('Ms Lee');
    expect(page).toContain('Teacher, English 10');
    expect(page).toContain('on revision 1');
    expect(page).not.toContain('<script>alert(1)');
    // The owner is told, the teacher (who wrote it) is not.
    const told = notesOf(maya).slice(before);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ kind: 'feedback.new', url: thread(essay), actorId: teacher.id });
    expect(told[0].title).toContain('Ms Lee');
    expect(told[0].title).not.toContain('start');
    expect(notesOf(teacher).filter((n) => n.artifactId === essay.id && n.kind === 'feedback.new')).toHaveLength(0);
  });

  it('the owner replies: the teacher in the thread hears "feedback waiting for you", the owner nothing', async () => {
    const mayaBefore = notesOf(maya).length;
    const res = await as(maya).postForm(thread(essay), { text: 'Thanks, I will fix the ending.' });
    expect(res.status).toBe(303);
    const forTeacher = notesOf(teacher).filter((n) => n.kind === 'feedback.new' && n.artifactId === essay.id);
    expect(forTeacher).toHaveLength(1);
    expect(forTeacher[0].title).toContain('feedback waiting for you');
    expect(notesOf(maya).length).toBe(mayaBefore);
    const row = server.app.db.select().from(feedbackMessages).where(eq(feedbackMessages.authorId, maya.id)).get()!;
    expect(row.authorRole).toBe('owner');
  });

  it('a guardian gets a copy of new feedback only where the school lets them read it', async () => {
    const copies = () => notesOf(guardian).filter((n) => n.kind === 'feedback.new').length;
    const before = copies();
    await as(teacher).postForm(thread(essay), { text: 'Policy off: no copy.' });
    expect(copies()).toBe(before);
    setPolicy(server.app, { guardiansSeeFeedback: true });
    await as(teacher).postForm(thread(essay), { text: 'Policy on: a copy.' });
    const mine = notesOf(guardian).filter((n) => n.kind === 'feedback.new');
    expect(mine).toHaveLength(before + 1);
    expect(mine.at(-1)!.title).not.toContain('Policy on');
    expect(mine.at(-1)!.aboutUserId).toBe(maya.id);
  });

  it('refuses an empty or over-long message with a clear message, keeping the text; a huge post is a 413', async () => {
    const before = messageCount(essay);
    const empty = await as(teacher).postForm(thread(essay), { text: '   ' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Write your feedback in the box first.');
    const long = 'a'.repeat(FEEDBACK_MAX_CHARS + 1);
    const tooLong = await as(teacher).postForm(thread(essay), { text: long });
    expect(tooLong.status).toBe(400);
    const html = await tooLong.text();
    expect(html).toContain('the most is 10,000');
    expect(html).toContain(long);
    const huge = await as(teacher).postForm(thread(essay), { text: 'b'.repeat(100_000) });
    expect(huge.status).toBe(413);
    expect(await huge.text()).toContain('it was not posted');
    expect(messageCount(essay)).toBe(before);
  });

  it('every attack on writing gets 404 or 403 and changes nothing', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Attacked', tags: ['course'] });
    const notes = allNotes();
    const attempts: [Browser, Artifact, number][] = [
      [as(sam), piece, 404],
      [as(olly), piece, 404],
      [as(otherTeacher), piece, 404],
      [as(admin), piece, 404],
      [as(guardian), piece, 404],
      [as(teacher), diary, 404],
      [new Browser(server.url), piece, 303],
    ];
    for (const [browser, target, status] of attempts) {
      const res = await browser.postForm(thread(target), { text: 'Sneaky' });
      expect(res.status).toBe(status);
    }
    // A reviewer row left from when peer review was on counts for nothing while it is off.
    server.app.db.insert(feedbackReviewers).values({ artifactId: piece.id, userId: sam.id, invitedAt: server.app.now() }).run();
    expect((await as(sam).get(thread(piece))).status).toBe(404);
    expect((await as(sam).postForm(thread(piece), { text: 'Sneaky' })).status).toBe(404);
    expect(messageCount(piece)).toBe(0);
    expect(messageCount(diary)).toBe(0);
    expect(allNotes()).toBe(notes);
  });
});

describe('deleting', () => {
  it('only the author deletes a message; the deletion is audited without its words', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Deletions', tags: ['course'] });
    await as(teacher).postForm(thread(piece), { text: 'Teacher words' });
    await as(maya).postForm(thread(piece), { text: 'Student words' });
    const [fromTeacher, fromMaya] = server.app.db.select().from(feedbackMessages).where(eq(feedbackMessages.artifactId, piece.id)).orderBy(feedbackMessages.createdAt).all();
    expect((await as(maya).postForm(thread(piece), { intent: 'delete', messageId: fromTeacher.id })).status).toBe(403);
    expect((await as(teacher).postForm(thread(piece), { intent: 'delete', messageId: fromMaya.id })).status).toBe(403);
    expect((await as(sam).postForm(thread(piece), { intent: 'delete', messageId: fromMaya.id })).status).toBe(404);
    expect((await as(otherTeacher).postForm(thread(piece), { intent: 'delete', messageId: fromTeacher.id })).status).toBe(404);
    expect(messageCount(piece)).toBe(2);
    const page = await (await as(maya).get(thread(piece))).text();
    expect(page.match(/name="intent" value="delete"/g)).toHaveLength(1);
    const res = await as(teacher).postForm(thread(piece), { intent: 'delete', messageId: fromTeacher.id });
    expect(res.status).toBe(303);
    expect(messageCount(piece)).toBe(1);
    const audit = server.app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'feedback.deleted'), eq(auditEvents.subjectId, fromTeacher.id))).get()!;
    expect(audit.actorId).toBe(teacher.id);
    expect(audit.subjectUserId).toBe(maya.id);
    expect(JSON.stringify(audit.details)).not.toContain('Teacher words');
  });
});

describe('review status', () => {
  it('reviewed / needs revision by the class teacher, resubmitted by the student’s next save; each told and audited', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Status piece', tags: ['course'], body: 'First line.' });
    const status = () => server.app.db.select().from(contributionStatuses).where(eq(contributionStatuses.artifactId, piece.id)).get();
    const form = await (await as(teacher).get(thread(piece))).text();
    expect(form).toContain('Status in English 10');
    // Not the student, not a classmate, not another hub's teacher, not for a hub the piece is not in.
    expect((await as(maya).postForm(thread(piece), { intent: 'status', hubId: classId, status: 'reviewed' })).status).toBe(403);
    expect((await as(sam).postForm(thread(piece), { intent: 'status', hubId: classId, status: 'reviewed' })).status).toBe(404);
    expect((await as(otherTeacher).postForm(thread(piece), { intent: 'status', hubId: otherClassId, status: 'reviewed' })).status).toBe(404);
    expect((await as(teacher).postForm(thread(piece), { intent: 'status', hubId: otherClassId, status: 'reviewed' })).status).toBe(403);
    expect((await as(teacher).postForm(thread(piece), { intent: 'status', hubId: classId, status: 'resubmitted' })).status).toBe(400);
    expect(status()).toBeUndefined();

    const mayaBefore = notesOf(maya).length;
    expect((await as(teacher).postForm(thread(piece), { intent: 'status', hubId: classId, status: 'needs_revision' })).status).toBe(303);
    expect(status()).toMatchObject({ status: 'needs_revision', revision: 1, setBy: teacher.id });
    const told = notesOf(maya).slice(mayaBefore);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ kind: 'status.changed', hubId: classId });
    expect(told[0].title).toContain('needs revision');
    const audit = server.app.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'contribution.status_changed'), eq(auditEvents.subjectId, piece.id))).all();
    expect(audit).toHaveLength(1);
    expect(audit[0].details).toMatchObject({ hubId: classId, from: null, to: 'needs_revision' });
    expect(await (await as(maya).get(thread(piece))).text()).toContain('Needs revision');
    expect(await (await as(maya).get(`/workspace/artifacts/${piece.id}`)).text()).toContain('English 10: Needs revision (revision 1)');

    const guardianCopy = notesOf(guardian).filter((n) => n.kind === 'status.changed' && n.artifactId === piece.id);
    expect(guardianCopy).toHaveLength(1);
    expect(guardianCopy[0].url).toBe(`/@maya/${piece.slug}/`);
    expect(guardianCopy[0].title).not.toContain('Ms Lee');

    const teacherBefore = notesOf(teacher).length;
    await saveArtifact(server.app, { ownerId: maya.id, artifactId: piece.id, input: { title: 'Status piece', kind: 'post', visibility: 'members', tags: ['course'], body: 'First line, better.' } });
    expect(status()).toMatchObject({ status: 'resubmitted', revision: 2, setBy: maya.id });
    const resubmitted = notesOf(teacher).slice(teacherBefore);
    expect(resubmitted).toHaveLength(1);
    expect(resubmitted[0].title).toContain('resubmitted');
    // A save of a piece that did not need revision changes no status.
    await saveArtifact(server.app, { ownerId: maya.id, artifactId: piece.id, input: { title: 'Status piece', kind: 'post', visibility: 'members', tags: ['course'], body: 'Third.' } });
    expect(status()?.status).toBe('resubmitted');
    expect(notesOf(teacher).length).toBe(teacherBefore + 1);

    expect((await as(teacher).postForm(thread(piece), { intent: 'status', hubId: classId, status: 'reviewed' })).status).toBe(303);
    expect(status()).toMatchObject({ status: 'reviewed', revision: 3 });

    // Made private after needing revision: resubmitted, but no teacher is told the title of a piece they cannot read.
    await as(teacher).postForm(thread(piece), { intent: 'status', hubId: classId, status: 'needs_revision' });
    const quietBefore = notesOf(teacher).length;
    await saveArtifact(server.app, { ownerId: maya.id, artifactId: piece.id, input: { title: 'Status piece', kind: 'post', visibility: 'private', tags: ['course'], body: 'Fourth.' } });
    expect(status()?.status).toBe('resubmitted');
    expect(notesOf(teacher).length).toBe(quietBefore);
  });
});

describe('what changed since', () => {
  it('a message on an older revision shows the changes to the current one', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Changing', tags: ['course'], body: 'line one\nline two' });
    await as(teacher).postForm(thread(piece), { text: 'Change line two.' });
    await saveArtifact(server.app, { ownerId: maya.id, artifactId: piece.id, input: { title: 'Changing', kind: 'post', visibility: 'members', tags: ['course'], body: 'line one\nline three' } });
    for (const u of [maya, teacher]) {
      const html = await (await as(u).get(thread(piece))).text();
      expect(html).toContain('What changed since revision 1');
      expect(html).toContain('<del>line two</del>');
      expect(html).toContain('<ins>line three</ins>');
    }
    const own = await (await as(maya).get(thread(piece))).text();
    expect(own).toContain(`/workspace/artifacts/${piece.id}/revisions?a=1&amp;b=2`);
  });
});

describe('peer review', () => {
  it('with peer review on, the owner invites a hub-mate, who is told and then reads and writes as a reviewer', async () => {
    setPolicy(server.app, { peerReview: true });
    const piece = await makeArtifact(server.app, maya, { title: 'Peer piece', tags: ['course'] });
    const page = await (await as(maya).get(thread(piece))).text();
    expect(page).toContain('Invite a classmate');
    expect(page).toContain('@sam');
    expect(page).not.toContain('@olly');
    // Not someone of another class, and not by anyone but the owner.
    expect((await as(maya).postForm(thread(piece), { intent: 'invite', handle: 'olly' })).status).toBe(400);
    expect((await as(teacher).postForm(thread(piece), { intent: 'invite', handle: 'sam' })).status).toBe(403);
    expect((await as(sam).postForm(thread(piece), { intent: 'invite', handle: 'sam' })).status).toBe(404);
    expect(server.app.db.select().from(feedbackReviewers).where(eq(feedbackReviewers.artifactId, piece.id)).all()).toHaveLength(0);

    expect((await as(maya).postForm(thread(piece), { intent: 'invite', handle: 'sam' })).status).toBe(303);
    expect(notesOf(sam).filter((n) => n.kind === 'reviewer.invited' && n.artifactId === piece.id)).toHaveLength(1);
    expect((await as(sam).get(thread(piece))).status).toBe(200);
    expect((await as(sam).postForm(thread(piece), { text: 'Nice one.' })).status).toBe(303);
    expect(server.app.db.select().from(feedbackMessages).where(eq(feedbackMessages.artifactId, piece.id)).get()).toMatchObject({ authorRole: 'reviewer', authorId: sam.id });

    // Peer review turned off: the reviewer is out again.
    setPolicy(server.app, { peerReview: false });
    expect((await as(sam).get(thread(piece))).status).toBe(404);
    setPolicy(server.app, { peerReview: true });
    expect((await as(maya).postForm(thread(piece), { intent: 'uninvite', userId: sam.id })).status).toBe(303);
    expect((await as(sam).get(thread(piece))).status).toBe(404);
  });

  it('with peer review off, inviting is refused', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'No peers', tags: ['course'] });
    expect(await (await as(maya).get(thread(piece))).text()).not.toContain('Invite a classmate');
    expect((await as(maya).postForm(thread(piece), { intent: 'invite', handle: 'sam' })).status).toBe(403);
    expect(server.app.db.select().from(feedbackReviewers).where(eq(feedbackReviewers.artifactId, piece.id)).all()).toHaveLength(0);
  });
});

describe('hidden is not silent', () => {
  it('the owner is told when a teacher hides a piece, sees the reason on its editor with a way to ask, and is told when it is back', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Hidden one', tags: ['course'] });
    const hide = hideHubEntry(server.app, { actor: teacher, hubId: classId, target: { artifactId: piece.id }, reason: 'Names a classmate' });
    const hidden = notesOf(maya).filter((n) => n.kind === 'item.hidden' && n.artifactId === piece.id);
    expect(hidden).toHaveLength(1);
    expect(hidden[0].title).toContain('Names a classmate');
    expect(hidden[0].title).toContain('English 10');
    expect(notesOf(teacher).filter((n) => n.kind === 'item.hidden')).toHaveLength(0);
    // The guardian's copy says what happened, not the teacher's words, and leads to the child's page.
    const copy = notesOf(guardian).filter((n) => n.kind === 'item.hidden' && n.artifactId === piece.id);
    expect(copy).toHaveLength(1);
    expect(copy[0].title).not.toContain('Names a classmate');
    expect(copy[0].url).toBe(`/@maya/${piece.slug}/`);
    const editor = await (await as(maya).get(`/workspace/artifacts/${piece.id}`)).text();
    expect(editor).toContain('English 10');
    expect(editor).toContain('Names a classmate');
    expect(editor).toContain(`href="/workspace/artifacts/${piece.id}/feedback#reply">Ask about it</a>`);
    unhideHubEntry(server.app, { actor: teacher, hubId: classId, hideId: hide.id });
    expect(notesOf(maya).filter((n) => n.kind === 'item.shown' && n.artifactId === piece.id)).toHaveLength(1);
    expect(await (await as(maya).get(`/workspace/artifacts/${piece.id}`)).text()).not.toContain('Names a classmate');
  });
});

describe('links to the thread', () => {
  it('the editor links the thread with its count; the piece page and the river link it for the teacher only', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Linked', slug: 'linked', tags: ['course'] });
    await as(teacher).postForm(thread(piece), { text: 'One.' });
    expect(await (await as(maya).get(`/workspace/artifacts/${piece.id}`)).text()).toContain(`<a href="${thread(piece)}">Feedback (1)</a>`);
    expect(await (await as(teacher).get('/@maya/linked/')).text()).toContain(`<a href="${thread(piece)}">Feedback (1)</a>`);
    expect(await (await as(sam).get('/@maya/linked/')).text()).not.toContain(thread(piece));
    expect(await (await as(teacher).get('/hubs/english-10/')).text()).toContain(`href="${thread(piece)}"`);
    expect(await (await as(sam).get('/hubs/english-10/')).text()).not.toContain('/feedback');
  });
});

describe('told at save time', () => {
  it('saving class-only work tagged for a public hub says it will not show in that hub’s public river', async () => {
    const browser = as(maya);
    const res = await browser.postForm('/workspace/artifacts/new', {
      title: 'Class-only showcase',
      summary: '',
      kind: 'post',
      visibility: 'members',
      format: 'markdown',
      tags: 'showcase',
      date: '2026-09-14',
      body: 'For the class.',
      intent: 'save',
    });
    expect(res.status).toBe(303);
    const saved = await (await browser.get(res.headers.get('location')!)).text();
    expect(saved).toContain('data-visibility-warning');
    expect(saved).toContain('will not show in the public river of “Open showcase”');
    // A public piece in the same hub, or a class-only piece in no public hub, gets no such warning.
    const id = new URL(res.headers.get('location')!, server.url).pathname.split('/')[3];
    const again = await browser.postForm(`/workspace/artifacts/${id}`, {
      title: 'Class-only showcase',
      kind: 'post',
      visibility: 'members',
      format: 'markdown',
      tags: 'course',
      date: '2026-09-14',
      body: 'For the class only.',
      intent: 'save',
      baseRevision: '1',
    });
    expect(again.status).toBe(303);
    expect(await (await browser.get(again.headers.get('location')!)).text()).not.toContain('data-visibility-warning');
  });
});
