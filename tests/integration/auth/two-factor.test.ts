/**
 * Two-factor sign-in against a real database, on a clock the test moves: set-up confirmed by a first code, the
 * second step of sign-in (±1 step, no reuse, nothing two steps old), recovery codes that work once, turning it off,
 * the school's requirement for staff, and an audit log that records each event and never a secret.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attemptSignIn } from '../../../src/commands/signInAttempter.ts';
import { completeSignIn } from '../../../src/commands/signInCompleter.ts';
import { disableTwoFactor } from '../../../src/commands/twoFactorDisabler.ts';
import { enableTwoFactor } from '../../../src/commands/twoFactorEnabler.ts';
import { startTwoFactorSetup } from '../../../src/commands/twoFactorStarter.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { totpCode, totpStep } from '../../../src/server/auth/totp.ts';
import { hasTwoFactor } from '../../../src/server/auth/twoFactor.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { auditEvents, pendingSignIns, recoveryCodes, twoFactor } from '../../../src/server/db/schema.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { createTestApp } from '../../helpers/server.ts';
import { PASSWORD, makeUser } from './factories.ts';

const STEP = 30_000;
// The first millisecond of a 30-second step: the test moves the clock to both ends of steps.
let clock: number;
let app: AppContext;
beforeEach(() => {
  clock = 56_000_000 * STEP;
  app = { ...createTestApp(), now: () => new Date(clock) };
});
afterEach(() => app.db.$client.close());

async function thrown(fn: () => unknown): Promise<PotluckError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof PotluckError) return error;
    throw error;
  }
  throw new Error('expected a PotluckError');
}

/** Sets two-factor up for a new account; returns the key (as the person's app holds it) and the recovery codes. */
async function withTwoFactor(handle: string, role: 'student' | 'teacher' | 'admin' = 'student') {
  const user = await makeUser(app, handle, role);
  const setup = await startTwoFactorSetup(app, user);
  const key = decodeBase32IgnorePadding(setup.keyText.replace(/ /g, ''));
  const { recoveryCodes: codes } = enableTwoFactor(app, { user, code: totpCode(key, totpStep(app.now())), address: '10.0.0.1' });
  return { user, key, codes, keyText: setup.keyText };
}

async function passwordStep(login: string) {
  const result = await attemptSignIn(app, { login, password: PASSWORD, address: '10.0.0.1' });
  if (!result.ok || result.step !== 'code') throw new Error(`expected the code step, got ${JSON.stringify(result)}`);
  return result.pendingToken;
}

describe('setting two-factor up', () => {
  it('shows a key, an otpauth:// address and a QR code, and turns on only with a right code', async () => {
    const user = await makeUser(app, 'ada');
    const setup = await startTwoFactorSetup(app, user);
    expect(setup.keyText).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{4}){7}$/);
    expect(setup.uri).toMatch(/^otpauth:\/\/totp\/Potluck%20localhost%3A4321:ada\?secret=[A-Z2-7]{32}&/);
    expect(setup.qrSvg).toContain('<svg');
    // Opening the page again shows the same key, so a reload does not spoil a scan in progress.
    expect((await startTwoFactorSetup(app, user)).keyText).toBe(setup.keyText);
    const key = decodeBase32IgnorePadding(setup.keyText.replace(/ /g, ''));

    const wrong = await thrown(() => enableTwoFactor(app, { user, code: '000000' === totpCode(key, totpStep(app.now())) ? '111111' : '000000' }));
    expect(wrong.code).toBe('VALIDATION');
    expect(wrong.message).toContain('That code does not match');
    expect(hasTwoFactor(app, user.id)).toBe(false);

    const { recoveryCodes: codes } = enableTwoFactor(app, { user, code: totpCode(key, totpStep(app.now())) });
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(hasTwoFactor(app, user.id)).toBe(true);
  });

  it('stores the key sealed and the recovery codes hashed', async () => {
    const { user, codes, keyText } = await withTwoFactor('ada');
    const row = app.db.select().from(twoFactor).where(eq(twoFactor.userId, user.id)).get()!;
    const raw = JSON.stringify(row) + JSON.stringify(app.db.select().from(recoveryCodes).all());
    expect(raw).not.toContain(keyText.replace(/ /g, ''));
    expect(raw.toLowerCase()).not.toContain(keyText.replace(/ /g, '').toLowerCase());
    for (const code of codes) expect(raw).not.toContain(code.replace('-', ''));
    for (const code of codes) expect(raw).not.toContain(code);
  });
});

describe('signing in with two-factor on', () => {
  it('asks for a code after the password; the half-finished sign-in is no session', async () => {
    const { key } = await withTwoFactor('ada');
    clock += STEP;
    const token = await passwordStep('ada');
    expect(app.db.select().from(pendingSignIns).all()).toHaveLength(1);
    const done = completeSignIn(app, { pendingToken: token, code: totpCode(key, totpStep(app.now())), address: '10.0.0.1' });
    expect(done.user.handle).toBe('ada');
    expect(done.next).toBe('/workspace');
    // Finished: the half-finished sign-in is gone and cannot be used again.
    expect(app.db.select().from(pendingSignIns).all()).toHaveLength(0);
    const again = await thrown(() => completeSignIn(app, { pendingToken: token, code: totpCode(key, totpStep(app.now()) + 1), address: '10.0.0.1' }));
    expect(again.code).toBe('UNAUTHENTICATED');
  });

  it('accepts a code one step early or late, at the edges of the step, and refuses one two steps old', async () => {
    const { key } = await withTwoFactor('ada');
    const base = totpStep(app.now());
    // At the last millisecond of step base+3, the code of base+2 (one step late) still works...
    clock = (base + 4) * STEP - 1;
    let token = await passwordStep('ada');
    expect(completeSignIn(app, { pendingToken: token, code: totpCode(key, base + 2), address: '10.0.0.1' }).user.handle).toBe('ada');
    // ...at the first millisecond of base+5, the code of base+3 is two steps old and refused.
    clock = (base + 5) * STEP;
    token = await passwordStep('ada');
    const old = await thrown(() => completeSignIn(app, { pendingToken: token, code: totpCode(key, base + 3), address: '10.0.0.1' }));
    expect(old.code).toBe('VALIDATION');
    expect(old.message).toContain('That code is not right, or it was used already');
    // A phone one step ahead is fine.
    expect(completeSignIn(app, { pendingToken: token, code: totpCode(key, base + 6), address: '10.0.0.1' }).user.handle).toBe('ada');
  });

  it('refuses the same code twice within its window, and an older one after a newer was used', async () => {
    const { key } = await withTwoFactor('ada');
    clock += 2 * STEP;
    const step = totpStep(app.now());
    let token = await passwordStep('ada');
    completeSignIn(app, { pendingToken: token, code: totpCode(key, step), address: '10.0.0.1' });
    token = await passwordStep('ada');
    const replay = await thrown(() => completeSignIn(app, { pendingToken: token, code: totpCode(key, step), address: '10.0.0.1' }));
    expect(replay.code).toBe('VALIDATION');
    const older = await thrown(() => completeSignIn(app, { pendingToken: token, code: totpCode(key, step - 1), address: '10.0.0.1' }));
    expect(older.code).toBe('VALIDATION');
    expect(completeSignIn(app, { pendingToken: token, code: totpCode(key, step + 1), address: '10.0.0.1' }).user.handle).toBe('ada');
  });

  it('takes each recovery code once, typed in any case and without the dash', async () => {
    const { codes } = await withTwoFactor('ada');
    let token = await passwordStep('ada');
    expect(completeSignIn(app, { pendingToken: token, code: codes[3].toUpperCase().replace('-', ' '), address: '10.0.0.1' }).user.handle).toBe('ada');
    token = await passwordStep('ada');
    const spent = await thrown(() => completeSignIn(app, { pendingToken: token, code: codes[3], address: '10.0.0.1' }));
    expect(spent.code).toBe('VALIDATION');
    expect(completeSignIn(app, { pendingToken: token, code: codes[4], address: '10.0.0.1' }).user.handle).toBe('ada');
  });

  it('allows five codes per half-finished sign-in, then the password again', async () => {
    const { key } = await withTwoFactor('ada');
    clock += STEP;
    const token = await passwordStep('ada');
    for (let i = 0; i < 5; i++) {
      expect((await thrown(() => completeSignIn(app, { pendingToken: token, code: '12345x', address: '10.0.0.1' }))).code).toBe('VALIDATION');
    }
    const out = await thrown(() => completeSignIn(app, { pendingToken: token, code: totpCode(key, totpStep(app.now())), address: '10.0.0.1' }));
    expect(out.code).toBe('UNAUTHENTICATED');
    expect(out.message).toContain('Sign in again with your password');
  });
});

describe('turning two-factor off', () => {
  it('needs the password and a code; staff cannot while the school requires it', async () => {
    const { user, key } = await withTwoFactor('ada');
    clock += STEP;
    const code = totpCode(key, totpStep(app.now()));
    const badPassword = await thrown(() => disableTwoFactor(app, { user, password: 'not it at all', code }));
    expect(badPassword.message).toContain('That is not your password');
    expect((await thrown(() => disableTwoFactor(app, { user, password: PASSWORD, code: '000001' }))).message).toContain('That code is not right');
    expect(hasTwoFactor(app, user.id)).toBe(true);
    await disableTwoFactor(app, { user, password: PASSWORD, code });
    expect(hasTwoFactor(app, user.id)).toBe(false);
    expect(app.db.select().from(recoveryCodes).all()).toHaveLength(0);

    const teacher = await withTwoFactor('turing', 'teacher');
    setPolicy(app, { staffTwoFactor: true });
    clock += STEP;
    const refused = await thrown(() => disableTwoFactor(app, { user: teacher.user, password: PASSWORD, code: totpCode(teacher.key, totpStep(app.now())) }));
    expect(refused.code).toBe('POLICY');
    expect(hasTwoFactor(app, teacher.user.id)).toBe(true);
  });
});

describe('the school requires two-factor for staff', () => {
  it('sends a teacher without it to set it up after the password; students sign in as before', async () => {
    await makeUser(app, 'turing', 'teacher');
    await makeUser(app, 'ada', 'student');
    setPolicy(app, { staffTwoFactor: true });
    const teacher = await attemptSignIn(app, { login: 'turing', password: PASSWORD, address: '10.0.0.1', next: '/workspace/hubs' });
    expect(teacher).toMatchObject({ ok: true, step: 'enrol' });
    expect(await attemptSignIn(app, { login: 'ada', password: PASSWORD, address: '10.0.0.1' })).toMatchObject({ ok: true, step: 'done' });
    if (!teacher.ok || teacher.step !== 'enrol') throw new Error('unreachable');

    const setup = await startTwoFactorSetup(app, teacher.user);
    const key = decodeBase32IgnorePadding(setup.keyText.replace(/ /g, ''));
    const done = completeSignIn(app, { pendingToken: teacher.pendingToken, code: totpCode(key, totpStep(app.now())), address: '10.0.0.1' });
    expect(done.next).toBe('/workspace/hubs');
    expect(done.recoveryCodes).toHaveLength(10);
    expect(hasTwoFactor(app, teacher.user.id)).toBe(true);
  });
});

describe('the audit log', () => {
  it('records each two-factor event and sign-in step, and no password, code, key or recovery code', async () => {
    const { user, key, codes, keyText } = await withTwoFactor('ada');
    const typed: string[] = [PASSWORD, keyText.replace(/ /g, ''), ...codes, ...codes.map((c) => c.replace('-', ''))];
    clock += STEP;
    let token = await passwordStep('ada');
    const wrong = '12345x';
    await thrown(() => completeSignIn(app, { pendingToken: token, code: wrong, address: '10.0.0.1' }));
    const good = totpCode(key, totpStep(app.now()));
    typed.push(good);
    completeSignIn(app, { pendingToken: token, code: good, address: '10.0.0.1' });
    token = await passwordStep('ada');
    completeSignIn(app, { pendingToken: token, code: codes[0], address: '10.0.0.1' });
    clock += STEP;
    const offCode = totpCode(key, totpStep(app.now()));
    typed.push(offCode);
    await disableTwoFactor(app, { user, password: PASSWORD, code: offCode, address: '10.0.0.1' });

    const events = app.db.select().from(auditEvents).all();
    const actions = events.map((e) => e.action);
    for (const action of ['2fa.enabled', '2fa.recovery_used', '2fa.disabled']) expect(actions.filter((a) => a === action), action).toHaveLength(1);
    expect(actions.filter((a) => a === 'signin.succeeded')).toHaveLength(2);
    expect(actions.filter((a) => a === 'signin.failed')).toHaveLength(1);
    expect(events.every((e) => e.subjectHandle === 'ada')).toBe(true);
    // Everything written about each event but its ids and times (random digits there could look like a code).
    const raw = JSON.stringify(events.map(({ id: _i, at: _a, actorId: _x, subjectId: _s, subjectUserId: _u, ...rest }) => rest)).toLowerCase();
    for (const secret of typed) expect(raw, 'a secret in the audit log').not.toContain(secret.toLowerCase());
  });
});
