// A teacher's day over HTTP: sign-in lands teachers on /workspace/teaching, which shows for each hub they teach what
// is new since their last visit to the hub's page (hub_visits), the feedback threads waiting for their answer, and
// who has not contributed to the current assignment; never another teacher's hub, students or threads.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { feedbackMessages, hubAssignments, hubMembers, hubVisits, users, type Hub, type User } from '../../../src/server/db/schema.ts';
import { Browser } from '../../helpers/http.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

const DAY = 24 * 60 * 60 * 1000;
let server: TestServer;
let app: AppContext;
let okafor: User;
let bell: User;
let maya: User;
let theo: User;
let priya: User;
let leo: User;
let sam: User;
let ivy: User;
let eng: Hub;
let bio: Hub;
const threads: Record<string, string> = {};

function say(artifactId: string, author: User, role: 'owner' | 'teacher', hubId: string | null, at: Date) {
  app.db
    .insert(feedbackMessages)
    .values({ id: app.newId(), artifactId, authorId: author.id, authorName: author.name, authorRole: role, hubId, body: 'A word', html: '<p>A word</p>', revision: 1, createdAt: at })
    .run();
}

/** The part of the landing page about one hub, and within it one section (new, waiting, missing). */
function part(html: string, hubSlug: string, section?: 'new' | 'waiting' | 'missing'): string {
  const start = html.indexOf(`data-hub="${hubSlug}"`);
  if (start < 0) return '';
  const hub = html.slice(start, html.indexOf('</section>', start));
  if (!section) return hub;
  const at = hub.indexOf(`data-section="${section}"`);
  const next = hub.slice(at + 1).search(/data-section="/);
  return next < 0 ? hub.slice(at) : hub.slice(at, at + 1 + next);
}

beforeAll(async () => {
  server = await startServer();
  app = server.app;
  okafor = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  bell = await makeUser(app, { handle: 'mr-bell', role: 'teacher', name: 'Mr Bell' });
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Lind' });
  theo = await makeUser(app, { handle: 'theo', name: 'Theo Marsh' });
  priya = await makeUser(app, { handle: 'priya', name: 'Priya Shah' });
  leo = await makeUser(app, { handle: 'leo', name: 'Leo Both' });
  sam = await makeUser(app, { handle: 'sam', name: 'Sam Otherclass' });
  const dan = await makeUser(app, { handle: 'dan', name: 'Dan Disabled' });
  ivy = await makeUser(app, { handle: 'ivy', name: 'Ivy Invited' });
  eng = createHub(app, { actor: { id: okafor.id, role: 'teacher' }, input: { slug: 'eng-public', title: 'English Ten', tags: 'eng10', visibility: 'public' } });
  bio = createHub(app, { actor: { id: bell.id, role: 'teacher' }, input: { slug: 'bio', title: 'Biology Nine', tags: 'bio9', visibility: 'members' } });
  for (const s of [maya, theo, priya, leo, dan]) addHubMember(app, { actor: null, hubId: eng.id, handle: s.handle });
  for (const s of [sam, leo]) addHubMember(app, { actor: null, hubId: bio.id, handle: s.handle });
  app.db.insert(hubMembers).values({ hubId: eng.id, userId: ivy.id, role: 'student', joinedAt: app.now(), enrolment: 'invited' }).run();
  app.db.update(users).set({ disabledAt: app.now() }).where(eq(users.id, dan.id)).run();
  const now = Date.now();
  app.db.insert(hubAssignments).values({ id: app.newId(), hubId: eng.id, title: 'Essay one', tag: 'essay1', dueAt: new Date(now - 14 * DAY), createdAt: app.now() }).run();
  app.db.insert(hubAssignments).values({ id: app.newId(), hubId: eng.id, title: 'Essay two', tag: 'essay2', dueAt: new Date(now + 5 * DAY), createdAt: app.now() }).run();
  app.db.insert(hubAssignments).values({ id: app.newId(), hubId: bio.id, title: 'Cells', tag: 'cells', dueAt: new Date(now + 5 * DAY), createdAt: app.now() }).run();

  // Maya handed Essay two in, shared with the class only (a public hub's teachers count it); Priya only Essay one.
  const mayaEssay = await makeArtifact(app, maya, { title: 'Maya essay two', slug: 'essay-two', visibility: 'members', tags: ['eng10', 'essay2'] });
  const priyaEssay = await makeArtifact(app, priya, { title: 'Priya essay one', slug: 'essay-one', visibility: 'public', tags: ['eng10', 'essay1'] });
  const theoDraft = await makeArtifact(app, theo, { title: 'Theo draft', slug: 'draft', visibility: 'public', tags: ['eng10'] });
  const mayaPrivate = await makeArtifact(app, maya, { title: 'Maya private diary', slug: 'diary', visibility: 'private', tags: ['eng10'] });
  const leoPiece = await makeArtifact(app, leo, { title: 'Leo cells', slug: 'cells', visibility: 'members', tags: ['bio9', 'cells'] });
  const samPiece = await makeArtifact(app, sam, { title: 'Sam cells', slug: 'cells', visibility: 'members', tags: ['bio9', 'cells'] });
  const t = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);
  // Waiting: Okafor wrote as English Ten, Maya answered.
  say(mayaEssay.id, okafor, 'teacher', eng.id, t(60));
  say(mayaEssay.id, maya, 'owner', null, t(30));
  // Waiting: Priya asked first; no teacher has written yet.
  say(priyaEssay.id, priya, 'owner', null, t(50));
  // Not waiting: Okafor answered Theo last.
  say(theoDraft.id, theo, 'owner', null, t(40));
  say(theoDraft.id, okafor, 'teacher', eng.id, t(20));
  // Not waiting for Okafor: Leo's thread is Mr Bell's (he wrote as Biology Nine).
  say(leoPiece.id, bell, 'teacher', bio.id, t(45));
  say(leoPiece.id, leo, 'owner', null, t(10));
  // Not listed: a private piece, which teachers cannot read.
  say(mayaPrivate.id, maya, 'owner', null, t(5));
  say(samPiece.id, sam, 'owner', null, t(5));
  Object.assign(threads, { maya: mayaEssay.id, priya: priyaEssay.id, theo: theoDraft.id, leo: leoPiece.id, private: mayaPrivate.id, sam: samPiece.id });
}, 120_000);

afterAll(() => server?.stop());

describe('signing in', () => {
  it('lands a teacher on their hubs, a student on their workspace, a guardian on /family, and still honours next', async () => {
    const parent = await makeUser(app, { role: 'guardian' });
    for (const [user, expected] of [
      [okafor, '/workspace/teaching'],
      [maya, '/workspace'],
      [parent, '/family'],
    ] as const) {
      const res = await new Browser(server.url).postForm('/signin', { login: user.handle, password: `password-${user.handle}` });
      expect(res.status, user.handle).toBe(303);
      expect(res.headers.get('location'), user.handle).toBe(expected);
    }
    const res = await new Browser(server.url).postForm('/signin?next=%2Fworkspace%2Fstudents', { login: okafor.handle, password: 'password-ms-okafor', next: '/workspace/students' });
    expect(res.headers.get('location')).toBe('/workspace/students');
  });
});

describe('the teacher’s landing page', () => {
  it('is for teachers: students get 403, the public the sign-in page', async () => {
    expect((await signedIn(server.url, app, maya).get('/workspace/teaching')).status).toBe(403);
    expect((await new Browser(server.url).get('/workspace/teaching')).status).toBe(303);
  });

  it('lists the feedback threads waiting for this hub’s teacher, linking to each thread, and no other', async () => {
    const html = await (await signedIn(server.url, app, okafor).get('/workspace/teaching')).text();
    const waiting = part(html, 'eng-public', 'waiting');
    expect(waiting).toContain('Feedback waiting for you: 2');
    expect(waiting).toContain(`/workspace/artifacts/${threads.maya}/feedback`);
    expect(waiting).toContain(`/workspace/artifacts/${threads.priya}/feedback`);
    for (const other of ['theo', 'leo', 'private', 'sam']) expect(html, other).not.toContain(threads[other]!);
    expect(html).not.toContain('Maya private diary');
    // Oldest waiting first: Priya asked 50 minutes ago, Maya answered 30 minutes ago.
    expect(waiting.indexOf(threads.priya!)).toBeLessThan(waiting.indexOf(threads.maya!));
  });

  it('shows who has not contributed to the next assignment due, leaving out disabled and invited accounts', async () => {
    const html = await (await signedIn(server.url, app, okafor).get('/workspace/teaching')).text();
    const missing = part(html, 'eng-public', 'missing');
    expect(missing).toContain('Essay two');
    expect(missing).not.toContain('Essay one');
    expect(missing).toContain(': 3');
    for (const name of ['Theo Marsh', 'Priya Shah', 'Leo Both']) expect(missing, name).toContain(name);
    for (const name of ['Maya Lind', 'Dan Disabled', 'Ivy Invited']) expect(missing, name).not.toContain(name);
    expect(missing).toContain('1 of 4 contributed');
  });

  it('never shows another teacher’s hub or its students; that teacher sees their own', async () => {
    const html = await (await signedIn(server.url, app, okafor).get('/workspace/teaching')).text();
    expect(html).toContain('English Ten');
    expect(html).not.toContain('Biology Nine');
    expect(html).not.toContain('Sam Otherclass');
    expect(html).not.toContain('Leo cells');
    const theirs = await (await signedIn(server.url, app, bell).get('/workspace/teaching')).text();
    expect(theirs).not.toContain('English Ten');
    const waiting = part(theirs, 'bio', 'waiting');
    expect(waiting).toContain('Feedback waiting for you: 2');
    expect(waiting).toContain(threads.leo!);
    expect(waiting).toContain(threads.sam!);
    expect(theirs).not.toContain(threads.maya!);
  });

  it('counts what is new since the teacher last opened the hub’s page, class-only work included', async () => {
    const teacher = signedIn(server.url, app, okafor);
    const before = part(await (await teacher.get('/workspace/teaching')).text(), 'eng-public', 'new');
    expect(before).toContain('you have not opened this hub yet');
    // Everything so far: Maya's essay (class only), Priya's essay, Theo's draft.
    expect(before).toContain(': 3');
    expect(before).toContain('Maya essay two');
    expect(before).not.toContain('Maya private diary');

    expect((await teacher.get('/hubs/eng-public/')).status).toBe(200);
    const visit = app.db.select().from(hubVisits).where(eq(hubVisits.userId, okafor.id)).all();
    expect(visit.map((v) => v.hubId)).toEqual([eng.id]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await makeArtifact(app, theo, { title: 'Fresh class-only note', slug: 'fresh', visibility: 'members', tags: ['eng10'] });
    await makeArtifact(app, sam, { title: 'Fresh in biology', slug: 'fresh', visibility: 'members', tags: ['bio9'] });
    await makeArtifact(app, okafor, { title: 'My own announcement', slug: 'announcement', visibility: 'public', tags: ['eng10'] });

    const html = await (await teacher.get('/workspace/teaching')).text();
    const fresh = part(html, 'eng-public', 'new');
    expect(fresh).toContain('since your last visit');
    expect(fresh).toContain(`datetime="${visit[0]!.visitedAt.toISOString()}"`);
    expect(fresh).toContain(': 1');
    expect(fresh).toContain('Fresh class-only note');
    expect(fresh).not.toContain('Maya essay two');
    expect(html).not.toContain('Fresh in biology');
    // The teacher's own post is in the river, not news to them.
    expect(fresh).not.toContain('My own announcement');
    // The hub's link is its members' view, where that class-only note shows.
    expect(part(html, 'eng-public')).toContain('href="/hubs/eng-public/?view=members"');

    // Opening the hub again moves the visit on: nothing new.
    await teacher.get('/hubs/eng-public/');
    expect(part(await (await teacher.get('/workspace/teaching')).text(), 'eng-public', 'new')).toContain('Nothing new.');
    // A student's visit is theirs, not the teacher's; the public and an invitee (not yet a member) leave none.
    await signedIn(server.url, app, maya).get('/hubs/eng-public/');
    expect((await new Browser(server.url).get('/hubs/eng-public/')).status).toBe(200);
    expect((await signedIn(server.url, app, ivy).get('/hubs/eng-public/')).status).toBe(200);
    expect(app.db.select().from(hubVisits).where(eq(hubVisits.hubId, eng.id)).all().map((v) => v.userId).sort()).toEqual([maya.id, okafor.id].sort());
  });

  it('is linked from the teacher’s workspace', async () => {
    expect(await (await signedIn(server.url, app, okafor).get('/workspace')).text()).toContain('href="/workspace/teaching"');
    expect(await (await signedIn(server.url, app, maya).get('/workspace')).text()).not.toContain('href="/workspace/teaching"');
  });
});
