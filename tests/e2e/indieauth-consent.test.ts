/**
 * Signing in to an app with a Potluck portfolio, in a real browser (Debian's Chromium) at a 360-px phone: the app
 * sends the student to /auth, they sign in first, the consent page says what the app will be able to do, and Allow
 * takes them back to the app with a code (the page's CSP lets that one form go to the app's origin, and no other).
 * The page does not scroll sideways and loads nothing from another origin.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSource, launchChromium } from '../helpers/browser.ts';
import { makeUser } from '../helpers/factories.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { authorizeQuery, pkce, startClientApp, type ClientApp } from '../integration/indieauth/helpers.ts';

let server: TestServer;
let client: ClientApp;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } });
  client = await startClientApp('Quill Test');
  await makeUser(server.app, { handle: 'maya', name: 'Maya Lin' });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await client?.close();
  await server?.stop();
});

/** WCAG 2.2 AA violations axe-core finds on the open page, in light and dark. */
async function axeViolations(page: Page): Promise<string[]> {
  const out: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
    const violations: string[] = await page.evaluate(async () => {
      // @ts-expect-error axe is injected above
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
      return r.violations.map((v: { id: string; nodes: { target: string[] }[] }) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    });
    out.push(...violations.map((v) => `${scheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return out;
}

describe('the consent page in a browser', () => {
  it('signs in first, explains the scopes, and Allow goes back to the app with a code and the state', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const offOrigin: string[] = [];
    context.on('request', (r) => {
      const origin = new URL(r.url()).origin;
      if (origin !== server.url && origin !== client.origin) offOrigin.push(r.url());
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const query = authorizeQuery(client, { challenge: pkce().challenge, scope: 'profile create', state: 'browser-state' });
    await page.goto(`${server.url}/auth?${query}`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.getByLabel('Handle or email').fill('maya');
    await page.getByLabel('Password').fill('password-maya');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/auth');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Quill Test?');
    expect(await page.getByLabel(/Write new pieces in your portfolio/).isChecked()).toBe(true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.origin === client.origin);
    const back = new URL(page.url());
    expect(back.pathname).toBe('/app/callback');
    expect(back.searchParams.get('state')).toBe('browser-state');
    expect(back.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(offOrigin).toEqual([]);

    // The app is then listed on the Apps page, which fits the phone and passes axe too.
    await page.goto(`${server.url}/account/apps`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Apps you allowed');
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  }, 60_000);
});
