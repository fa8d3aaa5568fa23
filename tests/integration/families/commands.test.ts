/**
 * Families at the command level: who may make a family (guardian) code and for whom, what sign-up with one makes,
 * a guardian adding a second child, guardians kept out of hubs, and links going with either account.
 */
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { registerAccount } from '../../../src/commands/accountRegistrar.ts';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { deleteAccount } from '../../../src/commands/accountDeleter.ts';
import { linkGuardianWithCode } from '../../../src/commands/guardianLinker.ts';
import { unlinkGuardian } from '../../../src/commands/guardianUnlinker.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { joinHubWithCode } from '../../../src/commands/hubJoiner.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { listJoinCodes } from '../../../src/commands/joinCodeLister.ts';
import type { PotluckError } from '../../../src/core/errors.ts';
import { can } from '../../../src/core/policy.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { feedbackSubject } from '../../../src/server/policyFacts.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifacts, auditEvents, guardianLinks, hubMembers, joinCodes, users, type User } from '../../../src/server/db/schema.ts';
import { childrenOf, guardiansOf, isGuardianOf, listGuardianLinks } from '../../../src/server/families/guardians.ts';
import { makeHub, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';
import { copyStudent } from '../archive/helpers.ts';

let app: AppContext;
let maya: User;
let lina: User;
let priya: User;
let okafor: User;
let intruder: User;
let admin: User;
let hubId: string;

const actor = (u: User) => ({ id: u.id, role: u.role });
const failure = (fn: () => unknown): PotluckError => {
  try {
    fn();
  } catch (error) {
    return error as PotluckError;
  }
  throw new Error('expected a failure');
};
const codeCount = () => app.db.select().from(joinCodes).all().length;

beforeEach(async () => {
  app = createTestApp();
  maya = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  lina = await makeUser(app, { handle: 'lina', name: 'Lina L' });
  priya = await makeUser(app, { handle: 'priya', name: 'Priya S' });
  okafor = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  intruder = await makeUser(app, { handle: 'mr-intruder', role: 'teacher', name: 'Mr Intruder' });
  admin = await makeUser(app, { handle: 'school-admin', role: 'admin', name: 'School Admin' });
  hubId = makeHub(app, { teacher: okafor, students: [maya, lina] });
  makeHub(app, { teacher: intruder, students: [priya] });
});

const signUpGuardian = (code: string, handle = 'gran') =>
  registerAccount(app, { code, handle, name: 'Gran L', password: 'violet kettle mountain' }, { address: '198.51.100.9' });

describe('family codes', () => {
  it('a teacher makes one for a student they teach, storing the student; not for a student of another teacher', () => {
    const code = createJoinCode(app, { role: 'guardian', createdBy: okafor.id, studentHandle: 'maya' });
    expect(code).toMatchObject({ role: 'guardian', studentId: maya.id, hubId: null, maxUses: 1 });
    expect(listJoinCodes(app, { actor: actor(okafor) }).find((c) => c.code === code.code)?.student).toEqual({ handle: 'maya', name: 'Maya L' });
    const audit = app.db.select().from(auditEvents).where(eq(auditEvents.action, 'joincode.created')).all().at(-1)!;
    expect(audit.subjectUserId).toBe(maya.id);

    const before = codeCount();
    const refused = failure(() => createJoinCode(app, { role: 'guardian', createdBy: okafor.id, studentHandle: 'priya' }));
    expect(refused.status).toBe(403);
    expect(refused.message).toContain('only for students in a hub you teach');
    expect(failure(() => createJoinCode(app, { role: 'guardian', createdBy: intruder.id, studentHandle: 'maya' })).status).toBe(403);
    expect(codeCount()).toBe(before);
  });

  it('an admin (and the shell) makes one for any student', () => {
    expect(createJoinCode(app, { role: 'guardian', createdBy: admin.id, studentHandle: 'priya' }).studentId).toBe(priya.id);
    expect(createJoinCode(app, { role: 'guardian', createdBy: null, studentId: lina.id }).studentId).toBe(lina.id);
  });

  it('students and guardians cannot make one', async () => {
    const gran = await signUpGuardian(createJoinCode(app, { role: 'guardian', createdBy: null, studentHandle: 'maya' }).code);
    const before = codeCount();
    expect(failure(() => createJoinCode(app, { role: 'guardian', createdBy: lina.id, studentHandle: 'maya' })).status).toBe(403);
    expect(failure(() => createJoinCode(app, { role: 'guardian', createdBy: gran.id, studentHandle: 'lina' })).status).toBe(403);
    expect(failure(() => createJoinCode(app, { role: 'student', createdBy: gran.id })).status).toBe(403);
    expect(codeCount()).toBe(before);
  });

  it('a guardian code must name an active student and no hub; no other code names a student', async () => {
    const before = codeCount();
    const missing = failure(() => createJoinCode(app, { role: 'guardian', createdBy: admin.id }));
    expect(missing.status).toBe(400);
    expect(missing.issues?.[0]).toMatchObject({ field: 'studentHandle' });
    expect(failure(() => createJoinCode(app, { role: 'student', createdBy: admin.id, studentHandle: 'maya' })).issues?.[0]?.field).toBe('studentHandle');
    expect(failure(() => createJoinCode(app, { role: 'teacher', createdBy: null, studentHandle: 'maya' })).status).toBe(400);
    expect(failure(() => createJoinCode(app, { role: 'guardian', createdBy: admin.id, studentHandle: 'ms-okafor' })).message).toContain('not a student');
    expect(failure(() => createJoinCode(app, { role: 'guardian', createdBy: admin.id, studentHandle: 'nobody-here' })).message).toContain('No account has the handle');
    expect(failure(() => createJoinCode(app, { role: 'guardian', createdBy: okafor.id, studentHandle: 'maya', hubId })).issues?.[0]?.field).toBe('hubId');
    expect(codeCount()).toBe(before);
  });
});

describe('sign-up and links', () => {
  it('sign-up with a family code makes a guardian linked to the student by the code’s creator, in one go', async () => {
    const code = createJoinCode(app, { role: 'guardian', createdBy: okafor.id, studentHandle: 'maya' });
    const gran = await signUpGuardian(code.code);
    expect(gran.role).toBe('guardian');
    expect(app.db.select().from(guardianLinks).all()).toEqual([{ guardianId: gran.id, studentId: maya.id, linkedBy: okafor.id, createdAt: expect.any(Date) }]);
    expect(isGuardianOf(app, gran.id, maya.id)).toBe(true);
    expect(childrenOf(app, gran.id).map((c) => c.handle)).toEqual(['maya']);
    expect(guardiansOf(app, maya.id).map((g) => g.handle)).toEqual(['gran']);
    // Never a hub member.
    expect(app.db.select().from(hubMembers).where(eq(hubMembers.userId, gran.id)).all()).toEqual([]);
    expect(app.db.select().from(auditEvents).where(eq(auditEvents.action, 'guardian.linked')).get()).toMatchObject({ actorId: gran.id, subjectUserId: maya.id });
    // The code had one use.
    await expect(signUpGuardian(code.code, 'grandad')).rejects.toMatchObject({ message: expect.stringContaining('used as many times') });
    expect(app.db.select().from(users).where(eq(users.handle, 'grandad')).get()).toBeUndefined();
  });

  it('a code for a student who was disabled since makes no account', async () => {
    const code = createJoinCode(app, { role: 'guardian', createdBy: admin.id, studentHandle: 'lina' });
    app.db.update(users).set({ disabledAt: app.now() }).where(eq(users.id, lina.id)).run();
    await expect(signUpGuardian(code.code)).rejects.toMatchObject({ status: 400 });
    expect(app.db.select().from(users).where(eq(users.handle, 'gran')).get()).toBeUndefined();
    expect(app.db.select().from(guardianLinks).all()).toEqual([]);
  });

  it('a signed-in guardian adds a second child with another code; the same child twice or a student code is refused', async () => {
    const gran = await signUpGuardian(createJoinCode(app, { role: 'guardian', createdBy: okafor.id, studentHandle: 'maya' }).code);
    const second = createJoinCode(app, { role: 'guardian', createdBy: admin.id, studentHandle: 'lina', maxUses: 2 });
    expect(linkGuardianWithCode(app, { userId: gran.id, code: second.code.toLowerCase() }).handle).toBe('lina');
    expect(childrenOf(app, gran.id).map((c) => c.handle)).toEqual(['lina', 'maya']);
    expect(listGuardianLinks(app, { studentId: lina.id })[0]).toMatchObject({ guardian: { handle: 'gran' }, linkedBy: { handle: 'school-admin' } });
    expect(() => linkGuardianWithCode(app, { userId: gran.id, code: second.code })).toThrow('already linked');
    expect(app.db.select().from(joinCodes).where(eq(joinCodes.code, second.code)).get()!.uses).toBe(1);
    const studentCode = createJoinCode(app, { role: 'student', createdBy: admin.id });
    expect(() => linkGuardianWithCode(app, { userId: gran.id, code: studentCode.code })).toThrow('not a family code');
    // A student cannot make themselves someone's guardian with a family code.
    expect(failure(() => linkGuardianWithCode(app, { userId: priya.id, code: second.code })).status).toBe(403);
    expect(isGuardianOf(app, priya.id, lina.id)).toBe(false);
  });

  it('guardians never join hubs: not with a code, not added by a teacher or an admin', async () => {
    const gran = await signUpGuardian(createJoinCode(app, { role: 'guardian', createdBy: null, studentHandle: 'maya' }).code);
    const hub = createHub(app, { actor: actor(okafor), input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'members' } });
    const hubCode = createJoinCode(app, { role: 'student', createdBy: okafor.id, hubId: hub.id });
    expect(failure(() => joinHubWithCode(app, { userId: gran.id, code: hubCode.code })).status).toBe(403);
    expect(failure(() => addHubMember(app, { actor: actor(okafor), hubId: hub.id, handle: 'gran' })).message).toContain('guardian');
    expect(failure(() => addHubMember(app, { actor: actor(admin), hubId: hub.id, handle: 'gran' })).status).toBe(400);
    expect(app.db.select().from(hubMembers).where(eq(hubMembers.userId, gran.id)).all()).toEqual([]);
    expect(app.db.select().from(joinCodes).where(eq(joinCodes.code, hubCode.code)).get()!.uses).toBe(0);
  });

  it('guardians hold no work: saving a piece or importing an archive into a guardian account is refused', async () => {
    const gran = await signUpGuardian(createJoinCode(app, { role: 'guardian', createdBy: null, studentHandle: 'maya' }).code);
    await expect(saveArtifact(app, { ownerId: gran.id, input: { title: 'Gran writes', kind: 'post', visibility: 'public', body: 'Hello.' } })).rejects.toMatchObject({ status: 403 });
    await expect(importArchiveFolder(app, { dir: copyStudent('maya'), handle: 'gran' })).rejects.toMatchObject({ status: 403, message: expect.stringContaining('guardian account') });
    expect(app.db.select().from(artifacts).where(eq(artifacts.ownerId, gran.id)).all()).toEqual([]);
  });

  it('a guardian reads feedback only where the school allows it, and never on private work or another child’s', async () => {
    const gran = await signUpGuardian(createJoinCode(app, { role: 'guardian', createdBy: null, studentHandle: 'maya' }).code);
    const reads = (ownerId: string, visibility: 'private' | 'members' | 'public') =>
      can(actor(gran), 'read', feedbackSubject(app, actor(gran), { id: 'piece', ownerId, visibility }));
    expect(reads(maya.id, 'members')).toBe(false);
    setPolicy(app, { guardiansSeeFeedback: true });
    expect(reads(maya.id, 'members')).toBe(true);
    expect(reads(maya.id, 'public')).toBe(true);
    expect(reads(maya.id, 'private')).toBe(false);
    expect(reads(lina.id, 'members')).toBe(false);
    expect(can(actor(gran), 'write', feedbackSubject(app, actor(gran), { id: 'piece', ownerId: maya.id, visibility: 'members' }))).toBe(false);
  });

  it('only admins (and the shell) unlink; the link goes with an audit event', async () => {
    const gran = await signUpGuardian(createJoinCode(app, { role: 'guardian', createdBy: null, studentHandle: 'maya' }).code);
    expect(failure(() => unlinkGuardian(app, { guardian: { id: gran.id }, student: { id: maya.id }, actor: actor(okafor) })).status).toBe(403);
    expect(failure(() => unlinkGuardian(app, { guardian: { id: gran.id }, student: { id: maya.id }, actor: actor(maya) })).status).toBe(403);
    expect(isGuardianOf(app, gran.id, maya.id)).toBe(true);
    expect(unlinkGuardian(app, { guardian: { handle: 'gran' }, student: { handle: '@maya' }, actor: actor(admin) })).toEqual({ guardian: 'gran', student: 'maya' });
    expect(isGuardianOf(app, gran.id, maya.id)).toBe(false);
    expect(app.db.select().from(auditEvents).where(eq(auditEvents.action, 'guardian.unlinked')).get()).toMatchObject({ actorId: admin.id, subjectUserId: maya.id });
    expect(failure(() => unlinkGuardian(app, { guardian: { handle: 'gran' }, student: { handle: 'maya' }, actor: null })).status).toBe(404);
  });

  it('deleting either account removes its links', async () => {
    const gran = await signUpGuardian(createJoinCode(app, { role: 'guardian', createdBy: null, studentHandle: 'maya' }).code);
    linkGuardianWithCode(app, { userId: gran.id, code: createJoinCode(app, { role: 'guardian', createdBy: null, studentHandle: 'lina' }).code });
    const dad = await signUpGuardian(createJoinCode(app, { role: 'guardian', createdBy: null, studentHandle: 'lina' }).code, 'dad-l');
    expect(app.db.select().from(guardianLinks).all()).toHaveLength(3);
    await deleteAccount(app, { userId: lina.id, actor: null });
    expect(app.db.select().from(guardianLinks).all().map((l) => [l.guardianId, l.studentId])).toEqual([[gran.id, maya.id]]);
    await deleteAccount(app, { userId: gran.id, actor: null });
    expect(app.db.select().from(guardianLinks).all()).toEqual([]);
    expect(childrenOf(app, dad.id)).toEqual([]);
  });
});
