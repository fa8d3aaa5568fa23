/** Account use cases against a real SQLite database: sign-in, throttling, join codes, sign-up, passwords, disabling. */
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAccount } from '../../../src/commands/accountRegistrar.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { listJoinCodes } from '../../../src/commands/joinCodeLister.ts';
import { revokeJoinCode } from '../../../src/commands/joinCodeRevoker.ts';
import { changePassword } from '../../../src/commands/passwordChanger.ts';
import { ACCOUNT_LIMITED_MESSAGE, ADDRESS_LIMITED_MESSAGE, attemptSignIn } from '../../../src/commands/signInAttempter.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import { validateSessionToken } from '../../../src/server/auth/sessions.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { auditEvents, hubMembers, joinCodes, users } from '../../../src/server/db/schema.ts';
import { createTestApp } from '../../helpers/server.ts';
import { PASSWORD, makeHub, makeSession, makeUser } from './factories.ts';

const DAY = 24 * 60 * 60 * 1000;
let clock: number;
let app: AppContext;

beforeEach(() => {
  clock = Date.UTC(2025, 8, 1);
  app = { ...createTestApp(), now: () => new Date(clock) };
});
afterEach(() => app.db.$client.close());

async function thrown(promise: Promise<unknown> | (() => unknown)): Promise<PotluckError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof PotluckError) return error;
    throw error;
  }
  throw new Error('expected a PotluckError');
}

describe('attemptSignIn', () => {
  it('signs in by handle or by email, in any case', async () => {
    await makeUser(app, 'ada');
    const byHandle = await attemptSignIn(app, { login: ' Ada ', password: PASSWORD, address: '10.0.0.1' });
    expect(byHandle).toMatchObject({ ok: true, user: { handle: 'ada', role: 'student' } });
    const byEmail = await attemptSignIn(app, { login: 'ADA@school.test', password: PASSWORD, address: '10.0.0.1' });
    expect(byEmail).toMatchObject({ ok: true, user: { handle: 'ada' } });
  });

  it('says the same thing for a wrong password and an unknown account', async () => {
    await makeUser(app, 'ada');
    const wrong = await attemptSignIn(app, { login: 'ada', password: 'not the password', address: '10.0.0.1' });
    const unknown = await attemptSignIn(app, { login: 'nobody', password: PASSWORD, address: '10.0.0.1' });
    expect(wrong).toMatchObject({ ok: false, reason: 'bad-credentials' });
    expect(unknown).toEqual(wrong);
  });

  it('refuses an account after 10 failures, even with the right password, and says what to do', async () => {
    await makeUser(app, 'ada');
    for (let i = 0; i < 10; i++) {
      // Spread over addresses: the per-account limit alone must stop this.
      const r = await attemptSignIn(app, { login: i % 2 ? 'ada' : 'ada@school.test', password: `guess ${i}`, address: `10.0.0.${i}` });
      expect(r).toMatchObject({ ok: false, reason: 'bad-credentials' });
    }
    const refused = await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '10.9.9.9' });
    expect(refused).toEqual({ ok: false, reason: 'rate-limited', message: ACCOUNT_LIMITED_MESSAGE });
    expect(ACCOUNT_LIMITED_MESSAGE).toBe(
      'Too many sign-in attempts for this account from browsers it has not signed in on before. Wait 15 minutes and try again, sign in on a device you have used before, or ask your teacher to reset your password.',
    );
    // Other accounts are unaffected.
    await makeUser(app, 'grace');
    expect((await attemptSignIn(app, { login: 'grace', password: PASSWORD, address: '10.9.9.9' })).ok).toBe(true);
    // After the window the right password works again.
    clock += 15 * 60_000;
    expect((await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '10.9.9.9' })).ok).toBe(true);
  });

  it('refuses an address after 50 failures, whichever accounts it tries', async () => {
    await makeUser(app, 'ada');
    const rule = { limit: 50, windowMs: 15 * 60_000 };
    for (let i = 0; i < 50; i++) {
      const r = await attemptSignIn(app, { login: `user${i}`, password: 'guess', address: '203.0.113.5', addressRule: rule });
      expect(r.ok).toBe(false);
    }
    const refused = await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '203.0.113.5' });
    expect(refused).toEqual({ ok: false, reason: 'rate-limited', message: ADDRESS_LIMITED_MESSAGE });
    expect((await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '203.0.113.6' })).ok).toBe(true);
  });

  it('clears the account counter on success, so earlier typos do not add up', async () => {
    await makeUser(app, 'ada');
    const rule = { limit: 3, windowMs: 15 * 60_000 };
    for (let round = 0; round < 3; round++) {
      await attemptSignIn(app, { login: 'ada', password: 'typo', address: '10.0.0.1', accountRule: rule });
      await attemptSignIn(app, { login: 'ada', password: 'typo', address: '10.0.0.1', accountRule: rule });
      const ok = await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '10.0.0.1', accountRule: rule });
      expect(ok.ok).toBe(true);
    }
  });

  it('counts parallel guesses before answering any of them', async () => {
    await makeUser(app, 'ada');
    const guesses = Array.from({ length: 15 }, (_, i) =>
      attemptSignIn(app, { login: 'ada', password: `guess ${i}`, address: `10.1.0.${i}` }),
    );
    const results = await Promise.all(guesses);
    expect(results.filter((r) => r.ok === false && r.reason === 'bad-credentials')).toHaveLength(10);
    expect(results.filter((r) => r.ok === false && r.reason === 'rate-limited')).toHaveLength(5);
  });

  it('tells a disabled account it is disabled (only after the right password)', async () => {
    await makeUser(app, 'ada');
    setUserDisabled(app, { handle: 'ada', disabled: true, actor: null });
    expect(await attemptSignIn(app, { login: 'ada', password: 'wrong one', address: '10.0.0.1' })).toMatchObject({
      reason: 'bad-credentials',
    });
    const result = await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '10.0.0.1' });
    expect(result).toMatchObject({ ok: false, reason: 'disabled' });
    if (!result.ok) expect(result.message).toMatch(/disabled/);
  });
});

describe('createJoinCode', () => {
  it('lets admins and the shell issue any role, expiring in 30 days by default', async () => {
    const admin = await makeUser(app, 'root1', 'admin');
    const code = createJoinCode(app, { role: 'teacher', createdBy: admin.id });
    expect(code.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(code.expiresAt?.getTime()).toBe(clock + 30 * DAY);
    expect(code.maxUses).toBe(1);
    expect(createJoinCode(app, { role: 'admin', createdBy: null }).role).toBe('admin');
    expect(createJoinCode(app, { role: 'student', createdBy: null }).maxUses).toBeNull();
  });

  it('lets a teacher issue student codes only, and only for hubs they teach', async () => {
    const teacher = await makeUser(app, 'turing', 'teacher');
    const other = await makeUser(app, 'hopper', 'teacher');
    const mine = makeHub(app, 'cs101', teacher.id);
    const theirs = makeHub(app, 'cs102', other.id);
    expect(createJoinCode(app, { role: 'student', createdBy: teacher.id, hubId: mine }).hubId).toBe(mine);
    for (const role of ['admin', 'teacher'] as const) {
      const error = await thrown(() => createJoinCode(app, { role, createdBy: teacher.id }));
      expect(error.status).toBe(403);
      expect(error.message).toContain('students and guardians only');
    }
    expect((await thrown(() => createJoinCode(app, { role: 'student', createdBy: teacher.id, hubId: theirs }))).status).toBe(403);
    expect(app.db.select().from(joinCodes).all()).toHaveLength(1);
  });

  it('refuses students', async () => {
    const student = await makeUser(app, 'ada');
    expect((await thrown(() => createJoinCode(app, { role: 'student', createdBy: student.id }))).status).toBe(403);
  });
});

describe('registerAccount', () => {
  const person = { handle: 'newbie', name: 'New Student', password: 'a fine long password' };

  it('creates an account with the code’s role, counts the use and joins the code’s hub', async () => {
    const teacher = await makeUser(app, 'turing', 'teacher');
    const hubId = makeHub(app, 'cs101', teacher.id);
    const code = createJoinCode(app, { role: 'student', createdBy: teacher.id, hubId });
    const user = await registerAccount(app, { ...person, code: code.code.toLowerCase().replace(/-/g, ' '), email: '' });
    expect(user).toMatchObject({ handle: 'newbie', role: 'student', email: null });
    expect(app.db.select().from(joinCodes).get()?.uses).toBe(1);
    const membership = app.db
      .select()
      .from(hubMembers)
      .where(and(eq(hubMembers.hubId, hubId), eq(hubMembers.userId, user.id)))
      .get();
    expect(membership?.role).toBe('student');
    expect((await attemptSignIn(app, { login: 'newbie', password: person.password, address: '10.0.0.1' })).ok).toBe(true);
  });

  it('makes teacher-code accounts teachers of the hub', async () => {
    const hubId = makeHub(app, 'cs101');
    const code = createJoinCode(app, { role: 'teacher', createdBy: null, hubId });
    const user = await registerAccount(app, { ...person, code: code.code });
    expect(user.role).toBe('teacher');
    expect(app.db.select().from(hubMembers).where(eq(hubMembers.userId, user.id)).get()?.role).toBe('teacher');
  });

  it.each([
    ['expired', 'has expired'],
    ['revoked', 'withdrawn'],
    ['used-up', 'used as many times'],
    ['unknown', 'does not exist'],
  ])('refuses a %s code, saying so on the code field, and creates nothing', async (kind, words) => {
    const code = createJoinCode(app, { role: 'student', createdBy: null, maxUses: 1 });
    let typed = code.code;
    if (kind === 'expired') clock += 31 * DAY;
    if (kind === 'revoked') revokeJoinCode(app, { code: code.code, actor: null });
    if (kind === 'used-up') await registerAccount(app, { ...person, handle: 'first', code: code.code });
    if (kind === 'unknown') typed = 'ZZZZ-ZZZZ-ZZZZ';
    const before = app.db.select().from(users).all().length;
    const error = await thrown(registerAccount(app, { ...person, code: typed }));
    expect(error.issues).toEqual([{ field: 'code', message: expect.stringContaining(words) }]);
    expect(app.db.select().from(users).all()).toHaveLength(before);
  });

  it('never lets a one-use code make two accounts, even at the same moment', async () => {
    const code = createJoinCode(app, { role: 'student', createdBy: null, maxUses: 1 });
    const results = await Promise.allSettled([
      registerAccount(app, { ...person, handle: 'first', code: code.code }),
      registerAccount(app, { ...person, handle: 'second', code: code.code }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(app.db.select().from(users).all()).toHaveLength(1);
    expect(app.db.select().from(joinCodes).get()?.uses).toBe(1);
  });

  it('keeps the code unused when the handle is taken', async () => {
    await makeUser(app, 'newbie');
    const code = createJoinCode(app, { role: 'student', createdBy: null, maxUses: 1 });
    const error = await thrown(registerAccount(app, { ...person, code: code.code }));
    expect(error.code).toBe('CONFLICT');
    expect(error.issues[0].field).toBe('handle');
    expect(app.db.select().from(joinCodes).get()?.uses).toBe(0);
  });
});

describe('revokeJoinCode and listJoinCodes', () => {
  it('lets teachers see and revoke only their own codes', async () => {
    const a = await makeUser(app, 'turing', 'teacher');
    const b = await makeUser(app, 'hopper', 'teacher');
    const hubId = makeHub(app, 'cs101', a.id);
    const codeA = createJoinCode(app, { role: 'student', createdBy: a.id, hubId });
    const codeB = createJoinCode(app, { role: 'student', createdBy: b.id });
    expect(listJoinCodes(app, { actor: a })).toEqual([
      expect.objectContaining({ code: codeA.code, hub: { id: hubId, slug: 'cs101', title: 'Hub cs101' }, createdByHandle: 'turing' }),
    ]);
    expect(listJoinCodes(app, { actor: null }).find((c) => c.code === codeB.code)?.hub).toBeNull();
    expect((await thrown(() => revokeJoinCode(app, { code: codeA.code, actor: b }))).status).toBe(403);
    revokeJoinCode(app, { code: codeA.code, actor: a });
    expect(listJoinCodes(app, { actor: a })).toEqual([]);
    expect(listJoinCodes(app, { actor: a, includeInactive: true })[0].state).toBe('revoked');
  });
});

describe('changePassword', () => {
  it('needs the current password, then ends other sessions but keeps this one', async () => {
    const ada = await makeUser(app, 'ada');
    const here = makeSession(app, ada.id);
    const phone = makeSession(app, ada.id);
    const hereId = validateSessionToken(app, here).session!.id;
    const wrong = await thrown(
      changePassword(app, { userId: ada.id, currentSessionId: hereId, currentPassword: 'nope', newPassword: 'another fine password', endOtherSessions: 'on' }),
    );
    expect(wrong.issues[0].field).toBe('currentPassword');
    expect(validateSessionToken(app, phone).user).not.toBeNull();

    const result = await changePassword(app, {
      userId: ada.id,
      currentSessionId: hereId,
      currentPassword: PASSWORD,
      newPassword: 'another fine password',
      endOtherSessions: 'on',
    });
    expect(result.endedSessions).toBe(1);
    expect(validateSessionToken(app, here).user?.handle).toBe('ada');
    expect(validateSessionToken(app, phone).user).toBeNull();
    expect((await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '10.0.0.1' })).ok).toBe(false);
    expect((await attemptSignIn(app, { login: 'ada', password: 'another fine password', address: '10.0.0.1' })).ok).toBe(true);
  });

  it('keeps other sessions when the box is unticked', async () => {
    const ada = await makeUser(app, 'ada');
    const phone = makeSession(app, ada.id);
    const result = await changePassword(app, { userId: ada.id, currentSessionId: null, currentPassword: PASSWORD, newPassword: 'another fine password' });
    expect(result.endedSessions).toBe(0);
    expect(validateSessionToken(app, phone).user).not.toBeNull();
  });
});

describe('setUserDisabled', () => {
  it('ends every session of the account, and enabling lets it sign in again', async () => {
    const admin = await makeUser(app, 'boss', 'admin');
    const ada = await makeUser(app, 'ada');
    const token = makeSession(app, ada.id);
    const result = setUserDisabled(app, { handle: 'ada', disabled: true, actor: admin });
    expect(result).toMatchObject({ changed: true, endedSessions: 1 });
    expect(validateSessionToken(app, token).user).toBeNull();
    setUserDisabled(app, { userId: ada.id, disabled: false, actor: admin });
    expect((await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '10.0.0.1' })).ok).toBe(true);
  });

  it('is for admins only, and not against themselves', async () => {
    const admin = await makeUser(app, 'boss', 'admin');
    const teacher = await makeUser(app, 'turing', 'teacher');
    await makeUser(app, 'ada');
    expect((await thrown(() => setUserDisabled(app, { handle: 'ada', disabled: true, actor: teacher }))).status).toBe(403);
    expect((await thrown(() => setUserDisabled(app, { userId: admin.id, disabled: true, actor: admin }))).status).toBe(403);
    expect((await thrown(() => setUserDisabled(app, { handle: 'ghost', disabled: true, actor: null }))).message).toContain('ghost');
  });
});

describe('password rules and the audit log', () => {
  it('a change to a common or personal password is refused saying why; a good one is recorded as password.changed', async () => {
    const ada = await makeUser(app, 'ada');
    const common = await thrown(changePassword(app, { userId: ada.id, currentSessionId: null, currentPassword: PASSWORD, newPassword: 'iloveyou123' }));
    expect(common.code).toBe('VALIDATION');
    expect(common.issues).toEqual([{ field: 'newPassword', message: expect.stringContaining('a common password') }]);
    const own = await thrown(changePassword(app, { userId: ada.id, currentSessionId: null, currentPassword: PASSWORD, newPassword: 'ada-ada-ada-2009' }));
    expect(own.message).toContain('This password contains your handle');
    await changePassword(app, { userId: ada.id, currentSessionId: null, currentPassword: PASSWORD, newPassword: 'violet kettle mountain', address: '10.0.0.9' });
    const events = app.db.select().from(auditEvents).where(eq(auditEvents.action, 'password.changed')).all();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorHandle: 'ada', subjectHandle: 'ada', address: '10.0.0.9' });
    expect(JSON.stringify(events)).not.toMatch(/violet kettle|correct horse/);
  });

  it('records failed, locked and successful sign-ins, the lock once, with no password', async () => {
    const ada = await makeUser(app, 'ada');
    for (let i = 0; i < 12; i++) await attemptSignIn(app, { login: 'ada', password: `guess number ${i}`, address: '203.0.113.9' });
    clock += 15 * 60_000;
    expect((await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '10.0.0.1' })).ok).toBe(true);
    const mine = app.db.select().from(auditEvents).where(eq(auditEvents.subjectUserId, ada.id)).all();
    const count = (action: string) => mine.filter((e) => e.action === action).length;
    expect(count('signin.failed')).toBe(10);
    expect(count('signin.locked')).toBe(1);
    expect(count('signin.succeeded')).toBe(1);
    expect(JSON.stringify(mine)).not.toMatch(/guess number|correct horse/);
  });
});
