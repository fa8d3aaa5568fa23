/**
 * Two-factor sign-in through the real server and its pages: set-up at /account/two-factor (QR code made here),
 * the code step after the password, a half-finished sign-in that opens nothing else, and the school's requirement
 * for staff — at sign-in and for a teacher who was already signed in when it was switched on.
 */
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../../src/server/auth/sessions.ts';
import { totpCode, totpStep } from '../../../src/server/auth/totp.ts';
import { twoFactor, type User } from '../../../src/server/db/schema.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { Browser } from '../../helpers/http.ts';
import { signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { PASSWORD, makeUser } from './factories.ts';

let server: TestServer;
let ada: User;
let turing: User;
beforeAll(async () => {
  server = await startServer();
  ada = await makeUser(server.app, 'ada');
  turing = await makeUser(server.app, 'turing', 'teacher');
  await makeUser(server.app, 'hopper', 'teacher');
});
afterAll(() => server?.stop());

function keyFrom(html: string): Uint8Array {
  const text = html.match(/<code id="totp-key">([A-Z2-7 ]+)<\/code>/)?.[1];
  if (!text) throw new Error('no key on the page');
  return decodeBase32IgnorePadding(text.replace(/ /g, ''));
}

/** A code the server will take now: of a step after the last one used, within one step of the real clock. */
async function nextCode(userId: string, key: Uint8Array): Promise<string> {
  for (;;) {
    const last = server.app.db.select().from(twoFactor).where(eq(twoFactor.userId, userId)).get()?.lastStep ?? 0;
    const now = totpStep(new Date());
    const step = Math.max(last + 1, now - 1);
    if (step <= now + 1) return totpCode(key, step);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function signInWithPassword(login: string): Promise<{ b: Browser; res: Response }> {
  const b = new Browser(server.url);
  const res = await b.postForm('/signin', { login, password: PASSWORD });
  return { b, res };
}

describe('two-factor sign-in for a student who chooses it', () => {
  let key: Uint8Array;

  it('is set up at /account/two-factor with a QR code made by this server, confirmed by a first code', async () => {
    const b = signedIn(server.url, server.app, ada);
    const page = await b.get('/account/two-factor');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<svg');
    expect(html).toMatch(/href="otpauth:\/\/totp\/Potluck%20[^"]*:ada\?secret=[A-Z2-7]{32}/);
    // Nothing on the page comes from another site (no QR service, no script elsewhere).
    expect(html).not.toMatch(/(src|href)="https?:\/\/(?!127\.0\.0\.1|localhost)/);
    key = keyFrom(html);
    const wrong = await b.postForm('/account/two-factor', { intent: 'enable', password: PASSWORD, code: '12345x' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('That code does not match');
    // A borrowed, still signed-in laptop is not enough to tie the account to someone else's phone.
    const noPassword = await b.postForm('/account/two-factor', { intent: 'enable', code: await nextCode(ada.id, key) });
    expect(noPassword.status).toBe(400);
    expect(await noPassword.text()).toContain('Enter your password.');
    const badPassword = await b.postForm('/account/two-factor', { intent: 'enable', password: 'not the password', code: await nextCode(ada.id, key) });
    expect(await badPassword.text()).toContain('That is not your password');
    expect(server.app.db.select().from(twoFactor).where(eq(twoFactor.userId, ada.id)).get()?.enabledAt).toBeNull();
    const ok = await b.postForm('/account/two-factor', { intent: 'enable', password: PASSWORD, code: await nextCode(ada.id, key) });
    expect(ok.status).toBe(200);
    const shown = await ok.text();
    expect(shown.match(/<li><code>[a-z2-9]{5}-[a-z2-9]{5}<\/code><\/li>/g)).toHaveLength(10);
    const after = await (await b.get('/account/two-factor')).text();
    expect(after).toContain('<strong>On.</strong>');
    expect(after).not.toMatch(/[a-z2-9]{5}-[a-z2-9]{5}<\/code>/);
  });

  it('asks for the code after the password; until then the browser has no session and opens nothing', async () => {
    const { b, res } = await signInWithPassword('ada');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/signin/code');
    expect(b.cookie(SESSION_COOKIE)).toBeUndefined();
    expect(b.cookie('potluck_signin')).toBeTruthy();
    for (const path of ['/workspace', '/account', '/account/two-factor']) expect((await b.get(path)).status, path).toBe(303);
    // The half-finished sign-in's token does not work as a session either.
    const asSession = new Browser(server.url);
    asSession.setCookie(SESSION_COOKIE, b.cookie('potluck_signin')!);
    expect((await asSession.get('/workspace')).status).toBe(303);

    expect(await (await b.get('/signin/code')).text()).toContain('Signing in as @ada');
    const wrong = await b.postForm('/signin/code', { code: '000000' === (await nextCode(ada.id, key)) ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('That code is not right');
    const done = await b.postForm('/signin/code', { code: await nextCode(ada.id, key) });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/workspace');
    expect(b.cookie(SESSION_COOKIE)).toBeTruthy();
    expect(b.cookie('potluck_signin')).toBeUndefined();
    expect((await b.get('/workspace')).status).toBe(200);
  });

  it('sends the code page back to /signin without a half-finished sign-in', async () => {
    const res = await new Browser(server.url).get('/signin/code');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/signin');
    const post = await new Browser(server.url).postForm('/signin/code', { code: '123456' });
    expect(post.status).toBe(303);
    expect(post.headers.get('location')).toBe('/signin?expired=1');
  });
});

describe('when the school requires two-factor for staff', () => {
  beforeAll(() => setPolicy(server.app, { staffTwoFactor: true }));
  afterAll(() => setPolicy(server.app, { staffTwoFactor: false }));

  it('a teacher without it sets it up after the password, and only then is signed in', async () => {
    const { b, res } = await signInWithPassword('turing');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/signin/two-factor');
    expect(b.cookie(SESSION_COOKIE)).toBeUndefined();
    expect((await b.get('/workspace')).status).toBe(303);
    const page = await b.get('/signin/two-factor');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Your school asks teachers and admins');
    const key = keyFrom(html);
    const done = await b.postForm('/signin/two-factor', { code: await nextCode(turing.id, key) });
    expect(done.status).toBe(200);
    expect((await done.text()).match(/<li><code>[a-z2-9]{5}-[a-z2-9]{5}<\/code><\/li>/g)).toHaveLength(10);
    expect(b.cookie(SESSION_COOKIE)).toBeTruthy();
    expect((await b.get('/workspace')).status).toBe(200);
  });

  it('a teacher signed in before the switch can only open the set-up page (and sign out) until it is done', async () => {
    const hopper = await makeUser(server.app, 'hopper2', 'teacher');
    const b = signedIn(server.url, server.app, hopper);
    for (const path of ['/workspace', '/account', '/workspace/hubs']) {
      const res = await b.get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe('/account/two-factor');
    }
    const page = await b.get('/account/two-factor');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Your school requires it for teachers and admins');
    const ok = await b.postForm('/account/two-factor', { intent: 'enable', password: PASSWORD, code: await nextCode(hopper.id, keyFrom(html)) });
    expect(ok.status).toBe(200);
    expect((await b.get('/workspace')).status).toBe(200);
  });

  it('students are not asked', async () => {
    const grace = await makeUser(server.app, 'grace');
    expect((await signInWithPassword('grace')).res.headers.get('location')).toBe('/workspace');
    expect((await signedIn(server.url, server.app, grace).get('/workspace')).status).toBe(200);
  });
});
