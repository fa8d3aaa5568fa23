/** Debian's Chromium, driven by playwright-core: never a downloaded browser. */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium with the flags this closed network needs. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's package: apt-get install chromium`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

/** axe-core's source, injected into pages for accessibility checks. */
export function axeSource(): string {
  return fs.readFileSync(new URL(import.meta.resolve('axe-core/axe.min.js')), 'utf8');
}

/** A phone's viewport, the width the phone-size tests read pages at. */
export const PHONE = { width: 360, height: 740 };

/**
 * A new context (at `viewport`) signed in through the real sign-in form; every request it makes to another origin
 * than `origin` (data: URLs aside) is pushed to `offOrigin`, for tests that check no page calls a third party.
 */
export async function signInPage(
  browser: Browser,
  origin: string,
  login: { handle: string; password: string },
  options: { viewport?: { width: number; height: number }; offOrigin?: string[] } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: options.viewport ?? PHONE });
  context.on('request', (r) => {
    if (new URL(r.url()).origin !== origin && !r.url().startsWith('data:')) options.offOrigin?.push(r.url());
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${origin}/signin`);
  await page.getByLabel('Handle or email').fill(login.handle);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/signin');
  return page;
}
