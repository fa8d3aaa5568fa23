/**
 * Admin actions against someone's account (reset the password, disable, delete) have a confirmation step and, when
 * the admin last proved who they are more than 10 minutes ago, ask for their password — and their code when
 * two-factor is on. Until then nothing changes.
 */
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTwoFactorSetup } from '../../../src/commands/twoFactorStarter.ts';
import { enableTwoFactor } from '../../../src/commands/twoFactorEnabler.ts';
import { totpCode, totpStep } from '../../../src/server/auth/totp.ts';
import { auditEvents, rateLimits, sessions, twoFactor, users, type User } from '../../../src/server/db/schema.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { PASSWORD, makeSession, makeUser } from './factories.ts';
import { SESSION_COOKIE } from '../../../src/server/auth/sessions.ts';

let server: TestServer;
let boss: User;
beforeAll(async () => {
  server = await startServer();
  boss = await makeUser(server.app, 'boss', 'admin');
});
afterAll(() => server?.stop());
beforeEach(() => server.app.db.delete(rateLimits).run());

async function adminTab(): Promise<Browser> {
  const b = new Browser(server.url);
  expect((await b.postForm('/signin', { login: 'boss', password: PASSWORD })).status).toBe(303);
  return b;
}

/** Makes the admin's sessions look as if their password was last entered 11 minutes ago. */
function ageSessions(userId: string) {
  server.app.db.update(sessions).set({ reauthenticatedAt: new Date(Date.now() - 11 * 60_000) }).where(eq(sessions.userId, userId)).run();
}

/** A code the server takes now: after the last one used, within a step of the clock (waits when it must). */
async function nextCode(userId: string, key: Uint8Array): Promise<string> {
  for (;;) {
    const last = server.app.db.select().from(twoFactor).where(eq(twoFactor.userId, userId)).get()?.lastStep ?? 0;
    const now = totpStep(new Date());
    const step = Math.max(last + 1, now - 1);
    if (step <= now + 1) return totpCode(key, step);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const isDisabled = (id: string) => server.app.db.select().from(users).where(eq(users.id, id)).get()?.disabledAt != null;

describe('re-authentication for admin actions', () => {
  it('disabling: confirmation first; after 10 minutes the password again; a wrong one changes nothing', async () => {
    const target = await makeUser(server.app, 'temp1');
    const tab = await adminTab();
    ageSessions(boss.id);
    const ask = await tab.postForm('/admin', { intent: 'disable', userId: target.id });
    expect(ask.status).toBe(303);
    const confirmUrl = ask.headers.get('location')!;
    expect(isDisabled(target.id)).toBe(false);
    const page = await (await tab.get(confirmUrl)).text();
    expect(page).toContain('Disable @temp1?');
    expect(page).toContain('name="password"');

    const none = await tab.postForm(confirmUrl, {});
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('Enter your password.');
    const wrong = await tab.postForm(confirmUrl, { password: 'not my password at all' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('That is not your password');
    expect(isDisabled(target.id)).toBe(false);

    const right = await tab.postForm(confirmUrl, { password: PASSWORD });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/admin?disabled=temp1');
    expect(isDisabled(target.id)).toBe(true);
    // For the next 10 minutes the confirmation alone is enough.
    const other = await makeUser(server.app, 'temp2');
    const next = await tab.postForm(`/admin/confirm?action=disable&user=${other.id}`, {});
    expect(next.status).toBe(303);
    expect(isDisabled(other.id)).toBe(true);
  });

  it('resetting a password and deleting an account ask the same, and take the code when two-factor is on', async () => {
    const target = await makeUser(server.app, 'temp3');
    const before = server.app.db.select().from(users).where(eq(users.id, target.id)).get()!.passwordHash;
    const tab = await adminTab();
    const setup = await startTwoFactorSetup(server.app, boss);
    const key = decodeBase32IgnorePadding(setup.keyText.replace(/ /g, ''));
    enableTwoFactor(server.app, { user: boss, code: totpCode(key, totpStep(new Date())) });
    ageSessions(boss.id);

    const url = `/admin/confirm?action=reset-password&user=${target.id}`;
    const page = await (await tab.get(url)).text();
    expect(page).toContain('Reset the password of @temp3?');
    expect(page).toContain('name="code"');
    const noCode = await tab.postForm(url, { password: PASSWORD });
    expect(noCode.status).toBe(400);
    expect(await noCode.text()).toContain('Enter the 6-digit code');
    expect(server.app.db.select().from(users).where(eq(users.id, target.id)).get()!.passwordHash).toBe(before);
    const done = await tab.postForm(url, { password: PASSWORD, code: await nextCode(boss.id, key) });
    expect(done.status).toBe(200);
    expect(await done.text()).toMatch(/New password for @temp3[^<]*<\/p>\s*<p><strong><code>[a-z2-9-]{23}<\/code>/);
    expect(server.app.db.select().from(users).where(eq(users.id, target.id)).get()!.passwordHash).not.toBe(before);
    const reset = server.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'password.reset')).all();
    expect(reset).toHaveLength(1);
    expect(reset[0]).toMatchObject({ actorHandle: 'boss', subjectHandle: 'temp3' });

    // Deleting: the typed handle and, again after 10 minutes, the password and code.
    ageSessions(boss.id);
    const del = `/admin/delete-account?user=${target.id}`;
    expect(await (await tab.get(del)).text()).toContain('name="password"');
    const refused = await tab.postForm(del, { confirmHandle: 'temp3' });
    expect(refused.status).toBe(400);
    expect(server.app.db.select().from(users).where(eq(users.id, target.id)).get()).toBeDefined();
    const gone = await tab.postForm(del, { confirmHandle: 'temp3', password: PASSWORD, code: await nextCode(boss.id, key) });
    expect(gone.status).toBe(200);
    expect(await gone.text()).toContain('@temp3 is deleted');
    expect(server.app.db.select().from(users).where(eq(users.id, target.id)).get()).toBeUndefined();
    // Three codes in one test: the third waits for the next 30-second step of the clock (nextCode), so the test may
    // take up to half a minute more than its work.
  }, 90_000);

  it("turning off someone's two-factor (a lost phone): a button for accounts that use it, confirmed, then signed out", async () => {
    const lost = await makeUser(server.app, 'lostphone');
    const setup = await startTwoFactorSetup(server.app, lost);
    enableTwoFactor(server.app, { user: lost, code: totpCode(decodeBase32IgnorePadding(setup.keyText.replace(/ /g, '')), totpStep(new Date())) });
    const mine = new Browser(server.url);
    mine.setCookie(SESSION_COOKIE, makeSession(server.app, lost.id));
    const tab = new Browser(server.url);
    tab.setCookie(SESSION_COOKIE, makeSession(server.app, boss.id));
    const list = await (await tab.get('/admin')).text();
    expect(list).toContain('Turn off two-factor<span class="visually-hidden"> of @lostphone</span>');
    expect(list).toContain('Reset password<span class="visually-hidden"> of @temp2</span>');
    expect(list).not.toContain('Turn off two-factor<span class="visually-hidden"> of @temp2</span>');
    const ask = await tab.postForm('/admin', { intent: 'two-factor-off', userId: lost.id });
    expect(ask.headers.get('location')).toBe(`/admin/confirm?action=two-factor-off&user=${lost.id}`);
    expect(server.app.db.select().from(twoFactor).where(eq(twoFactor.userId, lost.id)).get()).toBeDefined();
    const done = await tab.postForm(ask.headers.get('location')!, {});
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('@lostphone signs in with the password alone now');
    expect(server.app.db.select().from(twoFactor).where(eq(twoFactor.userId, lost.id)).get()).toBeUndefined();
    expect((await mine.get('/workspace')).status).toBe(303);
    expect((await new Browser(server.url).postForm('/signin', { login: 'lostphone', password: PASSWORD })).headers.get('location')).toBe('/workspace');
  });

  it('the confirmation page is for admins only and never about the admin themselves', async () => {
    const student = await makeUser(server.app, 'pupil');
    const b = new Browser(server.url);
    await b.postForm('/signin', { login: 'pupil', password: PASSWORD });
    expect((await b.postForm(`/admin/confirm?action=disable&user=${boss.id}`, { password: PASSWORD })).status).toBe(403);
    expect(isDisabled(boss.id)).toBe(false);
    // boss has two-factor on by now: a session straight in the database stands for a finished sign-in.
    const tab = new Browser(server.url);
    tab.setCookie(SESSION_COOKIE, makeSession(server.app, boss.id));
    expect((await tab.get(`/admin/confirm?action=disable&user=${boss.id}`)).status).toBe(404);
    expect((await tab.get(`/admin/confirm?action=promote&user=${student.id}`)).status).toBe(404);
  });
});
