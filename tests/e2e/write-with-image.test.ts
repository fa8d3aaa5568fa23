/**
 * The student's day in a real browser: sign in -> write with an image -> preview -> save -> see the revision.
 * Debian's Chromium through playwright-core, against a real server with a real SQLite file.
 */
import sharp from 'sharp';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser } from '../helpers/factories.ts';
import { axeSource, launchChromium } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let page: Page;
const requests: string[] = [];

async function expectAccessible(p: Page, label: string) {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected inline scripts.
  await p.evaluate(axeSource());
  const result = await p.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v: { id: string; help: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  expect(result, `axe violations on ${label}`).toEqual([]);
}

beforeAll(async () => {
  server = await startServer();
  await makeUser(server.app, { handle: 'maya', name: 'Maya Lopez' });
  browser = await launchChromium();
  const context = await browser.newContext();
  page = await context.newPage();
  page.setDefaultTimeout(8_000);
  page.on('request', (r) => requests.push(r.url()));
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('a student in the browser', () => {
  it('signs in, uploads a photo, writes, previews, saves and sees the revision', async () => {
    await page.goto(`${server.url}/workspace`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('Handle or email').fill('maya');
    await page.getByLabel('Password').fill('password-maya');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/workspace`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Maya Lopez');

    // A photo with GPS in its EXIF, as a phone makes it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-e2e-'));
    const photo = path.join(dir, 'bus-stop.jpg');
    await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#4a7bb7' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'PhoneCo' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 26/1 46/1' } })
      .toFile(photo);

    await page.goto(`${server.url}/workspace/media`);
    await page.locator('input[type=file]').first().setInputFiles(photo);
    await page.getByLabel(/alt text/i).first().fill('A blue bus stop shelter in the rain');
    await page.getByRole('button', { name: /upload/i }).first().click();
    // The upload runs in the page (progress bar), then the snippet to paste appears.
    const snippet = await page.waitForFunction(() => {
      const value = (document.querySelector('[data-markdown]') as HTMLInputElement | null)?.value ?? '';
      return /^!\[[^\]]*\]\(media:[A-Za-z0-9_-]+\)$/.test(value) ? value : undefined;
    });
    const markdown = (await snippet.jsonValue()) as string;
    expect(markdown).toMatch(/^!\[A blue bus stop shelter in the rain\]\(media:/);

    await page.goto(`${server.url}/workspace/artifacts/new`);
    await expectAccessible(page, 'editor');
    await page.locator('#f-title').fill('Waiting for the 42');
    await page.locator('#f-body').fill(`## Morning\n\nThe bus is late again. #eng10\n\n${markdown}\n`);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.waitForLoadState('load');
    const previewImage = page.locator('#preview-content img');
    await expect(previewImage.getAttribute('alt')).resolves.toBe('A blue bus stop shelter in the rain');
    const loaded = await previewImage.evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth));
    expect(loaded).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\/workspace\/artifacts\/[^/]+\?saved=1(&|$)/);
    await expect(page.locator('[data-saved-key]').textContent()).resolves.toContain('Saved as revision 1');

    await page.locator('#f-body').fill(`## Morning\n\nThe bus came at last. #eng10\n\n${markdown}\n`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(/\?saved=1$/);
    await page.getByRole('link', { name: 'History' }).click();
    await expect(page.getByRole('cell', { name: '2 (current)' }).count()).resolves.toBe(1);
    await expect(page.locator('.diff del').first().textContent()).resolves.toContain('The bus is late again.');
    await expect(page.locator('.diff ins').first().textContent()).resolves.toContain('The bus came at last.');
    await expectAccessible(page, 'history');

    // Nothing on any page asked another origin for anything.
    const foreign = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(foreign).toEqual([]);
  });
});
