// A hub's progress page lists each student's contributions by title and link, its hidden page the titles of what its
// teachers hid. Class-only work counts there only for those in the class (its teachers, in a public hub too): an
// admin manages every hub but is in none, and gets the 404 of the class-only piece itself, so neither page may name
// it to them (issue #11, one policy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { hideHubEntry } from '../../../src/commands/hubItemHider.ts';
import { joinHubWithCode } from '../../../src/commands/hubJoiner.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { hubAssignments, type User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let okafor: User;
let admin: User;

const CLASS_ONLY = 'Reflection for the class only';
const PUBLIC = 'An essay for everyone';

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  okafor = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  admin = await makeUser(app, { handle: 'school-admin', role: 'admin', name: 'School Admin' });
  const maya = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  const hubIds: string[] = [];
  for (const visibility of ['members', 'public'] as const) {
    const hub = createHub(app, { actor: { id: okafor.id, role: 'teacher' }, input: { slug: `eng-${visibility}`, title: 'English 10', tags: 'eng10', visibility } });
    app.db.insert(hubAssignments).values({ id: app.newId(), hubId: hub.id, title: 'Essay one', tag: 'eng10', createdAt: app.now() }).run();
    joinHubWithCode(app, { userId: maya.id, code: createJoinCode(app, { role: 'student', createdBy: okafor.id, hubId: hub.id }).code });
    hubIds.push(hub.id);
  }
  const piece = await makeArtifact(app, maya, { title: CLASS_ONLY, slug: 'class-only', visibility: 'members', tags: ['eng10'] });
  for (const hubId of hubIds) hideHubEntry(app, { actor: { id: okafor.id, role: 'teacher' }, hubId, target: { artifactId: piece.id }, reason: 'Resubmit it, please' });
  await makeArtifact(app, maya, { title: PUBLIC, slug: 'essay', visibility: 'public', tags: ['eng10'] });
}, 120_000);

afterAll(() => server?.stop());

describe('a hub’s progress page', () => {
  it('names class-only work to the hub’s teacher, in a members-only and in a public hub', async () => {
    const teacher = signedIn(server.url, server.app, okafor);
    for (const slug of ['eng-members', 'eng-public']) {
      const res = await teacher.get(`/hubs/${slug}/progress`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html, slug).toContain(CLASS_ONLY);
      expect(html, slug).toContain(PUBLIC);
      expect(await (await teacher.get(`/hubs/${slug}/hidden`)).text(), slug).toContain(CLASS_ONLY);
    }
  });

  it('shows an admin who is not in the hub public work only, progress and hidden alike, as the class-only piece itself is 404 to them', async () => {
    const browser = signedIn(server.url, server.app, admin);
    expect((await browser.get('/@maya/class-only/')).status).toBe(404);
    for (const slug of ['eng-members', 'eng-public']) {
      const res = await browser.get(`/hubs/${slug}/progress`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html, slug).not.toContain(CLASS_ONLY);
      expect(html, slug).not.toContain('/@maya/class-only/');
      expect(html, slug).toContain(PUBLIC);
      const hidden = await browser.get(`/hubs/${slug}/hidden`);
      expect(hidden.status).toBe(200);
      const hiddenHtml = await hidden.text();
      expect(hiddenHtml, slug).not.toContain(CLASS_ONLY);
      expect(hiddenHtml, slug).toContain('A piece you cannot read now');
    }
  });
});
