// Consented enrolment (issue #11, "High"): a teacher who adds a student by handle only invites them. Until the
// student accepts, nothing of theirs reaches that teacher or that hub: not the class-only page, the river, My
// students, progress, the hub's feeds or search. A join code, an accepted invitation or an admin's roster counts.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { joinHubWithCode } from '../../../src/commands/hubJoiner.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { auditEvents, hubMembers, type Hub, type User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import type { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let okafor: User;
let intruder: User;
let maya: User;
let priya: User;
let theo: User;
let kai: User;
let stolen: Hub;
let pieceId: string;
const as = new Map<string, Browser>();
const browser = (u: User) => as.get(u.handle)!;

const CLASS_PIECE = '/@maya/class-reflection/';
const TITLE = 'Reflection on the quiet lighthouse';

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  okafor = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  intruder = await makeUser(app, { handle: 'mr-intruder', role: 'teacher', name: 'Mr Intruder' });
  maya = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  priya = await makeUser(app, { handle: 'priya', name: 'Priya S' });
  theo = await makeUser(app, { handle: 'theo', name: 'Theo K' });
  kai = await makeUser(app, { handle: 'kai', name: 'Kai M' });
  // Maya and Theo joined Ms Okafor's class with her join code; Kai too.
  const english = createHub(app, { actor: { id: okafor.id, role: 'teacher' }, input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'members' } });
  const code = createJoinCode(app, { role: 'student', createdBy: okafor.id, hubId: english.id });
  for (const s of [maya, theo, kai]) joinHubWithCode(app, { userId: s.id, code: code.code });
  // Tagged with the intruder's hub tag too, so that only consent keeps it out of that hub.
  pieceId = (await makeArtifact(app, maya, { title: TITLE, slug: 'class-reflection', visibility: 'members', tags: ['eng10', 'lighthouse'], body: 'The quiet lighthouse keeps its light.' })).id;
  await makeArtifact(app, kai, { title: 'Kai lighthouse notes', slug: 'notes', visibility: 'members', tags: ['lighthouse'], body: 'Lighthouse notes.' });
  // The intruder is in no hub of Maya's, makes one with the same interest and a members-only river.
  stolen = createHub(app, { actor: { id: intruder.id, role: 'teacher' }, input: { slug: 'lighthouse-club', title: 'Lighthouse club', tags: 'lighthouse', visibility: 'members' } });
  for (const u of [okafor, intruder, maya, priya, theo, kai]) as.set(u.handle, signedIn(server.url, app, u));
  // Exactly as reproduced: the intruder adds Maya and another student by handle, through the members page.
  for (const handle of ['maya', 'priya', 'kai']) {
    const res = await browser(intruder).postForm('/hubs/lighthouse-club/members', { intent: 'add', handle, role: 'student' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/hubs/lighthouse-club/members?invited=${handle}`);
  }
}, 120_000);

afterAll(() => server?.stop());

const status = async (who: User, path: string) => (await browser(who).get(path)).status;
// Search marks matched words (`<mark>lighthouse</mark>`): the page's text is read without the marks, so a title that
// leaked into results is still found by the assertions below.
const text = async (who: User, path: string) => {
  const res = await browser(who).get(path);
  expect(res.status).toBe(200);
  return (await res.text()).replace(/<\/?mark>/g, '');
};

describe('a teacher who adds a student by handle only invites them', () => {
  it('keeps the class-only piece 404 for that teacher and the other invitee, and out of every view of the hub', async () => {
    expect(await status(intruder, CLASS_PIECE)).toBe(404);
    expect(await status(priya, CLASS_PIECE)).toBe(404);
    expect(await text(intruder, '/hubs/lighthouse-club/')).not.toContain(TITLE);
    expect(await text(intruder, '/hubs/lighthouse-club/?q=lighthouse')).not.toContain(TITLE);
    expect(await text(intruder, '/hubs/lighthouse-club/progress')).not.toContain('Maya L');
    const students = await text(intruder, '/workspace/students');
    expect(students).not.toContain(TITLE);
    expect(students).not.toContain('@maya');
    expect(await text(intruder, '/workspace/students?q=lighthouse')).not.toContain(TITLE);
    // The portfolio's list for the intruder is the public one.
    expect(await text(intruder, '/@maya/')).not.toContain(TITLE);
    // A members-only hub's feeds carry public work only, and are for its members: the invitee is not one yet.
    expect(await status(maya, '/hubs/lighthouse-club/')).toBe(404);
    const feed = await browser(intruder).get('/hubs/lighthouse-club/feed.xml');
    expect(await feed.text()).not.toContain(TITLE);
  });

  it('shows the invitation to the student and the hub lists them as invited', async () => {
    const members = await text(intruder, '/hubs/lighthouse-club/members');
    expect(members).toMatch(/@maya[\s\S]*invited/);
    expect(members).toContain('3 invited');
    for (const path of ['/workspace', '/workspace/hubs']) {
      const page = await text(maya, path);
      expect(page).toContain('Invitations to course hubs');
      expect(page).toContain('Lighthouse club');
      expect(page).toContain('Mr Intruder (@mr-intruder)');
    }
    expect(await text(theo, '/workspace/hubs')).not.toContain('Lighthouse club');
  });

  it('cannot be accepted by anyone but the invitee, nor by a cross-site form', async () => {
    const accept = { intent: 'accept', hubId: stolen.id };
    expect((await browser(theo).postForm('/workspace/hubs', accept)).status).toBe(404);
    expect((await browser(intruder).postForm('/workspace/hubs', accept)).status).toBe(404);
    expect((await browser(maya).postForm('/workspace/hubs', accept, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await browser(maya).postForm('/workspace/hubs', { intent: 'accept', hubId: 'no-such-hub' })).status).toBe(404);
    const rows = server.app.db.select().from(hubMembers).where(eq(hubMembers.hubId, stolen.id)).all();
    expect(rows.find((r) => r.userId === theo.id)).toBeUndefined();
    expect(rows.find((r) => r.userId === maya.id)?.enrolment).toBe('invited');
    expect(await status(intruder, CLASS_PIECE)).toBe(404);
  });

  it('declining leaves the piece 404 and removes the invitation', async () => {
    const res = await browser(kai).postForm('/workspace/hubs', { intent: 'decline', hubId: stolen.id });
    expect(res.status).toBe(303);
    expect(await status(intruder, '/@kai/notes/')).toBe(404);
    expect(await text(intruder, '/hubs/lighthouse-club/')).not.toContain('Kai lighthouse notes');
    expect(server.app.db.select().from(hubMembers).where(and(eq(hubMembers.hubId, stolen.id), eq(hubMembers.userId, kai.id))).get()).toBeUndefined();
    // Declining twice is the missing invitation's 404.
    expect((await browser(kai).postForm('/workspace/hubs', { intent: 'decline', hubId: stolen.id })).status).toBe(404);
  });

  it('a join-code member sees the piece as before', async () => {
    expect(await status(theo, CLASS_PIECE)).toBe(200);
    expect(await status(okafor, CLASS_PIECE)).toBe(200);
    expect(await text(okafor, '/workspace/students')).toContain(TITLE);
  });

  it('accepting makes the piece readable to that hub and its teacher', async () => {
    const editor = `/workspace/artifacts/${pieceId}`;
    expect(await text(maya, editor)).toContain('Who can see this:</strong> Class members: English 10 (Ms Okafor and 2 classmates).');
    const res = await browser(maya).postForm('/workspace/hubs', { intent: 'accept', hubId: stolen.id });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/hubs/lighthouse-club/?joined=1');
    expect(await status(intruder, CLASS_PIECE)).toBe(200);
    expect(await text(intruder, '/hubs/lighthouse-club/')).toContain(TITLE);
    expect(await text(intruder, '/workspace/students')).toContain(TITLE);
    // Priya has not accepted: still nothing, though she is invited to the same hub.
    expect(await status(priya, CLASS_PIECE)).toBe(404);
    expect(await text(maya, '/workspace/hubs')).not.toContain('Invitations to course hubs');
    expect(await text(maya, editor)).toContain('Class members: English 10 (Ms Okafor and 2 classmates); Lighthouse club (Mr Intruder).');
  });

  it('a join code used while invited, or an admin adding the invitee, turns the invitation into the membership', async () => {
    const lighthouseCode = createJoinCode(server.app, { role: 'student', createdBy: intruder.id, hubId: stolen.id });
    // Regression: an open invitation made the join code fail with a server error (the row already existed).
    expect(joinHubWithCode(server.app, { userId: priya.id, code: lighthouseCode.code }).hub.id).toBe(stolen.id);
    const row = server.app.db.select().from(hubMembers).where(and(eq(hubMembers.hubId, stolen.id), eq(hubMembers.userId, priya.id))).get();
    expect(row?.enrolment).toBe('join_code');
    expect(() => joinHubWithCode(server.app, { userId: priya.id, code: lighthouseCode.code })).toThrow(/already in Lighthouse club/);
    const zoe = await makeUser(server.app, { handle: 'zoe' });
    addHubMember(server.app, { actor: { id: intruder.id, role: 'teacher' }, hubId: stolen.id, handle: 'zoe' });
    expect(() => addHubMember(server.app, { actor: { id: intruder.id, role: 'teacher' }, hubId: stolen.id, handle: 'zoe' })).toThrow(/already invited/);
    expect(addHubMember(server.app, { actor: null, hubId: stolen.id, handle: 'zoe' }).enrolment).toBe('admin');
    expect(server.app.db.select().from(hubMembers).where(and(eq(hubMembers.hubId, stolen.id), eq(hubMembers.userId, zoe.id))).get()?.enrolment).toBe('admin');
  });

  it('an admin adds by handle at once (a roster), and every step is in the audit log once', async () => {
    const admin = await makeUser(server.app, { handle: 'school-admin', role: 'admin' });
    const added = addHubMember(server.app, { actor: { id: admin.id, role: 'admin' }, hubId: stolen.id, handle: 'theo' });
    expect(added.enrolment).toBe('admin');
    const actions = server.app.db.select().from(auditEvents).all().map((e) => `${e.action} ${e.subjectHandle}`);
    expect(actions.filter((a) => a === 'hub.member.invited maya')).toHaveLength(1);
    expect(actions.filter((a) => a === 'hub.invitation.accepted maya')).toHaveLength(1);
    expect(actions.filter((a) => a === 'hub.invitation.declined kai')).toHaveLength(1);
    expect(actions.filter((a) => a === 'hub.member.added maya')).toHaveLength(1); // her join code
    expect(actions.filter((a) => a === 'hub.member.added theo')).toHaveLength(2); // join code, then the admin
    // Who, what, and from where: the invitation and the answer carry the address they came from.
    const events = server.app.db.select().from(auditEvents).all();
    for (const action of ['hub.member.invited', 'hub.invitation.accepted']) {
      const event = events.find((e) => e.action === action && e.subjectHandle === 'maya');
      expect(event?.address, action).toMatch(/127\.0\.0\.1/);
    }
    expect(events.find((e) => e.action === 'hub.member.invited' && e.subjectHandle === 'maya')?.actorHandle).toBe('mr-intruder');
  });
});
