import { runCli } from '../../helpers/cli.ts';
/** `potluck user …` and `potluck joincode create`, run through main() with fake streams on a temp POTLUCK_DATA. */
import { eq } from 'drizzle-orm';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAccount } from '../../../src/commands/accountRegistrar.ts';
import { attemptSignIn } from '../../../src/commands/signInAttempter.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { hubMembers, hubs, users } from '../../../src/server/db/schema.ts';
import { validateSessionToken } from '../../../src/server/auth/sessions.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { makeSession } from './factories.ts';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { enableTwoFactor } from '../../../src/commands/twoFactorEnabler.ts';
import { startTwoFactorSetup } from '../../../src/commands/twoFactorStarter.ts';
import { totpCode, totpStep } from '../../../src/server/auth/totp.ts';
import { hasTwoFactor } from '../../../src/server/auth/twoFactor.ts';
import { auditEvents } from '../../../src/server/db/schema.ts';

let dataDir: string;

beforeEach(() => {
  dataDir = tempDataDir('potluck-cli-');
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Runs the CLI; `stdin` undefined means a terminal (nothing piped). */
async function run(argv: string[], stdin?: string) {
  return runCli(argv, { env: { POTLUCK_DATA: dataDir }, stdin });
}

/** A context on the CLI's database, for checking what the CLI did. */
function openApp(): AppContext {
  return createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
}

async function withApp<T>(fn: (app: AppContext) => T | Promise<T>): Promise<T> {
  const app = openApp();
  try {
    return await fn(app);
  } finally {
    app.db.$client.close();
  }
}

describe('potluck user add', () => {
  it('creates an account with a piped password that then signs in', async () => {
    const r = await run(['user', 'add', '--handle', 'ada', '--name', 'Ada Lovelace', '--role', 'teacher', '--email', 'ada@school.test'], 'a piped passphrase\n');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain('Created teacher @ada (Ada Lovelace).');
    expect(r.out).not.toContain('Password');
    await withApp(async (app) => {
      const result = await attemptSignIn(app, { login: 'ada@school.test', password: 'a piped passphrase', address: '127.0.0.1' });
      expect(result).toMatchObject({ ok: true, user: { role: 'teacher' } });
    });
  });

  it('generates a password and prints it once when nothing is piped', async () => {
    const r = await run(['user', 'add', '--handle', 'grace', '--name', 'Grace', '--role', 'student']);
    expect(r.code).toBe(0);
    const password = r.out.match(/Password \(shown only now\): (\S+)/)?.[1];
    expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    await withApp(async (app) => {
      expect((await attemptSignIn(app, { login: 'grace', password: password!, address: '127.0.0.1' })).ok).toBe(true);
    });
  });

  it('exits 2 with a message for a bad role, and creates nothing', async () => {
    const r = await run(['user', 'add', '--handle', 'ada', '--name', 'Ada', '--role', 'wizard'], 'a piped passphrase\n');
    expect(r.code).toBe(2);
    expect(r.err).toContain('"wizard" is not a role: use student, teacher, admin or guardian.');
    expect(r.err).toContain('potluck user add --help');
    expect((await run(['user', 'list', '--json'])).out.trim()).toBe('[]');
  });

  it('exits 2 naming missing options and unknown ones', async () => {
    expect((await run(['user', 'add', '--handle', 'ada'])).err).toContain('missing --name, --role');
    const r = await run(['user', 'add', '--handle', 'ada', '--name', 'Ada', '--role', 'student', '--colour', 'red']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--colour');
  });

  it('exits 1 when the handle is taken', async () => {
    await run(['user', 'add', '--handle', 'ada', '--name', 'Ada', '--role', 'student'], 'a piped passphrase\n');
    const r = await run(['user', 'add', '--handle', 'ADA', '--name', 'Other Ada', '--role', 'student'], 'violet kettle mountain\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain('That handle is already taken');
  });

  it('exits 1 with the rule when the piped password is too short', async () => {
    const r = await run(['user', 'add', '--handle', 'ada', '--name', 'Ada', '--role', 'student'], 'short\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain('at least 8 characters');
  });

  it('exits 1 saying why for a common password or one made of the person\'s own name, and creates nothing', async () => {
    const common = await run(['user', 'add', '--handle', 'ada', '--name', 'Ada', '--role', 'student'], 'password123\n');
    expect(common.code).toBe(1);
    expect(common.err).toContain('This password is one of the most common passwords');
    const own = await run(['user', 'add', '--handle', 'lovelace', '--name', 'Ada Lovelace', '--role', 'teacher'], 'Lovelace-Rules-1815\n');
    expect(own.code).toBe(1);
    expect(own.err).toContain('This password contains your handle');
    expect((await run(['user', 'list', '--json'])).out.trim()).toBe('[]');
  });

  it('has --help', async () => {
    const r = await run(['user', 'add', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: potluck user add');
  });
});

describe('potluck user list', () => {
  it('prints JSON that parses, filtered by role, without password hashes', async () => {
    await run(['user', 'add', '--handle', 'ada', '--name', 'Ada', '--role', 'student', '--email', 'ada@school.test'], 'a piped passphrase\n');
    await run(['user', 'add', '--handle', 'turing', '--name', 'Alan', '--role', 'teacher'], 'a piped passphrase\n');
    const all = JSON.parse((await run(['user', 'list', '--json'])).out);
    expect(all.map((u: { handle: string }) => u.handle)).toEqual(['ada', 'turing']);
    expect(all[0]).toMatchObject({ handle: 'ada', name: 'Ada', role: 'student', email: 'ada@school.test', status: 'active' });
    expect(JSON.stringify(all)).not.toMatch(/argon|password/i);
    const teachers = JSON.parse((await run(['user', 'list', '--json', '--role', 'teacher'])).out);
    expect(teachers.map((u: { handle: string }) => u.handle)).toEqual(['turing']);
    const table = (await run(['user', 'list'])).out;
    expect(table.split('\n')[0]).toMatch(/^HANDLE\s+ROLE\s+STATUS\s+NAME\s+EMAIL$/);
    expect(table).toMatch(/turing\s+teacher\s+active\s+Alan/);
  });

  it('exits 2 for a bad role', async () => {
    const r = await run(['user', 'list', '--role', 'janitor']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('"janitor" is not a role');
  });
});

describe('potluck user disable', () => {
  it('disables (ending sessions) and enables again', async () => {
    await run(['user', 'add', '--handle', 'ada', '--name', 'Ada', '--role', 'student'], 'a piped passphrase\n');
    const token = await withApp((app) => {
      const user = app.db.select().from(users).where(eq(users.handle, 'ada')).get();
      return makeSession(app, user!.id);
    });
    const off = await run(['user', 'disable', '--handle', 'ada']);
    expect(off).toMatchObject({ code: 0 });
    expect(off.out).toContain('Disabled @ada; 1 session ended.');
    expect(JSON.parse((await run(['user', 'list', '--json'])).out)[0].status).toBe('disabled');
    await withApp(async (app) => {
      expect(validateSessionToken(app, token).user).toBeNull();
      expect((await attemptSignIn(app, { login: 'ada', password: 'a piped passphrase', address: '127.0.0.1' })).ok).toBe(false);
    });
    const on = await run(['user', 'disable', '--handle', 'ada', '--enable']);
    expect(on.out).toContain('Enabled @ada');
    await withApp(async (app) => {
      expect((await attemptSignIn(app, { login: 'ada', password: 'a piped passphrase', address: '127.0.0.1' })).ok).toBe(true);
    });
  });

  it('exits 1 for an unknown handle and 2 without one', async () => {
    const unknown = await run(['user', 'disable', '--handle', 'ghost']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('No account has the handle "ghost"');
    expect((await run(['user', 'disable'])).code).toBe(2);
  });
});

describe('potluck joincode create', () => {
  it('prints a code that works for sign-up', async () => {
    const r = await run(['joincode', 'create', '--role', 'student', '--uses', '2', '--days', '7']);
    expect(r.code).toBe(0);
    const code = r.out.trim();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(r.err).toContain('2 uses');
    await withApp(async (app) => {
      const user = await registerAccount(app, { code, handle: 'newbie', name: 'New', password: 'a fine long password' });
      expect(user.role).toBe('student');
    });
  });

  it('joins the hub named by --hub, and prints JSON with --json', async () => {
    const hubId = await withApp((app) => {
      const id = app.newId();
      app.db.insert(hubs).values({ id, slug: 'cs101', title: 'Intro to CS', createdAt: new Date() }).run();
      return id;
    });
    const r = await run(['joincode', 'create', '--role', 'teacher', '--hub', 'cs101', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json).toMatchObject({ role: 'teacher', hub: 'cs101', maxUses: 1 });
    await withApp(async (app) => {
      const user = await registerAccount(app, { code: json.code, handle: 'turing', name: 'Alan', password: 'a fine long password' });
      expect(app.db.select().from(hubMembers).all()).toEqual([expect.objectContaining({ hubId, userId: user.id, role: 'teacher' })]);
    });
  });

  it('refuses bad input with clear messages', async () => {
    const badRole = await run(['joincode', 'create', '--role', 'owner']);
    expect(badRole.code).toBe(2);
    expect(badRole.err).toContain('"owner" is not a role');
    const badUses = await run(['joincode', 'create', '--role', 'student', '--uses', 'lots']);
    expect(badUses.code).toBe(2);
    expect(badUses.err).toContain('--uses must be a whole number');
    const badHub = await run(['joincode', 'create', '--role', 'student', '--hub', 'nope']);
    expect(badHub.code).toBe(1);
    expect(badHub.err).toContain('No hub has the slug "nope"');
  });
});

describe('potluck user two-factor-off', () => {
  it("turns off a person's two-factor sign-in and ends their sessions; says so when there is none", async () => {
    await run(['user', 'add', '--handle', 'ada', '--name', 'Ada', '--role', 'teacher'], 'violet kettle mountain\n');
    const token = await withApp(async (app) => {
      const user = app.db.select().from(users).where(eq(users.handle, 'ada')).get()!;
      const setup = await startTwoFactorSetup(app, user);
      const key = decodeBase32IgnorePadding(setup.keyText.replace(/ /g, ''));
      enableTwoFactor(app, { user, code: totpCode(key, totpStep(app.now())) });
      const signedIn = await attemptSignIn(app, { login: 'ada', password: 'violet kettle mountain', address: '127.0.0.1' });
      expect(signedIn).toMatchObject({ ok: true, step: 'code' });
      return makeSession(app, user.id);
    });
    const r = await run(['user', 'two-factor-off', '--handle', 'ada']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Two-factor sign-in is off for @ada; 1 session ended.');
    await withApp(async (app) => {
      expect(validateSessionToken(app, token).session).toBeNull();
      const user = app.db.select().from(users).where(eq(users.handle, 'ada')).get()!;
      expect(hasTwoFactor(app, user.id)).toBe(false);
      expect(await attemptSignIn(app, { login: 'ada', password: 'violet kettle mountain', address: '127.0.0.1' })).toMatchObject({ ok: true, step: 'done' });
      expect(app.db.select().from(auditEvents).where(eq(auditEvents.action, '2fa.disabled')).all()[0]).toMatchObject({ address: 'cli', subjectHandle: 'ada' });
    });
    const again = await run(['user', 'two-factor-off', '--handle', 'ada']);
    expect(again.code).toBe(1);
    expect(again.err).toContain('does not use two-factor sign-in');
    expect((await run(['user', 'two-factor-off', '--handle', 'nobody'])).err).toContain('was not found');
  });
});
