// "My students" over HTTP: every student the teacher teaches by consented enrolment, once, newest work first (those
// with none last), with all their class-shared work (no cut-off), a page of 20 at a time, narrowed by name or handle
// and by hub; disabled accounts, invitees and other teachers' students never listed.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { hubMembers, users, type User } from '../../../src/server/db/schema.ts';
import { listMyStudents } from '../../../src/server/repositories/students.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let app: AppContext;
let okafor: User;
let bell: User;
const students: User[] = [];

/** The handles listed on a page, in order. */
function listed(html: string): string[] {
  return [...html.matchAll(/data-student="([^"]+)"/g)].map((m) => m[1]!);
}

beforeAll(async () => {
  server = await startServer();
  app = server.app;
  okafor = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  bell = await makeUser(app, { handle: 'mr-bell', role: 'teacher', name: 'Mr Bell' });
  const eng = createHub(app, { actor: { id: okafor.id, role: 'teacher' }, input: { slug: 'eng', title: 'English Ten', tags: 'eng10' } });
  const drama = createHub(app, { actor: { id: okafor.id, role: 'teacher' }, input: { slug: 'drama', title: 'Drama Club', tags: 'drama' } });
  const bio = createHub(app, { actor: { id: bell.id, role: 'teacher' }, input: { slug: 'bio', title: 'Biology Nine', tags: 'bio9' } });
  // 25 students, s01..s25; s-k's newest piece is dated k days after 1 Sep 2025, so s25 is newest. s25 has 8 pieces.
  for (let i = 1; i <= 25; i++) {
    const handle = `s${String(i).padStart(2, '0')}`;
    const s = await makeUser(app, { handle, name: `Student ${handle}` });
    students.push(s);
    addHubMember(app, { actor: null, hubId: i <= 20 ? eng.id : drama.id, handle });
    const pieces = i === 25 ? 8 : 1;
    for (let p = 0; p < pieces; p++) {
      await makeArtifact(app, s, { title: `Piece ${p} of ${handle}`, slug: `piece-${p}`, visibility: 'members', date: new Date(Date.UTC(2025, 8, 1 + i) - p * 3_600_000) });
    }
  }
  // s01 is in both of Okafor's hubs: listed once.
  addHubMember(app, { actor: null, hubId: drama.id, handle: 's01' });
  const quiet = await makeUser(app, { handle: 'quiet', name: 'Quinn Nothingyet' });
  addHubMember(app, { actor: null, hubId: eng.id, handle: 'quiet' });
  await makeArtifact(app, quiet, { title: 'Quinn private', slug: 'secret', visibility: 'private' });
  const gone = await makeUser(app, { handle: 'gone', name: 'Gina Disabled' });
  addHubMember(app, { actor: null, hubId: eng.id, handle: 'gone' });
  await makeArtifact(app, gone, { title: 'Gina piece', slug: 'gina', visibility: 'members', date: new Date(Date.UTC(2026, 0, 1)) });
  app.db.update(users).set({ disabledAt: app.now() }).where(eq(users.id, gone.id)).run();
  const invitee = await makeUser(app, { handle: 'invitee', name: 'Ivo Invited' });
  app.db.insert(hubMembers).values({ hubId: eng.id, userId: invitee.id, role: 'student', joinedAt: app.now(), enrolment: 'invited' }).run();
  await makeArtifact(app, invitee, { title: 'Ivo piece', slug: 'ivo', visibility: 'public' });
  const other = await makeUser(app, { handle: 'othersam', name: 'Sam Otherclass' });
  addHubMember(app, { actor: null, hubId: bio.id, handle: 'othersam' });
  await makeArtifact(app, other, { title: 'Sam piece', slug: 'sam', visibility: 'members', date: new Date(Date.UTC(2026, 0, 2)) });
}, 180_000);

afterAll(() => server?.stop());

describe('My students', () => {
  it('lists every student once, newest work first, those without shared work last, 20 a page', async () => {
    const teacher = signedIn(server.url, app, okafor);
    const first = await (await teacher.get('/workspace/students')).text();
    expect(first).toContain('26 students');
    expect(first).toContain('page 1 of 2');
    const expected = [...students].reverse().map((s) => s.handle);
    expect(listed(first)).toEqual(expected.slice(0, 20));
    expect(first).toContain('rel="next" href="/workspace/students?page=2"');
    const second = await (await teacher.get('/workspace/students?page=2')).text();
    expect(listed(second)).toEqual([...expected.slice(20), 'quiet']);
    expect(second).toContain('rel="prev"');
    // A page past the end shows the last one.
    expect(listed(await (await teacher.get('/workspace/students?page=99')).text())).toEqual(listed(second));
  });

  it('shows all of a student’s class-shared work, not only the first five, and in which hubs they are', async () => {
    const html = await (await signedIn(server.url, app, okafor).get('/workspace/students')).text();
    const card = html.slice(html.indexOf('data-student="s25"'), html.indexOf('data-student="s24"'));
    for (let p = 0; p < 8; p++) expect(card, `piece ${p}`).toContain(`/@s25/piece-${p}/`);
    expect(card).toContain('8 pieces shared with the class');
    const page2 = await (await signedIn(server.url, app, okafor).get('/workspace/students?page=2')).text();
    const s01 = page2.slice(page2.indexOf('data-student="s01"'), page2.indexOf('data-student="quiet"'));
    expect(s01).toContain('Drama Club, English Ten');
    expect(page2).not.toContain('Quinn private');
  });

  it('finds students by part of a name or handle, and by hub', async () => {
    const teacher = signedIn(server.url, app, okafor);
    expect(listed(await (await teacher.get('/workspace/students?who=quinn')).text())).toEqual(['quiet']);
    expect(listed(await (await teacher.get('/workspace/students?who=%40s2')).text())).toEqual(['s25', 's24', 's23', 's22', 's21', 's20']);
    // LIKE's wildcards are text here.
    expect(listed(await (await teacher.get('/workspace/students?who=%25')).text())).toEqual([]);
    const drama = await (await teacher.get('/workspace/students?hub=drama')).text();
    expect(listed(drama)).toEqual(['s25', 's24', 's23', 's22', 's21', 's01']);
    // Another teacher's hub is no filter: every one of Okafor's students, none of Bell's.
    const bio = await (await teacher.get('/workspace/students?hub=bio')).text();
    expect(bio).toContain('26 students');
    expect(bio).not.toContain('othersam');
  });

  it('leaves out disabled accounts, invitees and other teachers’ students, and still searches their work', async () => {
    const teacher = signedIn(server.url, app, okafor);
    const all = [...listed(await (await teacher.get('/workspace/students')).text()), ...listed(await (await teacher.get('/workspace/students?page=2')).text())];
    expect(all).toHaveLength(26);
    for (const handle of ['gone', 'invitee', 'othersam']) expect(all, handle).not.toContain(handle);
    for (const who of ['gina', 'ivo', 'sam']) expect(listed(await (await teacher.get(`/workspace/students?who=${who}`)).text()), who).toEqual([]);
    const search = await (await teacher.get('/workspace/students?q=piece')).text();
    expect(search).toContain('/@s25/piece-0/');
    for (const title of ['Gina piece', 'Ivo piece', 'Sam piece']) expect(search, title).not.toContain(title);
    const theirs = listMyStudents(app, { id: bell.id, role: 'teacher' });
    expect(theirs.students.map((s) => s.handle)).toEqual(['othersam']);
  });

  it('is for teachers: a student gets 403', async () => {
    expect((await signedIn(server.url, app, students[0]!).get('/workspace/students')).status).toBe(403);
  });
});
