// When a student leaves a hub and when a course ends: through the real server, as the people involved would do it
// (forms without JavaScript), and the CLI. Students' work never goes with a hub.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptHubInvitation } from '../../../src/commands/hubInvitationAccepter.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { artifacts, hubMembers, hubs, joinCodes, type Hub, type User } from '../../../src/server/db/schema.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let owner: User;
let coTeacher: User;
let maya: User;
let theo: User;
let hub: Hub;

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  owner = await makeUser(app, { handle: 'ms-lee', role: 'teacher' });
  coTeacher = await makeUser(app, { handle: 'mr-ade', role: 'teacher' });
  maya = await makeUser(app, { handle: 'maya' });
  theo = await makeUser(app, { handle: 'theo' });
  const actor = { id: owner.id, role: 'teacher' as const };
  hub = createHub(app, { actor, input: { slug: 'poetry-10', title: 'Poetry 10', tags: 'poetry', visibility: 'public' } });
  addHubMember(app, { actor, hubId: hub.id, handle: 'mr-ade', role: 'teacher' });
  for (const handle of ['maya', 'theo']) addHubMember(app, { actor, hubId: hub.id, handle });
  // Each accepts the owner's invitation (consented enrolment).
  for (const who of [coTeacher, maya, theo]) acceptHubInvitation(app, { actor: { id: who.id, role: who.role }, hubId: hub.id });
  await makeArtifact(app, maya, { title: 'Sea poem', slug: 'sea-poem', visibility: 'public', tags: ['poetry'] });
  await makeArtifact(app, theo, { title: 'Wind poem', slug: 'wind-poem', visibility: 'public', tags: ['poetry'] });
}, 120_000);

afterAll(() => server?.stop());

const member = (userId: string) =>
  server.app.db.select().from(hubMembers).where(eq(hubMembers.userId, userId)).all().some((m) => m.hubId === hub.id);

describe('leaving a hub', () => {
  it('a student leaves from the hub page: their work leaves the river and their page stops listing the hub', async () => {
    const browser = signedIn(server.url, server.app, maya);
    expect(await (await browser.get('/hubs/poetry-10/')).text()).toContain('href="/hubs/poetry-10/leave"');
    expect(await (await browser.get('/@maya/sea-poem/')).text()).toContain('Poetry 10');
    const confirm = await browser.get('/hubs/poetry-10/leave');
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toMatch(/Your work itself does not change/);

    const left = await browser.postForm('/hubs/poetry-10/leave', {});
    expect(left.status).toBe(303);
    expect(left.headers.get('location')).toBe('/workspace/hubs?left=1');
    expect(member(maya.id)).toBe(false);
    expect(await (await browser.get('/workspace/hubs?left=1')).text()).toContain('You left the hub.');
    const river = await (await browser.get('/hubs/poetry-10/')).text();
    expect(river).not.toContain('Sea poem');
    expect(river).toContain('Wind poem');
    expect(await (await browser.get('/@maya/sea-poem/')).text()).not.toContain('Poetry 10');
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.ownerId, maya.id)).all()).toHaveLength(1);
    // Not a member any more: nothing to leave.
    expect((await browser.get('/hubs/poetry-10/leave')).status).toBe(404);
  });

  it('the owner cannot leave; a form from another site is refused', async () => {
    const teacher = signedIn(server.url, server.app, owner);
    expect(await (await teacher.get('/hubs/poetry-10/')).text()).not.toContain('/hubs/poetry-10/leave"');
    const refused = await teacher.postForm('/hubs/poetry-10/leave', {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('You own this hub, so you cannot leave it.');
    expect(member(owner.id)).toBe(true);
    const forged = await signedIn(server.url, server.app, theo).postForm('/hubs/poetry-10/leave', {}, { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect(member(theo.id)).toBe(true);
  });
});

describe('deleting a hub', () => {
  it('only its owner or an admin may; another teacher of the hub is told who can', async () => {
    const other = signedIn(server.url, server.app, coTeacher);
    const page = await other.get('/hubs/poetry-10/delete');
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('Only the hub’s owner or an admin can delete it.');
    expect((await other.postForm('/hubs/poetry-10/delete', { confirm: 'poetry-10' })).status).toBe(403);
    expect((await signedIn(server.url, server.app, theo).postForm('/hubs/poetry-10/delete', { confirm: 'poetry-10' })).status).toBe(403);
    expect(server.app.db.select().from(hubs).where(eq(hubs.id, hub.id)).get()).toBeDefined();
  });

  it('asks for the hub’s address, then deletes the hub, its members list and its join codes, and no student work', async () => {
    const code = createJoinCode(server.app, { role: 'student', hubId: hub.id, createdBy: owner.id });
    const teacher = signedIn(server.url, server.app, owner);
    expect(await (await teacher.get('/hubs/poetry-10/settings')).text()).toContain('href="/hubs/poetry-10/delete"');
    const page = await (await teacher.get('/hubs/poetry-10/delete')).text();
    expect(page).toMatch(/list of 3 members/);
    expect(page).toMatch(/Every student’s work stays in their own portfolio/);

    const wrong = await teacher.postForm('/hubs/poetry-10/delete', { confirm: 'poetry' });
    expect(wrong.status).toBe(400);
    const html = await wrong.text();
    expect(html).toContain('Type the hub’s address, poetry-10, to confirm.');
    expect(html).toContain('aria-invalid="true"');
    expect(server.app.db.select().from(hubs).where(eq(hubs.id, hub.id)).get()).toBeDefined();

    const done = await teacher.postForm('/hubs/poetry-10/delete', { confirm: ' Poetry-10 ' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/workspace/hubs?deleted=1');
    expect(server.app.db.select().from(hubs).where(eq(hubs.id, hub.id)).get()).toBeUndefined();
    expect(server.app.db.select().from(hubMembers).where(eq(hubMembers.hubId, hub.id)).all()).toEqual([]);
    expect(server.app.db.select().from(joinCodes).where(eq(joinCodes.code, code.code)).get()).toBeUndefined();
    expect((await teacher.get('/hubs/poetry-10/')).status).toBe(404);
    expect(server.app.db.select().from(artifacts).all().map((a) => a.title).sort()).toEqual(['Sea poem', 'Wind poem']);
    expect(await (await signedIn(server.url, server.app, theo).get('/@theo/wind-poem/')).text()).not.toContain('Poetry 10');
  });

  it('potluck hub delete needs --yes, then deletes and says what stays', async () => {
    const actor = { id: owner.id, role: 'teacher' as const };
    const spare = createHub(server.app, { actor, input: { slug: 'spare-hub', title: 'Spare hub', tags: 'spare', visibility: 'members' } });
    const env = { POTLUCK_DATA: server.dataDir };
    const unconfirmed = await runCli(['hub', 'delete', '--hub', 'spare-hub'], { env });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.err).toMatch(/cannot be undone; add --yes/);
    expect(server.app.db.select().from(hubs).where(eq(hubs.id, spare.id)).get()).toBeDefined();
    const missing = await runCli(['hub', 'delete', '--hub', 'nope', '--yes'], { env });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/No hub has the slug "nope"/);
    const deleted = await runCli(['hub', 'delete', '--hub', 'spare-hub', '--yes', '--json'], { env });
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.out)).toEqual({ title: 'Spare hub', members: 1 });
    expect(server.app.db.select().from(hubs).where(eq(hubs.id, spare.id)).get()).toBeUndefined();
  });
});
