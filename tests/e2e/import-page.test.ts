/**
 * The Import page in a real browser at phone width, without any script of its own: choose a zipped blog, watch the
 * check, import, tick two pieces with their labels and make them public. Every page on the way fits the screen and
 * passes axe (WCAG 2.2 AA).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeSource, launchChromium, PHONE, signInPage } from '../helpers/browser.ts';
import { makeUser } from '../helpers/factories.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { buildZip } from '../integration/archive-export/helpers.ts';

let server: TestServer;
let browser: Browser;
let work: string;
const offOrigin: string[] = [];

beforeAll(async () => {
  server = await startServer();
  await makeUser(server.app, { handle: 'maya' });
  browser = await launchChromium();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-import-page-'));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

async function fitsAndPasses(page: Page): Promise<string[]> {
  // The stylesheet too: a control can be on the page before the page has finished loading.
  await page.waitForLoadState('load');
  const problems: string[] = [];
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) problems.push(`${page.url()}: scrolls ${overflow} px sideways`);
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
  const violations: string[] = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v: { id: string; help: string }) => `${v.id}: ${v.help}`);
  });
  return [...problems, ...violations.map((v) => `${page.url()}: ${v}`)];
}

const post = (title: string, extra = '') => Buffer.from(`---\ntitle: ${title}\n${extra}---\n${title} text.\n`);

describe('Import on a phone', () => {
  it('upload, check, import, make two public: forms only, every step fits and passes axe', async () => {
    const zip = path.join(work, 'my-old-blog.zip');
    fs.writeFileSync(zip, buildZip([
      { name: '_posts/2019-09-02-first-day-of-school-and-a-rather-long-title-to-wrap.md', data: post('First day of school, and a rather long title to see it wrap', 'tags: [school, autumn]\n') },
      { name: '_posts/2019-10-11-leaves.md', data: post('Leaves', 'tags: Nature\n') },
      { name: '_posts/2019-11-20-unfinished.md', data: post('Unfinished', 'published: false\n') },
    ]));
    const page = await signInPage(browser, server.url, { handle: 'maya', password: 'password-maya' }, { viewport: PHONE, offOrigin });
    await page.goto(`${server.url}/workspace/import`);
    const problems = await fitsAndPasses(page);
    await page.getByLabel('A file or a zip').setInputFiles(zip);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.waitForURL(/\/workspace\/import\/[0-9a-f-]{36}$/);
    const jobAddress = new URL(page.url()).pathname;
    // The page reloads itself (meta refresh) until the check is done.
    await page.getByRole('button', { name: 'Import 3 pieces' }).waitFor({ timeout: 30_000 });
    problems.push(...(await fitsAndPasses(page)));
    await page.getByRole('button', { name: 'Import 3 pieces' }).click();
    await page.getByRole('button', { name: 'Make these public' }).waitFor({ timeout: 30_000 });
    problems.push(...(await fitsAndPasses(page)));
    expect(await page.locator('input[type=checkbox]:checked').count()).toBe(0);
    await page.getByLabel('First day of school, and a rather long title to see it wrap').check();
    await page.getByLabel('Leaves').check();
    await page.getByRole('button', { name: 'Make these public' }).click();
    await expect.poll(() => page.locator('#published').textContent()).toMatch(/Now public: .*First day of school.*Leaves/);
    problems.push(...(await fitsAndPasses(page)));
    // Back on the Import page, the import is listed to come back to.
    await page.goto(`${server.url}/workspace/import`);
    await page.getByRole('link', { name: 'my-old-blog.zip' }).click();
    await page.waitForURL(`${server.url}${jobAddress}`);
    await page.goto(`${server.url}/workspace/import`);
    problems.push(...(await fitsAndPasses(page)));
    expect(problems).toEqual([]);
    expect(offOrigin).toEqual([]);
    const rows = server.app.db.$client.prepare('select title, visibility from artifacts order by date').all();
    expect(rows).toEqual([
      { title: 'First day of school, and a rather long title to see it wrap', visibility: 'public' },
      { title: 'Leaves', visibility: 'public' },
      { title: 'Unfinished', visibility: 'private' },
    ]);
  });
});
