/**
 * The sessions list on /account: each device by its browser and system, last used, "this one"; signing out one of
 * them or all others; another person's session cannot be named. Last use is written at most once a minute.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE, createSession, generateSessionToken, validateSessionToken } from '../../../src/server/auth/sessions.ts';
import { auditEvents, sessions, type User } from '../../../src/server/db/schema.ts';
import { describeUserAgent } from '../../../src/core/userAgent.ts';
import { Browser } from '../../helpers/http.ts';
import { createTestApp, startServer, type TestServer } from '../../helpers/server.ts';
import { PASSWORD, makeUser } from './factories.ts';

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

let server: TestServer;
let ada: User;
beforeAll(async () => {
  server = await startServer();
  ada = await makeUser(server.app, 'ada');
  await makeUser(server.app, 'grace');
});
afterAll(() => server?.stop());

async function deviceSignedIn(login: string, userAgent: string): Promise<Browser> {
  const b = new Browser(server.url);
  const res = await b.postForm('/signin', { login, password: PASSWORD }, { headers: { 'user-agent': userAgent } });
  expect(res.status).toBe(303);
  return b;
}

const refsIn = (html: string) => [...html.matchAll(/name="session" value="([0-9a-f]{32})"/g)].map((m) => m[1]);

describe('the sessions list', () => {
  it('names each device, marks this one, and signs out one or all others', async () => {
    const laptop = await deviceSignedIn('ada', FIREFOX_WINDOWS);
    const phone = await deviceSignedIn('ada', CHROME_ANDROID);
    const tablet = await deviceSignedIn('ada', SAFARI_IPHONE);
    const page = await (await phone.get('/account')).text();
    expect(page).toContain('Chrome on Android <strong>(this one)</strong>');
    expect(page).toContain('Firefox on Windows');
    expect(page).toContain('Safari on iPhone');
    expect(page).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    // Session ids never reach the page: only references derived from them.
    const stored = server.app.db.select().from(sessions).where(eq(sessions.userId, ada.id)).all();
    for (const s of stored) expect(page).not.toContain(s.id);
    const refs = refsIn(page);
    expect(refs).toHaveLength(3);

    // The rows come in order: this one first; the laptop is signed out by its row's button.
    const laptopRef = refsIn(await (await laptop.get('/account')).text())[0];
    const out = await phone.postForm('/account/sessions', { intent: 'revoke', session: laptopRef });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/account?signedout=1#sessions');
    expect((await laptop.get('/workspace')).status).toBe(303);
    expect((await tablet.get('/workspace')).status).toBe(200);

    const others = await phone.postForm('/account/sessions', { intent: 'revoke-others' });
    expect(others.headers.get('location')).toBe('/account?signedout=1#sessions');
    expect((await tablet.get('/workspace')).status).toBe(303);
    expect((await phone.get('/workspace')).status).toBe(200);
    expect(await (await phone.get('/account?signedout=1')).text()).toContain('Signed out 1 session.');

    // "This one" signs this browser out.
    const mine = refsIn(await (await phone.get('/account')).text())[0];
    const self = await phone.postForm('/account/sessions', { intent: 'revoke', session: mine });
    expect(self.headers.get('location')).toBe('/signin');
    expect(phone.cookie(SESSION_COOKIE)).toBeUndefined();
    expect(server.app.db.select().from(sessions).where(eq(sessions.userId, ada.id)).all()).toHaveLength(0);
    expect(server.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'session.revoked')).all()).toHaveLength(3);
  });

  it("cannot sign out another person's session, and says so", async () => {
    const adas = await deviceSignedIn('ada', FIREFOX_WINDOWS);
    const graces = await deviceSignedIn('grace', CHROME_ANDROID);
    const adaRef = refsIn(await (await adas.get('/account')).text())[0];
    const res = await graces.postForm('/account/sessions', { intent: 'revoke', session: adaRef });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('That session has ended already');
    expect((await adas.get('/workspace')).status).toBe(200);
    // Signed out, the endpoint asks to sign in and changes nothing.
    expect((await new Browser(server.url).postForm('/account/sessions', { intent: 'revoke-others' })).status).toBe(303);
    expect((await adas.get('/workspace')).status).toBe(200);
  });
});

describe('last used', () => {
  it('is written at most once a minute', () => {
    let clock = Date.UTC(2026, 0, 5, 9, 0, 0);
    const app = { ...createTestApp(), now: () => new Date(clock) };
    try {
      app.db.$client.exec(`INSERT INTO users (id, handle, name, role, created_at) VALUES ('u1', 'ada', 'Ada', 'student', ${clock})`);
      const token = generateSessionToken();
      createSession(app, token, 'u1', FIREFOX_WINDOWS);
      const lastUsed = () => app.db.select().from(sessions).get()!.lastUsedAt!.getTime();
      const started = clock;
      clock += 59_000;
      validateSessionToken(app, token);
      expect(lastUsed()).toBe(started);
      clock += 1_000;
      validateSessionToken(app, token);
      expect(lastUsed()).toBe(clock);
      clock += 30_000;
      validateSessionToken(app, token);
      expect(lastUsed()).toBe(clock - 30_000);
    } finally {
      app.db.$client.close();
    }
  });

  it('names devices in plain words', () => {
    expect(describeUserAgent(FIREFOX_WINDOWS)).toBe('Firefox on Windows');
    expect(describeUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15')).toBe('Safari on macOS');
    expect(describeUserAgent('Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36')).toBe('Chrome on ChromeOS');
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0')).toBe('Edge on Windows');
    expect(describeUserAgent('')).toBe('Unknown browser');
  });
});
