/**
 * The lockout cannot be used to keep someone out (OWASP device cookies), behind a trusted proxy: an attacker's 50
 * failures from other addresses lock only browsers that never signed in to the account; the student's own browser,
 * which signed in before, keeps its own allowance — and a device cookie that fails too often is locked by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { ACCOUNT_LIMITED_MESSAGE, DEVICE_LIMITED_MESSAGE } from '../../../src/commands/signInAttempter.ts';
import { DEVICE_COOKIE } from '../../../src/server/auth/deviceCookie.ts';
import { SESSION_COOKIE } from '../../../src/server/auth/sessions.ts';
import { auditEvents, type User } from '../../../src/server/db/schema.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { PASSWORD, makeUser } from './factories.ts';

let server: TestServer;
let maya: User;
// maya's own browser, which signed in before anyone started guessing.
let mayasBrowser: Browser;
beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_TRUSTED_PROXIES: 'loopback' } });
  maya = await makeUser(server.app, 'maya');
  await makeUser(server.app, 'theo');
});
afterAll(() => server?.stop());

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
const html = (text: string) => text.replace(/'/g, '&#39;');

/** A browser that signed in to `login` once (so it holds a device cookie), then signed out. */
async function trustedBrowser(login: string, address: string): Promise<Browser> {
  const b = new Browser(server.url);
  expect((await b.postForm('/signin', { login, password: PASSWORD }, from(address))).status).toBe(303);
  expect(b.cookie(DEVICE_COOKIE)).toMatch(/^[0-9a-f-]{36}\.[\w-]+\.[\w-]+$/);
  expect((await b.postForm('/signout', {}, from(address))).status).toBe(303);
  expect(b.cookie(SESSION_COOKIE)).toBeUndefined();
  return b;
}

describe('sign-in lockout with device cookies', () => {
  it("an attacker's 50 failures from other addresses do not stop the student's trusted browser", async () => {
    const own = await trustedBrowser('maya', '198.51.100.10');
    mayasBrowser = own;
    // Someone else guesses from many addresses, with no device cookie for maya.
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await new Browser(server.url).postForm('/signin', { login: 'maya', password: `guess ${i}` }, from(`203.0.113.${i + 1}`));
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);

    // A browser that never signed in to maya is locked out, even with the right password...
    const stranger = await new Browser(server.url).postForm('/signin', { login: 'maya', password: PASSWORD }, from('198.51.100.10'));
    expect(stranger.status).toBe(429);
    expect(await stranger.text()).toContain(html(ACCOUNT_LIMITED_MESSAGE));
    // ...but maya's own browser signs in, from the same address or another.
    const res = await own.postForm('/signin', { login: 'maya', password: PASSWORD }, from('198.51.100.10'));
    expect(res.status).toBe(303);
    expect(own.cookie(SESSION_COOKIE)).toBeTruthy();
    expect((await own.get('/workspace')).status).toBe(200);

    // The lock was recorded once, not once per refused guess.
    const locked = server.app.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'signin.locked'), eq(auditEvents.subjectUserId, maya.id)))
      .all();
    expect(locked).toHaveLength(1);
    expect(locked[0].details).toMatchObject({ scope: 'untrusted browsers' });
  });

  it('a trusted browser that fails too often is locked by itself; another trusted browser still signs in', async () => {
    const laptop = await trustedBrowser('theo', '198.51.100.20');
    const phone = await trustedBrowser('theo', '198.51.100.21');
    for (let i = 0; i < 10; i++) {
      expect((await laptop.postForm('/signin', { login: 'theo', password: `typo ${i}` }, from('198.51.100.20'))).status).toBe(401);
    }
    const refused = await laptop.postForm('/signin', { login: 'theo', password: PASSWORD }, from('198.51.100.20'));
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain(html(DEVICE_LIMITED_MESSAGE));
    expect((await phone.postForm('/signin', { login: 'theo', password: PASSWORD }, from('198.51.100.21'))).status).toBe(303);
    // The laptop's failures did not touch the untrusted allowance either: a new browser signs in.
    expect((await new Browser(server.url).postForm('/signin', { login: 'theo', password: PASSWORD }, from('198.51.100.22'))).status).toBe(303);
  });

  it('an altered device cookie, or one for another account, earns no trust', async () => {
    // maya's untrusted allowance is used up by the first test; her own browser still holds its cookie.
    const own = mayasBrowser;
    const value = own.cookie(DEVICE_COOKIE)!;
    const forged = new Browser(server.url);
    forged.setCookie(DEVICE_COOKIE, value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect((await forged.postForm('/signin', { login: 'maya', password: PASSWORD }, from('198.51.100.30'))).status).toBe(429);
    // theo's device cookie names theo: for maya it is a stranger's browser.
    const theos = await trustedBrowser('theo', '198.51.100.31');
    expect((await theos.postForm('/signin', { login: 'maya', password: PASSWORD }, from('198.51.100.31'))).status).toBe(429);
    // The untouched cookie still works.
    expect((await own.postForm('/signin', { login: 'maya', password: PASSWORD }, from('198.51.100.10'))).status).toBe(303);
  });
});
