/**
 * Accounts over HTTP against a real server: sign-in and its cookie, throttling, disabled accounts, sign-out,
 * password change, sign-up with join codes, admin/teacher pages, cross-origin refusal and open redirects.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { revokeJoinCode } from '../../../src/commands/joinCodeRevoker.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import { SESSION_COOKIE, sessionIdFromToken } from '../../../src/server/auth/sessions.ts';
import { hubMembers, joinCodes, rateLimits, sessions, users } from '../../../src/server/db/schema.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { PASSWORD, makeHub, makeUser } from './factories.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await makeUser(server.app, 'ada', 'student');
  await makeUser(server.app, 'grace', 'student');
  await makeUser(server.app, 'turing', 'teacher');
  await makeUser(server.app, 'boss', 'admin');
});
afterAll(async () => server?.stop());
// Every test starts with fresh throttling counters (they all come from 127.0.0.1).
beforeEach(() => {
  server.app.db.delete(rateLimits).run();
});

const browser = () => new Browser(server.url);

async function signedIn(login: string, password = PASSWORD): Promise<Browser> {
  const b = browser();
  const res = await b.postForm('/signin', { login, password });
  expect(res.status).toBe(303);
  return b;
}

function location(res: Response): string {
  const value = res.headers.get('location');
  if (!value) throw new Error(`no Location header (status ${res.status})`);
  const url = new URL(value, server.url);
  expect(url.origin).toBe(new URL(server.url).origin);
  return url.pathname + url.search;
}

function sessionCookieLine(res: Response): string | undefined {
  return res.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`));
}

describe('sign in', () => {
  it('by handle: a new HttpOnly, SameSite=Lax cookie and a 303 to the workspace; the database holds only its SHA-256', async () => {
    const b = browser();
    const res = await b.postForm('/signin', { login: 'ada', password: PASSWORD });
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/workspace');
    const line = sessionCookieLine(res)!;
    expect(line).toMatch(/;\s*HttpOnly/i);
    expect(line).toMatch(/;\s*SameSite=Lax/i);
    expect(line).toMatch(/;\s*Path=\//i);
    // Plain http here; behind https (POTLUCK_SITE_URL=https://…) the cookie is Secure.
    expect(line).not.toMatch(/;\s*Secure/i);
    const token = b.cookie(SESSION_COOKIE)!;
    expect(token.length).toBeGreaterThanOrEqual(32);
    const stored = server.app.db.select().from(sessions).all();
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.map((s) => s.id)).toContain(sessionIdFromToken(token));
    expect((await b.get('/account')).status).toBe(200);
  });

  it('by email, going on to a `next` path on this site', async () => {
    const b = browser();
    const res = await b.postForm('/signin?next=%2Faccount', { login: 'Grace@School.test', password: PASSWORD, next: '/account' });
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/account');
    expect(sessionCookieLine(res)).toBeDefined();
    const page = await b.get('/account');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('@grace');
  });

  it('makes a new session every time, ending the one the browser had', async () => {
    const b = await signedIn('ada');
    const first = b.cookie(SESSION_COOKIE)!;
    await b.postForm('/signin', { login: 'ada', password: PASSWORD });
    const second = b.cookie(SESSION_COOKIE)!;
    expect(second).not.toBe(first);
    const stale = browser();
    const res = await stale.get('/account', { headers: { cookie: `${SESSION_COOKIE}=${first}` } });
    expect(res.status).toBe(303);
  });

  it.each(['//evil.example', 'https://evil.example', '/\\evil.example', 'http://evil.example/workspace'])(
    'ignores next=%s and lands on /workspace',
    async (next) => {
      const res = await browser().postForm(`/signin?next=${encodeURIComponent(next)}`, { login: 'ada', password: PASSWORD, next });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/workspace');
    },
  );

  it('with a wrong password: the form again with a message, no cookie', async () => {
    const res = await browser().postForm('/signin', { login: 'ada', password: 'not my password' });
    expect(res.status).toBe(401);
    expect(sessionCookieLine(res)).toBeUndefined();
    const html = await res.text();
    expect(html).toContain('do not match an account');
    expect(html).toContain('value="ada"');
    expect(html).not.toContain('not my password');
  });
});

describe('sign-in throttling', () => {
  const limitedMessage =
    'Too many sign-in attempts for this account from browsers it has not signed in on before. Wait 15 minutes and try again, sign in on a device you have used before, or ask your teacher to reset your password.';

  it('refuses an account after 10 failures, even with the right password', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await browser().postForm('/signin', { login: 'grace', password: `guess number ${i}` });
      expect(res.status).toBe(401);
    }
    const res = await browser().postForm('/signin', { login: 'grace', password: PASSWORD });
    expect(res.status).toBe(429);
    expect(sessionCookieLine(res)).toBeUndefined();
    expect(await res.text()).toContain(limitedMessage.replace("'", '&#39;'));
    // Another account from the same address still signs in.
    expect((await browser().postForm('/signin', { login: 'ada', password: PASSWORD })).status).toBe(303);
  });

  it('refuses an address after 50 failures, whichever accounts they named', async () => {
    for (let i = 0; i < 50; i++) {
      const res = await browser().postForm('/signin', { login: `guess${i}`, password: 'password guess' });
      expect(res.status).toBe(401);
    }
    const res = await browser().postForm('/signin', { login: 'ada', password: PASSWORD });
    expect(res.status).toBe(429);
    expect(sessionCookieLine(res)).toBeUndefined();
    expect(await res.text()).toContain('Too many sign-in attempts from this network');
    // Without POTLUCK_TRUSTED_PROXIES, an X-Forwarded-For from the client changes nothing.
    const spoofed = await browser().postForm('/signin', { login: 'ada', password: PASSWORD }, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(spoofed.status).toBe(429);
  });
});

describe('disabled accounts', () => {
  it('cannot sign in, and their existing sessions stop working at once', async () => {
    const victim = await makeUser(server.app, 'temp1');
    const b = await signedIn('temp1');
    expect((await b.get('/account')).status).toBe(200);
    setUserDisabled(server.app, { userId: victim.id, disabled: true, actor: null });
    const after = await b.get('/account');
    expect(after.status).toBe(303);
    expect(location(after)).toBe('/signin?next=%2Faccount');
    const res = await browser().postForm('/signin', { login: 'temp1', password: PASSWORD });
    expect(res.status).toBe(403);
    expect(sessionCookieLine(res)).toBeUndefined();
    expect(await res.text()).toContain('This account is disabled');
  });
});

describe('sign out', () => {
  it('ends the session on the server: the old cookie no longer works', async () => {
    const b = await signedIn('ada');
    const token = b.cookie(SESSION_COOKIE)!;
    const res = await b.request('/signout', { method: 'POST' });
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/');
    expect(b.cookie(SESSION_COOKIE)).toBeUndefined();
    expect(server.app.db.select().from(sessions).where(eq(sessions.id, sessionIdFromToken(token))).get()).toBeUndefined();
    const replay = await browser().get('/account', { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    expect(replay.status).toBe(303);
  });

  it('does nothing on GET (a link or an image cannot sign anyone out)', async () => {
    const b = await signedIn('ada');
    const res = await b.get('/signout');
    expect(res.status).toBe(405);
    expect((await b.get('/account')).status).toBe(200);
  });
});

describe('change password', () => {
  it('with "sign out my other devices": other sessions end, this one stays', async () => {
    await makeUser(server.app, 'temp2');
    const laptop = await signedIn('temp2');
    const phone = await signedIn('temp2');
    const page = await (await laptop.get('/account')).text();
    expect(page).toContain('also signed in on 1 other device');
    expect(page).toMatch(/<input[^>]*name="endOtherSessions"[^>]*checked/);

    const res = await laptop.postForm('/account', {
      currentPassword: PASSWORD,
      newPassword: 'a brand new passphrase',
      endOtherSessions: 'on',
    });
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/account?changed=1&ended=1');
    const done = await laptop.get(location(res));
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('1 other device was signed out');
    expect((await phone.get('/account')).status).toBe(303);
    expect((await browser().postForm('/signin', { login: 'temp2', password: 'a brand new passphrase' })).status).toBe(303);
  });

  it('with a wrong current password: a message on that field, nothing changes', async () => {
    const b = await signedIn('grace');
    const res = await b.postForm('/account', { currentPassword: 'wrong', newPassword: 'a brand new passphrase', endOtherSessions: 'on' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('That is not your current password');
    expect(html).toMatch(/id="currentPassword"[^>]*aria-invalid="true"/);
    expect((await browser().postForm('/signin', { login: 'grace', password: PASSWORD })).status).toBe(303);
  });

  it('sends signed-out people to sign in first', async () => {
    const res = await browser().get('/account');
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/signin?next=%2Faccount');
  });
});

describe('sign-up with a join code', () => {
  const newPerson = (handle: string, code: string) => ({ code, handle, name: `Person ${handle}`, email: '', password: 'my own passphrase' });

  it('with a valid code: an account with the code’s role and hub, signed in straight away', async () => {
    const teacher = server.app.db.select().from(users).where(eq(users.handle, 'turing')).get()!;
    const hubId = makeHub(server.app, 'art9', teacher.id);
    const code = createJoinCode(server.app, { role: 'student', createdBy: teacher.id, hubId });
    const form = await (await browser().get(`/signup?code=${code.code}`)).text();
    expect(form).toContain(`value="${code.code}"`);

    const b = browser();
    const res = await b.postForm('/signup', newPerson('newkid', code.code.toLowerCase()));
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/workspace');
    expect(sessionCookieLine(res)).toMatch(/HttpOnly/i);
    const account = await b.get('/account');
    expect(await account.text()).toContain('@newkid');
    const user = server.app.db.select().from(users).where(eq(users.handle, 'newkid')).get()!;
    expect(user.role).toBe('student');
    expect(server.app.db.select().from(hubMembers).where(eq(hubMembers.userId, user.id)).get()?.hubId).toBe(hubId);
    expect(server.app.db.select().from(joinCodes).where(eq(joinCodes.code, code.code)).get()?.uses).toBe(1);
  });

  it.each([
    ['expired', 'has expired'],
    ['revoked', 'has been withdrawn'],
    ['used-up', 'used as many times as it allows'],
  ])('with a %s code: the form again with the reason, no account, no cookie', async (kind, words) => {
    const code = createJoinCode(server.app, { role: 'student', createdBy: null, maxUses: 1 });
    // The server keeps real time, so "expired" is made by moving the date into the past.
    if (kind === 'expired') server.app.db.update(joinCodes).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(joinCodes.code, code.code)).run();
    if (kind === 'revoked') revokeJoinCode(server.app, { code: code.code, actor: null });
    if (kind === 'used-up') expect((await browser().postForm('/signup', newPerson(`first${kind.length}`, code.code))).status).toBe(303);
    const handle = `late${kind.replace('-', '')}`;
    const res = await browser().postForm('/signup', newPerson(handle, code.code));
    expect(res.status).toBe(400);
    expect(sessionCookieLine(res)).toBeUndefined();
    const html = await res.text();
    expect(html).toContain(words);
    expect(html).toContain(`value="${handle}"`);
    expect(server.app.db.select().from(users).where(eq(users.handle, handle)).get()).toBeUndefined();
  });
});

describe('admin and teacher pages', () => {
  it('/admin: signed-out people are sent to sign in, non-admins get 403', async () => {
    const out = await browser().get('/admin');
    expect(out.status).toBe(303);
    expect(location(out)).toBe('/signin?next=%2Fadmin');
    for (const who of ['ada', 'turing']) {
      const res = await (await signedIn(who)).get('/admin');
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('Only admins');
    }
  });

  it('/admin: lists accounts; disabling one signs it out; a new join code is shown and can be revoked', async () => {
    const admin = await signedIn('boss');
    const page = await admin.get('/admin');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('@ada');
    expect(html).toContain('@turing');

    const target = await makeUser(server.app, 'temp3');
    const victim = await signedIn('temp3');
    // The button asks for a confirmation first (the admin signed in just now, so no password again).
    const ask = await admin.postForm('/admin', { intent: 'disable', userId: target.id });
    expect(ask.status).toBe(303);
    expect(location(ask)).toBe(`/admin/confirm?action=disable&user=${target.id}`);
    expect((await victim.get('/account')).status).toBe(200);
    expect(await (await admin.get(location(ask))).text()).toContain('Disable @temp3?');
    const disable = await admin.postForm(location(ask), {});
    expect(disable.status).toBe(303);
    expect((await victim.get('/account')).status).toBe(303);
    const after = await (await admin.get(location(disable))).text();
    expect(after).toContain('@temp3 is disabled and signed out everywhere.');
    expect(after).toMatch(/@temp3<\/a><\/td>.*?disabled/s);
    // The notice is not shown for a crafted link about someone who is not disabled.
    expect(await (await admin.get('/admin?disabled=ada')).text()).not.toContain('@ada is disabled');
    expect((await admin.postForm('/admin', { intent: 'enable', userId: target.id })).status).toBe(303);
    expect((await browser().postForm('/signin', { login: 'temp3', password: PASSWORD })).status).toBe(303);

    const create = await admin.postForm('/admin', { intent: 'create-code', role: 'teacher', hubId: '', maxUses: '3', days: '10' });
    expect(create.status).toBe(303);
    const code = new URL(create.headers.get('location')!, server.url).searchParams.get('created')!;
    const shown = await (await admin.get(location(create))).text();
    expect(shown).toContain(`<code>${code}</code>`);
    const row = server.app.db.select().from(joinCodes).where(eq(joinCodes.code, code)).get()!;
    expect(row).toMatchObject({ role: 'teacher', maxUses: 3 });

    expect((await admin.postForm('/admin', { intent: 'revoke-code', code })).status).toBe(303);
    expect(server.app.db.select().from(joinCodes).where(eq(joinCodes.code, code)).get()?.revokedAt).toBeInstanceOf(Date);
  });

  it('/admin: bad join code input comes back with a message on the field', async () => {
    const admin = await signedIn('boss');
    const res = await admin.postForm('/admin', { intent: 'create-code', role: 'student', maxUses: '0', days: '400' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('A code needs at least 1 use.');
    expect(html).toContain('A code can last at most 365 days.');
  });

  it('/workspace/joincodes: teachers make student codes only, even when the form asks for admin', async () => {
    const teacher = await signedIn('turing');
    const res = await teacher.postForm('/workspace/joincodes', { intent: 'create-code', role: 'admin', hubId: '', days: '5' });
    expect(res.status).toBe(303);
    const code = new URL(res.headers.get('location')!, server.url).searchParams.get('created')!;
    expect(server.app.db.select().from(joinCodes).where(eq(joinCodes.code, code)).get()?.role).toBe('student');
    expect(await (await teacher.get(location(res))).text()).toContain(code);
    // Students may not open the page; signed-out people are sent to sign in.
    expect((await (await signedIn('ada')).get('/workspace/joincodes')).status).toBe(403);
    expect(location(await browser().get('/workspace/joincodes'))).toBe('/signin?next=%2Fworkspace%2Fjoincodes');
  });
});

describe('cross-origin writes', () => {
  const spellings: [string, string][] = [
    ['application/x-www-form-urlencoded', 'login=ada&password=x'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="login"\r\n\r\nada\r\n--x--\r\n'],
    ['text/plain', 'login=ada'],
    ['Multipart/Form-Data; boundary=x', '--x\r\nContent-Disposition: form-data; name="login"\r\n\r\nada\r\n--x--\r\n'],
    ['TEXT/PLAIN;charset=utf-8', 'login=ada'],
    ['application/json', '{"login":"ada"}'],
  ];

  for (const path of ['/signin', '/signout']) {
    it.each(spellings)(`POST ${path} from https://evil.example as %s is refused with 403`, async (type, body) => {
      const b = await signedIn('ada');
      const res = await b.request(path, {
        method: 'POST',
        origin: 'https://evil.example',
        headers: { 'content-type': type },
        body,
      });
      expect(res.status).toBe(403);
      expect(sessionCookieLine(res)).toBeUndefined();
      // The refused sign-out did not sign anyone out.
      expect((await b.get('/account')).status).toBe(200);
    });

    it(`POST ${path} with no Origin but Sec-Fetch-Site: cross-site is refused with 403`, async () => {
      const b = await signedIn('ada');
      const res = await b.request(path, {
        method: 'POST',
        origin: null,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
        body: `login=ada&password=${encodeURIComponent(PASSWORD)}`,
      });
      expect(res.status).toBe(403);
      expect((await b.get('/account')).status).toBe(200);
    });
  }

  it('a cross-site sign-in with the right password sets no cookie (no login CSRF)', async () => {
    const res = await browser().postForm('/signin', { login: 'ada', password: PASSWORD }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(sessionCookieLine(res)).toBeUndefined();
  });
});
