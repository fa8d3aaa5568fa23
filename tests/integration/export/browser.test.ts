/**
 * The exported folder opened from disk in a real browser (Debian's Chromium): index.html -> click through to a
 * piece of work -> its picture loads and the stylesheet applies, and the browser never asks the network.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../helpers/browser.ts';
import { startServer, tempDataDir, type TestServer } from '../../helpers/server.ts';
import { makePortfolio, runSiteCli } from './helpers.ts';

let server: TestServer;
let browser: Browser;
let work: string;
let site: string;

beforeAll(async () => {
  server = await startServer();
  await makePortfolio(server.app);
  work = tempDataDir('potluck-export-browser-');
  site = path.join(work, 'site');
  const result = await runSiteCli(server, ['--handle', 'maya', '--out', site]);
  expect(result, result.err).toMatchObject({ code: 0 });
  // The server is not needed to read the export: stop it, so nothing could be loaded from it by accident.
  await server.stop();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the exported site, opened from disk', () => {
  it('clicks from index.html through pages to a piece of work and shows its picture', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    const requests: string[] = [];
    const failed: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));

    await page.goto(pathToFileURL(path.join(site, 'index.html')).href);
    await expect(page.locator('h1').first().textContent()).resolves.toContain('Maya López');
    // The stylesheet applies from disk: the skip link is moved off screen by potluck.css.
    expect(await page.locator('.skip-link').evaluate((e) => getComputedStyle(e).position)).toBe('absolute');

    // Newest first: Entry 0, the oldest, is on a later page. Follow "older" links to it, then open it.
    const entry = page.getByRole('link', { name: 'Entry 0', exact: true });
    let hops = 0;
    while ((await entry.count()) === 0 && hops++ < 5) {
      await page.locator('a[rel="next"]').first().click();
      await page.waitForLoadState('load');
      expect(page.url()).toMatch(/\/page\/\d+\/index\.html$/);
    }
    expect(hops).toBeGreaterThan(0);
    await entry.click();
    await page.waitForLoadState('load');
    expect(page.url()).toMatch(/\/entry-0\/index\.html$/);
    await expect(page.locator('h1').first().textContent()).resolves.toBe('Entry 0');

    const image = page.locator('.e-content img').first();
    await image.scrollIntoViewIfNeeded();
    await page.waitForFunction((img) => (img as HTMLImageElement).complete, await image.elementHandle());
    expect(await image.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(await image.evaluate((img) => (img as HTMLImageElement).currentSrc)).toMatch(/^file:\/\/.*\/media\/[^/]+\/w\d+\.webp$/);

    // Back to the portfolio through the header, still on disk.
    await page.locator('.portfolio-title').click();
    await page.waitForLoadState('load');
    expect(page.url()).toBe(pathToFileURL(path.join(site, 'index.html')).href);

    expect(failed).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    await page.close();
  });
});
