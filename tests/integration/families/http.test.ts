/**
 * Families against a real server: a teacher's family code, sign-up with it, the guardian's reading (their child's
 * public and class-only work, never private; nothing of another child), the /family home, the workspace closed to
 * guardians, the student's account page, and the admin's list and unlink (page and CLI).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { joinHubWithCode } from '../../../src/commands/hubJoiner.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { artifacts, feedbackMessages, guardianLinks, hubMembers, joinCodes, sessions, users, type Artifact, type User } from '../../../src/server/db/schema.ts';
import { getPolicy, setPolicy } from '../../../src/server/policy.ts';
import { picture } from '../../fixtures/media/generate.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

const DAY = 24 * 60 * 60 * 1000;
let server: TestServer;
let maya: User;
let theo: User;
let okafor: User;
let admin: User;
let gran: User;
let granBrowser: Browser;
let hubCode: string;
const piece: Record<string, Artifact> = {};
let theoPictureId: string;

const as = (user: User) => signedIn(server.url, server.app, user);
const body = async (res: Response) => res.text();
const linkRows = () => server.app.db.select().from(guardianLinks).all();
const feedback = (artifact: Artifact, text: string, createdAt = new Date()) =>
  server.app.db
    .insert(feedbackMessages)
    .values({ id: server.app.newId(), artifactId: artifact.id, authorId: okafor.id, authorName: 'Ms Okafor', authorRole: 'teacher', body: text, html: `<p>${text}</p>`, revision: 1, createdAt })
    .run();

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  maya = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  theo = await makeUser(app, { handle: 'theo', name: 'Theo K' });
  await makeUser(app, { handle: 'priya', name: 'Priya S' });
  okafor = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  admin = await makeUser(app, { handle: 'school-admin', role: 'admin', name: 'School Admin' });
  const english = createHub(app, { actor: { id: okafor.id, role: 'teacher' }, input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'members' } });
  hubCode = createJoinCode(app, { role: 'student', createdBy: okafor.id, hubId: english.id }).code;
  for (const s of [maya, theo]) joinHubWithCode(app, { userId: s.id, code: hubCode });

  piece.public = await makeArtifact(app, maya, { title: 'Maya public poem', slug: 'public-poem', visibility: 'public', tags: ['eng10'] });
  piece.classOnly = await makeArtifact(app, maya, { title: 'Maya class essay', slug: 'class-essay', visibility: 'members', tags: ['eng10'] });
  piece.private = await makeArtifact(app, maya, { title: 'Maya private diary', slug: 'private-diary', visibility: 'private', tags: ['eng10'] });
  piece.unlisted = await makeArtifact(app, maya, { title: 'Maya unlisted draft', slug: 'unlisted-draft', visibility: 'unlisted' });
  piece.old = await makeArtifact(app, maya, { title: 'Maya old essay', slug: 'old-essay', visibility: 'members', date: new Date(Date.now() - 10 * DAY) });
  const drawing = await uploadMedia(app, { ownerId: theo.id, file: { name: 'drawing.jpg', bytes: await picture(40, 30) }, alt: 'A drawing' });
  theoPictureId = drawing.id;
  piece.theoClass = await makeArtifact(app, theo, { title: 'Theo class secret', slug: 'class-secret', visibility: 'members', tags: ['eng10'], body: `Mine. ![A drawing](media:${drawing.id})` });
  piece.theoPublic = await makeArtifact(app, theo, { title: 'Theo public piece', slug: 'public-piece', visibility: 'public', tags: ['eng10'] });

  feedback(piece.classOnly, 'FEEDBACK-CANARY-CLASS');
  feedback(piece.public, 'FEEDBACK-CANARY-OLD', new Date(Date.now() - 9 * DAY));
  feedback(piece.private, 'FEEDBACK-CANARY-PRIVATE');
  feedback(piece.theoClass, 'FEEDBACK-CANARY-THEO');
}, 120_000);

afterAll(() => server?.stop());

describe('family codes from the join-code pages', () => {
  it('a teacher makes one for a student they teach; not for another student; a student cannot', async () => {
    const teacher = as(okafor);
    const refused = await teacher.postForm('/workspace/joincodes', { intent: 'create-family-code', studentHandle: 'priya' });
    expect(refused.status).toBe(403);
    expect(await body(refused)).toContain('only for students in a hub you teach');
    const student = await as(maya).postForm('/workspace/joincodes', { intent: 'create-family-code', studentHandle: 'theo' });
    expect(student.status).toBe(403);
    expect(server.app.db.select().from(joinCodes).where(eq(joinCodes.role, 'guardian')).all()).toEqual([]);

    const ok = await teacher.postForm('/workspace/joincodes', { intent: 'create-family-code', studentHandle: '@Maya' });
    expect(ok.status).toBe(303);
    const code = new URL(ok.headers.get('location')!, server.url).searchParams.get('created')!;
    expect(server.app.db.select().from(joinCodes).where(eq(joinCodes.code, code)).get()).toMatchObject({ role: 'guardian', studentId: maya.id, createdBy: okafor.id, hubId: null });
    const page = await body(await teacher.get(`/workspace/joincodes?created=${code}`));
    expect(page).toContain('New family code for the guardians of @maya');
    expect(page).toContain('family of @maya');
  });

  it('an admin makes one for any student from /admin; a guardian code without a student is refused', async () => {
    const browser = as(admin);
    const missing = await browser.postForm('/admin', { intent: 'create-code', role: 'guardian', studentHandle: '', days: '30' });
    expect(missing.status).toBe(400);
    expect(await body(missing)).toContain('A guardian code names the student');
    const ok = await browser.postForm('/admin', { intent: 'create-code', role: 'guardian', studentHandle: 'priya', days: '30' });
    expect(ok.status).toBe(303);
    const priya = server.app.db.select().from(users).where(eq(users.handle, 'priya')).get()!;
    expect(server.app.db.select().from(joinCodes).where(and(eq(joinCodes.role, 'guardian'), eq(joinCodes.studentId, priya.id))).all()).toHaveLength(1);
  });
});

describe('a guardian', () => {
  it('signs up with the family code and lands on /family, linked to the child by the teacher', async () => {
    const code = server.app.db.select().from(joinCodes).where(and(eq(joinCodes.role, 'guardian'), eq(joinCodes.studentId, maya.id))).get()!.code;
    granBrowser = new Browser(server.url);
    const res = await granBrowser.postForm('/signup', { code, name: 'Gran L', handle: 'gran', email: '', password: 'violet kettle mountain' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/family');
    gran = server.app.db.select().from(users).where(eq(users.handle, 'gran')).get()!;
    expect(gran.role).toBe('guardian');
    expect(linkRows()).toEqual([{ guardianId: gran.id, studentId: maya.id, linkedBy: okafor.id, createdAt: expect.any(Date) }]);
    expect((await granBrowser.get('/family')).status).toBe(200);
    // A guardian has no portfolio: their name is not published at /@gran/, to anyone.
    for (const browser of [granBrowser, new Browser(server.url)]) {
      for (const path of ['/@gran/', '/@gran/feed.xml']) expect((await browser.get(path)).status, path).toBe(404);
    }
  });

  it('reads the child’s public and class-only work and sees it listed; never the private piece; unlisted only by its link', async () => {
    for (const p of [piece.public, piece.classOnly, piece.unlisted]) expect((await granBrowser.get(`/@maya/${p.slug}/`)).status).toBe(200);
    expect((await granBrowser.get(`/@maya/${piece.private.slug}/`)).status).toBe(404);
    const portfolio = await body(await granBrowser.get('/@maya/'));
    expect(portfolio).toContain('Maya public poem');
    expect(portfolio).toContain('Maya class essay');
    expect(portfolio).not.toContain('Maya private diary');
    expect(portfolio).not.toContain('Maya unlisted draft');
    // The same page for someone not signed in lists the public piece only: the link is what lets the guardian in.
    expect(await body(await new Browser(server.url).get('/@maya/'))).not.toContain('Maya class essay');
  });

  it('of one child finds nothing of another child’s class-only work: piece, listings, media, tags, feeds, hub river', async () => {
    expect((await granBrowser.get(`/@theo/${piece.theoClass.slug}/`)).status).toBe(404);
    expect((await granBrowser.get(`/media/${theoPictureId}/`)).status).toBe(404);
    expect((await granBrowser.get(`/media/${theoPictureId}/original.jpg`)).status).toBe(404);
    for (const path of ['/@theo/', '/@theo/tags/eng10/', '/@theo/feed.xml', '/@theo/feed.json', '/@theo/tags/eng10/feed.xml', '/@theo/archive/']) {
      const res = await granBrowser.get(path);
      const text = await body(res);
      expect(text, path).not.toContain('Theo class secret');
    }
    expect(await body(await granBrowser.get('/@theo/'))).toContain('Theo public piece');
    // The class hub's river is its members' (the guardian is none), and the hub list does not name it to them.
    expect((await granBrowser.get('/hubs/english-10/')).status).toBe(404);
    expect((await granBrowser.get('/hubs/english-10/feed.xml')).status).toBe(404);
    expect(await body(await granBrowser.get('/hubs/'))).not.toContain('Theo class secret');
    const family = await body(await granBrowser.get('/family'));
    expect(family).not.toContain('Theo');
  });

  it('has no workspace: writing, importing, publishing, joining hubs and the editor’s endpoints are refused, pointing to /family', async () => {
    const start = await granBrowser.get('/workspace');
    expect(start.status).toBe(303);
    expect(start.headers.get('location')).toBe('/family');
    for (const path of ['/workspace/artifacts/new', '/workspace/import', '/workspace/publish', '/workspace/export', '/workspace/site', '/workspace/media', '/workspace/hubs', '/workspace/showcases/new', `/workspace/artifacts/${piece.classOnly.id}`]) {
      const res = await granBrowser.get(path);
      expect(res.status, path).toBe(403);
      expect(await body(res), path).toContain('/family');
    }
    // Another spelling of the address is no way around the guard.
    for (const path of ['/WORKSPACE/import', '/workspace//import', '/workspace/./import', '/workspace/artifacts/x/feedback/../../new']) {
      const res = await granBrowser.get(path);
      expect([403, 404], path).toContain(res.status);
      await res.arrayBuffer();
    }
    const write = await granBrowser.postForm('/workspace/artifacts/new', { title: 'Gran writes', body: 'Hello', visibility: 'public', kind: 'post' });
    expect(write.status).toBe(403);
    await write.arrayBuffer();
    const join = await granBrowser.postForm('/workspace/hubs', { code: hubCode });
    expect(join.status).toBe(403);
    await join.arrayBuffer();
    for (const path of ['/api/drafts', '/api/media', '/api/preview']) {
      const res = await granBrowser.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status, path).toBe(403);
      await res.arrayBuffer();
    }
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.ownerId, gran.id)).all()).toEqual([]);
    expect(server.app.db.select().from(hubMembers).where(eq(hubMembers.userId, gran.id)).all()).toEqual([]);
    // The feedback thread of a child's piece is the one workspace address the guard leaves to its own page.
    expect(await body(await granBrowser.get(`/workspace/artifacts/${piece.classOnly.id}/feedback`))).not.toContain('does not have a workspace');
  });

  it('sees on /family only this week’s readable work, and feedback only when the school allows it', async () => {
    setPolicy(server.app, { guardiansSeeFeedback: false });
    let page = await body(await granBrowser.get('/family'));
    expect(page).toContain('Maya public poem');
    expect(page).toContain('Maya class essay');
    expect(page).toContain('href="/@maya/"');
    expect(page).toContain(`href="/@maya/${piece.classOnly.slug}/"`);
    for (const absent of ['Maya private diary', 'Maya unlisted draft', 'Maya old essay', 'FEEDBACK-CANARY', 'Feedback this week']) expect(page).not.toContain(absent);

    setPolicy(server.app, { guardiansSeeFeedback: true });
    page = await body(await granBrowser.get('/family'));
    expect(page).toContain('Feedback this week');
    expect(page).toContain('FEEDBACK-CANARY-CLASS');
    expect(page).toContain(`href="/workspace/artifacts/${piece.classOnly.id}/feedback"`);
    for (const absent of ['FEEDBACK-CANARY-OLD', 'FEEDBACK-CANARY-PRIVATE', 'FEEDBACK-CANARY-THEO', 'Maya private diary']) expect(page).not.toContain(absent);
    setPolicy(server.app, { guardiansSeeFeedback: false });
  });

  it('adds a second child with another family code on /family; a wrong code changes nothing', async () => {
    const wrong = await granBrowser.postForm('/family', { code: hubCode });
    expect(wrong.status).toBe(400);
    expect(await body(wrong)).toContain('not a family code');
    expect(linkRows()).toHaveLength(1);
    const code = createJoinCode(server.app, { role: 'guardian', createdBy: admin.id, studentHandle: 'theo' }).code;
    const ok = await granBrowser.postForm('/family', { code });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/family?linked=theo');
    const page = await body(await granBrowser.get('/family?linked=theo'));
    expect(page).toContain('You are now linked to Theo K');
    expect(page).toContain('Theo class secret');
    expect((await granBrowser.get(`/@theo/${piece.theoClass.slug}/`)).status).toBe(200);
  });

  it('is shown to the student on their account page, with when the link was made', async () => {
    const page = await body(await as(maya).get('/account'));
    expect(page).toContain('Your guardians');
    expect(page).toMatch(/<strong>Gran L<\/strong> \(@gran\), linked \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    const priya = server.app.db.select().from(users).where(eq(users.handle, 'priya')).get()!;
    expect(await body(await as(priya).get('/account'))).toContain('No parent or guardian is linked to your account.');
  });

  it('has /family to themselves: a student is pointed to their workspace and cannot use a family code there', async () => {
    const page = await body(await as(maya).get('/family'));
    expect(page).toContain('This page is for parents and guardians');
    expect(page).not.toContain('Add a child');
    const code = createJoinCode(server.app, { role: 'guardian', createdBy: admin.id, studentHandle: 'theo' }).code;
    const res = await as(maya).postForm('/family', { code });
    expect(res.status).toBe(403);
    expect(server.app.db.select().from(guardianLinks).where(eq(guardianLinks.guardianId, maya.id)).all()).toEqual([]);
    expect(server.app.db.select().from(joinCodes).where(eq(joinCodes.code, code)).get()!.uses).toBe(0);
    expect((await new Browser(server.url).get('/family')).headers.get('location')).toContain('/signin');
  });
});

describe('admins and families', () => {
  it('list links with search; nobody else may open the page', async () => {
    const browser = as(admin);
    const all = await body(await browser.get('/admin/guardians'));
    expect(all).toContain('Gran L (@gran)');
    expect(all).toContain('Maya L (@maya)');
    expect(all).toContain('Theo K (@theo)');
    expect(all).toContain('@ms-okafor');
    const searched = await body(await browser.get('/admin/guardians?q=theo'));
    expect(searched).toContain('1 link matching');
    expect(searched).not.toContain('Maya L (@maya)');
    expect(await body(await browser.get('/admin'))).toContain('href="/admin/guardians"');
    for (const who of [okafor, maya, gran]) expect((await as(who).get('/admin/guardians')).status).toBe(403);
  });

  it('remove a link after giving their password again; a non-admin’s post changes nothing', async () => {
    const target = `/admin/guardians?guardian=${gran.id}&student=${maya.id}`;
    const intruder = await as(okafor).postForm(target, { password: 'password-ms-okafor' });
    expect(intruder.status).toBe(403);
    expect((await granBrowser.postForm(target, {})).status).toBe(403);
    expect(linkRows()).toHaveLength(2);

    const browser = as(admin);
    // The admin signed in more than 10 minutes ago: the removal asks for their password again.
    server.app.db.update(sessions).set({ reauthenticatedAt: new Date(Date.now() - 11 * 60_000) }).where(eq(sessions.userId, admin.id)).run();
    const confirm = await body(await browser.get(target));
    expect(confirm).toContain('Remove the link between @gran and @maya?');
    expect(confirm).toContain('name="password"');
    const noPassword = await browser.postForm(target, {});
    expect(noPassword.status).toBe(400);
    const wrong = await browser.postForm(target, { password: 'not my password' });
    expect(wrong.status).toBe(400);
    expect(linkRows()).toHaveLength(2);
    const ok = await browser.postForm(target, { password: 'password-school-admin' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/admin/guardians?removed=gran%3Amaya');
    expect(await body(await browser.get('/admin/guardians?removed=gran%3Amaya'))).toContain('@gran is no longer linked to @maya.');
    expect(linkRows().map((l) => l.studentId)).toEqual([theo.id]);
    // At once: the class-only piece is gone for the former guardian, and a link that is gone answers 404.
    expect((await granBrowser.get(`/@maya/${piece.classOnly.slug}/`)).status).toBe(404);
    expect((await browser.get(target)).status).toBe(404);
  });

  it('set the three family and feedback settings on the policy page', async () => {
    const browser = as(admin);
    const page = await body(await browser.get('/admin/policy'));
    for (const name of ['guardiansSeeFeedback', 'peerReview', 'digestOnlyUnderAge']) expect(page).toContain(`name="${name}"`);
    const bad = await browser.postForm('/admin/policy', { defaultVisibility: 'members', schoolName: '', digestOnlyUnderAge: '99' });
    expect(bad.status).toBe(400);
    expect(getPolicy(server.app).digestOnlyUnderAge).toBe(18);
    const ok = await browser.postForm('/admin/policy', { defaultVisibility: 'members', schoolName: '', guardiansSeeFeedback: 'on', peerReview: 'on', digestOnlyUnderAge: '16' });
    expect(ok.status).toBe(303);
    expect(getPolicy(server.app)).toMatchObject({ guardiansSeeFeedback: true, peerReview: true, digestOnlyUnderAge: 16 });
    await browser.postForm('/admin/policy', { defaultVisibility: 'members', schoolName: '', digestOnlyUnderAge: '18' });
    expect(getPolicy(server.app)).toMatchObject({ guardiansSeeFeedback: false, peerReview: false, digestOnlyUnderAge: 18 });
  });

  it('use the CLI: family codes, guardians list, guardians unlink, birth years', async () => {
    const env = { POTLUCK_DATA: server.dataDir };
    const noStudent = await runCli(['joincode', 'create', '--role', 'guardian'], { env });
    expect(noStudent.code).toBe(2);
    expect(noStudent.err).toContain('--student');
    const made = await runCli(['joincode', 'create', '--role', 'guardian', '--student', 'maya', '--json'], { env });
    expect(made.code).toBe(0);
    const json = JSON.parse(made.out);
    expect(json).toMatchObject({ role: 'guardian', student: 'maya', maxUses: 1 });
    expect(server.app.db.select().from(joinCodes).where(eq(joinCodes.code, json.code)).get()).toMatchObject({ studentId: maya.id, createdBy: null });
    expect((await runCli(['joincode', 'create', '--role', 'student', '--student', 'maya'], { env })).code).toBe(2);
    expect((await runCli(['joincode', 'create', '--role', 'guardian', '--student', 'ms-okafor'], { env })).code).not.toBe(0);

    const listed = await runCli(['guardians', 'list', '--json'], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([{ guardian: { handle: 'gran', name: 'Gran L' }, student: { handle: 'theo', name: 'Theo K' }, linkedBy: 'school-admin', createdAt: expect.any(String) }]);
    expect(JSON.parse((await runCli(['guardians', 'list', '--student', 'theo', '--json'], { env })).out)).toHaveLength(1);
    expect((await runCli(['guardians', 'list', '--student', 'maya'], { env })).out).toContain('No guardian is linked to @maya.');
    expect((await runCli(['guardians', 'list'], { env })).out).toMatch(/GUARDIAN\s+STUDENT[\s\S]*@gran\s+@theo/);

    const notLinked = await runCli(['guardians', 'unlink', '--guardian', 'gran', '--student', 'maya'], { env });
    expect(notLinked.code).not.toBe(0);
    expect(notLinked.err).toContain('@gran is not linked to @maya');
    expect((await runCli(['guardians', 'unlink', '--guardian', 'gran'], { env })).code).toBe(2);
    const unlinked = await runCli(['guardians', 'unlink', '--guardian', 'gran', '--student', 'theo'], { env });
    expect(unlinked.code).toBe(0);
    expect(unlinked.out).toContain('@gran is no longer linked to @theo.');
    expect(linkRows()).toEqual([]);
    expect((await granBrowser.get(`/@theo/${piece.theoClass.slug}/`)).status).toBe(404);

    const added = await runCli(['user', 'add', '--handle', 'sami', '--name', 'Sami R', '--role', 'student', '--birth-year', '2012'], { env });
    expect(added.code).toBe(0);
    expect(server.app.db.select().from(users).where(eq(users.handle, 'sami')).get()!.birthYear).toBe(2012);
    expect((await runCli(['user', 'add', '--handle', 'sam2', '--name', 'Sam', '--role', 'student', '--birth-year', '12'], { env })).code).toBe(2);
  });
});
