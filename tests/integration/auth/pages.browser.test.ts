/**
 * The sign-in security pages in a real browser (Debian's Chromium) at phone width: two-factor set-up shows a QR code
 * that is really drawn (an SVG from this server) and works by typing a code, sign-in then asks for the code, the
 * sessions list and the admin's confirmation page fit the screen and pass axe-core's WCAG 2.2 AA rules, and no
 * request leaves the instance.
 */
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode, totpStep } from '../../../src/server/auth/totp.ts';
import { twoFactor, type User } from '../../../src/server/db/schema.ts';
import { axeSource, launchChromium } from '../../helpers/browser.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { PASSWORD, makeUser } from './factories.ts';

const PHONE = { width: 390, height: 844 };
let server: TestServer;
let browser: Browser;
let teacher: User;
let target: User;
const offOrigin: string[] = [];

beforeAll(async () => {
  server = await startServer();
  teacher = await makeUser(server.app, 'okafor', 'admin');
  target = await makeUser(server.app, 'theo');
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
  return page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v: { id: string; nodes: { target: string[] }[] }) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
}

const sidewaysScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

async function nextCode(userId: string, key: Uint8Array): Promise<string> {
  for (;;) {
    const last = server.app.db.select().from(twoFactor).where(eq(twoFactor.userId, userId)).get()?.lastStep ?? 0;
    const now = totpStep(new Date());
    const step = Math.max(last + 1, now - 1);
    if (step <= now + 1) return totpCode(key, step);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('sign-in security pages in a browser', () => {
  it('set up two-factor from the QR page, then sign in with a code; the pages fit a phone and pass axe', async () => {
    const context = await browser.newContext({ viewport: PHONE });
    context.on('request', (r) => {
      if (new URL(r.url()).origin !== server.url && !r.url().startsWith('data:')) offOrigin.push(r.url());
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const signInWithPassword = async () => {
      await page.goto(`${server.url}/signin`);
      await page.getByLabel('Handle or email').fill('okafor');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname !== '/signin');
    };
    await signInWithPassword();

    await page.goto(`${server.url}/account/two-factor`);
    const qr = page.getByRole('img', { name: 'QR code holding your two-factor key' });
    const box = (await qr.locator('svg').boundingBox())!;
    expect(box.width).toBeGreaterThan(150);
    expect(box.width).toBeLessThanOrEqual(PHONE.width);
    expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);
    const key = decodeBase32IgnorePadding((await page.locator('#totp-key').innerText()).replace(/ /g, ''));
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByLabel('Code from the app').fill(await nextCode(teacher.id, key));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await expect(page.locator('.recovery-codes li').count()).resolves.toBe(10);
    expect(await axeViolations(page)).toEqual([]);

    // The sessions list on /account.
    await page.goto(`${server.url}/account`);
    await expect(page.getByText('(this one)').isVisible()).resolves.toBe(true);
    expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);

    // The admin's confirmation page.
    await page.goto(`${server.url}/admin/confirm?action=disable&user=${target.id}`);
    await expect(page.getByRole('heading', { name: 'Disable @theo?' }).isVisible()).resolves.toBe(true);
    expect(await axeViolations(page)).toEqual([]);

    // Signed out, signing in now asks for the code.
    await page.getByRole('button', { name: 'Sign out' }).first().click();
    await page.waitForURL(`${server.url}/`);
    await signInWithPassword();
    expect(new URL(page.url()).pathname).toBe('/signin/code');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Code').fill(await nextCode(teacher.id, key));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/workspace`);
    expect(offOrigin).toEqual([]);
    await context.close();
  });
});
