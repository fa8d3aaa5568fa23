/**
 * The inbox in a real browser (Debian's Chromium) on a 360 × 740 phone: it fits the screen, axe-core finds no WCAG
 * 2.2 AA violation (light and dark), no request leaves the instance, "Unread" is said in words, and "Mark read"
 * works as a plain form; opening an item marks it read. The settings page and a guardian's copy are checked too.
 */
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardianLinks, notifications, type User } from '../../src/server/db/schema.ts';
import { inTransaction } from '../../src/server/db/tx.ts';
import { notify } from '../../src/server/notifications/notify.ts';
import { axeSource, launchChromium, PHONE, signInPage } from '../helpers/browser.ts';
import { makeUser } from '../helpers/factories.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let maya: User;
let parent: User;
const offOrigin: string[] = [];

beforeAll(async () => {
  server = await startServer();
  maya = await makeUser(server.app, { handle: 'maya-inbox', name: 'Maya Lindqvist' });
  parent = await makeUser(server.app, { handle: 'pat-parent', name: 'Pat Lindqvist', role: 'guardian' });
  server.app.db.insert(guardianLinks).values({ guardianId: parent.id, studentId: maya.id, createdAt: new Date() }).run();
  inTransaction(server.app, () => {
    notify(server.app, { to: maya.id, kind: 'hub.invited', title: 'Ms Okafor (@ms-okafor) invited you to English 10 — a course with a rather long name for a phone', url: '/workspace/hubs' });
    notify(server.app, { to: maya.id, kind: 'assignment.due', title: 'Essay 2 in English 10 is due on Friday and has nothing from you yet (tag #essay2)', url: '/workspace', key: 'a1' });
    // Her guardian's copy (item.hidden is among a guardian's default kinds).
    notify(server.app, { to: maya.id, kind: 'item.hidden', title: 'Your piece was hidden from English 10', url: '/workspace', forGuardians: { title: 'A piece of Maya’s was hidden from English 10', url: '/family' } });
  });
  // Maya's own copy of that is not what her inbox test is about.
  server.app.db.delete(notifications).where(and(eq(notifications.userId, maya.id), eq(notifications.kind, 'item.hidden'))).run();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function signIn(handle: string): Promise<Page> {
  return signInPage(browser, server.url, { handle, password: `password-${handle}` }, { viewport: PHONE, offOrigin });
}

async function problemsOf(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
  const problems: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const violations = await page.evaluate(async () => {
      // @ts-expect-error axe is injected above
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
      return r.violations.map((v: { id: string; help: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    });
    problems.push(...violations.map((v: string) => `${scheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) problems.push(`the page scrolls ${overflow} px sideways`);
  return problems;
}

describe('the inbox on a phone', () => {
  it('fits, passes axe, says Unread in words, and marks an item read with its button', async () => {
    const page = await signIn('maya-inbox');
    await page.goto(`${server.url}/notifications`);
    expect(await problemsOf(page)).toEqual([]);
    const items = page.locator('ol.inbox > li');
    await expect.poll(() => items.count()).toBe(2);
    expect(await page.locator('ol.inbox .badge-unread').count()).toBe(2);
    await expect.poll(() => page.getByText('2 unread of 2.').count()).toBe(1);
    // The newest first: the reminder was made last.
    expect(await items.first().innerText()).toContain('Essay 2');

    await items.first().getByRole('button', { name: /Mark read/ }).click();
    await page.waitForURL(/marked=1/);
    await expect.poll(() => page.getByText('1 unread of 2.').count()).toBe(1);
    expect(await page.locator('ol.inbox .badge-unread').count()).toBe(1);
    expect(await page.getByRole('status').innerText()).toContain('Marked read.');
    expect(await problemsOf(page)).toEqual([]);

    // Opening the other marks it read and lands on where it points.
    await page.getByRole('link', { name: /invited you to English 10/ }).click();
    await page.waitForURL((url) => url.pathname === '/workspace/hubs');
    await page.goto(`${server.url}/notifications`);
    expect(await page.locator('ol.inbox .badge-unread').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Mark all read' }).count()).toBe(0);

    await page.goto(`${server.url}/notifications/settings`);
    expect(await problemsOf(page)).toEqual([]);
    await page.getByRole('button', { name: 'Make my feed address' }).click();
    expect(await page.getByLabel(/Your feed’s address/).inputValue()).toMatch(/\/notifications\/feed\/.+\.atom$/);
    expect(await problemsOf(page)).toEqual([]);
    expect(offOrigin).toEqual([]);
  });

  it("shows a guardian which child a notification is about, and their choices of kinds", async () => {
    const page = await signIn('pat-parent');
    await page.goto(`${server.url}/notifications`);
    expect(await page.locator('ol.inbox > li').first().innerText()).toContain('About Maya Lindqvist (@maya-inbox)');
    expect(await problemsOf(page)).toEqual([]);
    await page.goto(`${server.url}/notifications/settings`);
    await page.getByLabel('An assignment is due in 2 days and has nothing from you yet').check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForURL(/saved=1/);
    expect(await page.getByLabel('An assignment is due in 2 days and has nothing from you yet').isChecked()).toBe(true);
    expect(await problemsOf(page)).toEqual([]);
  });
});
