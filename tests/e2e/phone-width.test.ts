/**
 * Every page a student, a teacher and an admin of the demo school reach, on a 390-px phone and a 1280-px desktop,
 * in a real browser (Debian's Chromium): no page scrolls sideways, every control in the page is on screen, axe-core
 * finds no WCAG 2.2 AA violation (in light and dark), no request leaves the instance, and no words run together in
 * the rendered text ("unlisted(3 pieces", "same files asDownload my site", "Maya Lindqvist· Dec 1"). Plus what a
 * person notices on the way: radios and checkboxes beside their labels, a welcome on a new student's first page.
 */
import { and, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { joinHubWithCode } from '../../src/commands/hubJoiner.ts';
import { createJoinCode } from '../../src/commands/joinCodeCreator.ts';
import { artifacts, hubs, showcases, users } from '../../src/server/db/schema.ts';
import { axeSource, launchChromium } from '../helpers/browser.ts';
import { makeArtifact, makeUser } from '../helpers/factories.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let server: TestServer;
let browser: Browser;
/** A piece of Maya's saved three times, so its history has revisions to restore. */
let revisedId: string;
const offOrigin: string[] = [];

beforeAll(async () => {
  server = await startServer({ demo: true });
  const { app } = server;
  const teacher = app.db.select().from(users).where(eq(users.handle, 'ms-okafor')).get()!;
  const hub = app.db.select().from(hubs).where(eq(hubs.slug, 'english-10')).get()!;
  // A live join code, so the teacher's and the admin's tables of codes have a row (and a Revoke button) to fit.
  const code = createJoinCode(app, { role: 'student', createdBy: teacher.id, hubId: hub.id, maxUses: 30, days: 30 });
  // A student who has just joined the class with it: no work yet.
  const nina = await makeUser(app, { handle: 'nina', name: 'Nina Okoye' });
  joinHubWithCode(app, { userId: nina.id, code: code.code });
  const maya = app.db.select().from(users).where(eq(users.handle, 'maya')).get()!;
  const input = { title: 'What the driver of the number 42 said about my notebook', kind: 'reflection' as const, visibility: 'members' as const };
  const piece = await makeArtifact(app, maya, { ...input, body: 'First try. #eng10' });
  await saveArtifact(app, { ownerId: maya.id, artifactId: piece.id, input: { ...input, body: 'Second try, with a longer ending. #eng10' } });
  await saveArtifact(app, { ownerId: maya.id, artifactId: piece.id, input: { ...input, body: 'Third try. #eng10' } });
  revisedId = piece.id;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function userId(handle: string): string {
  return server.app.db.select({ id: users.id }).from(users).where(eq(users.handle, handle)).get()!.id;
}

/** Maya's public piece and showcase from the demo school. */
function mayasPieces() {
  const maya = userId('maya');
  const publicPiece = server.app.db
    .select({ slug: artifacts.slug, date: artifacts.date })
    .from(artifacts)
    .where(and(eq(artifacts.ownerId, maya), eq(artifacts.visibility, 'public')))
    .get()!;
  const showcase = server.app.db.select({ id: showcases.id, slug: showcases.slug }).from(showcases).where(eq(showcases.ownerId, maya)).get()!;
  return { publicSlug: publicPiece.slug, year: publicPiece.date.getUTCFullYear(), showcase };
}

async function signIn(handle: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: PHONE });
  context.on('request', (r) => {
    if (new URL(r.url()).origin !== server.url && !r.url().startsWith('data:')) offOrigin.push(r.url());
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/signin`);
  await page.getByLabel('Handle or email').fill(handle);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/signin');
  return { context, page };
}

async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected inline scripts.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
  return page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map(
      (v: { id: string; help: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
  });
}

/** How far the page scrolls sideways, and the controls in the page that stick out of the screen. */
async function sideways(page: Page): Promise<{ overflow: number; offScreen: string[] }> {
  return page.evaluate(() => {
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    const offScreen = [...document.querySelectorAll<HTMLElement>('main a, main button, main input, main select, main textarea, main summary')]
      .filter((el) => {
        const box = el.getBoundingClientRect();
        // Visually hidden helpers are 1 px; hidden controls have no box at all.
        return box.width > 1 && box.height > 1 && (box.right > window.innerWidth + 0.5 || box.left < -0.5);
      })
      .map((el) => `${el.tagName.toLowerCase()} “${(el.textContent || el.getAttribute('aria-label') || el.getAttribute('name') || '').trim().slice(0, 40)}”`);
    return { overflow, offScreen };
  });
}

/**
 * Places in the rendered text of the page's main part (what a reader sees, code and form fields left out) where words run together: a
 * word glued to "(" or to "·", a lowercase word glued to a capitalised one, a sentence or a colon glued to the
 * next word.
 */
async function runTogether(page: Page): Promise<string[]> {
  // Last check on a page: it replaces code and form fields in the page itself, so innerText still follows the
  // layout (block boundaries become line breaks) the way a reader sees it.
  const text = await page.evaluate(() => {
    const main = document.querySelector('main')!;
    main.querySelectorAll('code, pre, kbd, samp, textarea, select, input, script, style, template').forEach((el) => el.replaceWith('▢'));
    return main.innerText;
  });
  const patterns = [/[\p{L}\d]\((?!s\))/u, /[\p{L}\d)]·|·[\p{L}\d(]/u, /(?<![\p{L}\d])\p{Ll}{2,}\p{Lu}\p{Ll}/u, /\p{Ll}[:;]\p{L}/u, /\p{Ll}[.!?]\p{Lu}\p{Ll}/u];
  const found: string[] = [];
  for (const line of text.split('\n')) {
    for (const pattern of patterns) {
      const m = pattern.exec(line);
      if (m) found.push(line.slice(Math.max(0, m.index - 25), m.index + 25).trim());
    }
  }
  return found;
}

/**
 * Opens a page. A navigation the browser itself gives up on (a network error, not an HTTP status) is tried once
 * more, with a warning: on a loaded two-core machine Chromium has, rarely, failed a navigation the server answered;
 * a page that fails twice, or answers anything but 200, is still a problem.
 */
async function openOnce(page: Page, url: string) {
  try {
    return await page.goto(url);
  } catch (error) {
    console.warn(`phone-width: ${url} failed to load (${(error as Error).message.split('\n')[0]}); trying once more`);
    await page.waitForTimeout(500);
    return await page.goto(url);
  }
}

/** Opens every path at phone and desktop width and collects what is wrong with each, by page and width. */
async function checkPages(page: Page, paths: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const path of paths) {
    await page.setViewportSize(PHONE);
    const response = await openOnce(page, `${server.url}${path}`);
    if (response?.status() !== 200) {
      problems.push(`${path}: answered ${response?.status()}`);
      continue;
    }
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      await page.setViewportSize(viewport);
      const { overflow, offScreen } = await sideways(page);
      if (overflow > 0) problems.push(`${path} (${label}): the page scrolls ${overflow} px sideways`);
      if (offScreen.length) problems.push(`${path} (${label}): off screen: ${offScreen.join(', ')}`);
      for (const v of await axeViolations(page)) problems.push(`${path} (${label}): ${v}`);
      if (label === 'phone') {
        // Dark mode too, where contrast differs: once per page is enough (colours do not depend on width).
        await page.emulateMedia({ colorScheme: 'dark' });
        for (const v of await axeViolations(page)) problems.push(`${path} (phone, dark): ${v}`);
        await page.emulateMedia({ colorScheme: 'light' });
      }
    }
    for (const r of await runTogether(page)) problems.push(`${path}: words run together: “${r}”`);
  }
  return problems;
}

describe('every page at phone and desktop width', () => {
  it('a student’s pages fit the screen, pass axe and read right', async () => {
    const { showcase } = mayasPieces();
    const { context, page } = await signIn('maya', 'demo-maya-pass');
    try {
      const problems = await checkPages(page, [
        '/workspace',
        '/workspace/artifacts/new',
        `/workspace/artifacts/${revisedId}`,
        `/workspace/artifacts/${revisedId}/revisions`,
        `/workspace/artifacts/${revisedId}/delete`,
        '/workspace/media',
        '/workspace/showcases',
        '/workspace/showcases/new',
        `/workspace/showcases/${showcase.id}`,
        '/workspace/hubs',
        '/workspace/site',
        '/workspace/publish',
        '/workspace/export',
        '/workspace/import',
        '/account',
        '/account/profile',
        '/account/consent',
        '/hubs/',
        '/hubs/english-10/',
        '/hubs/english-10/leave',
        // Her own portfolio as she sees it (with the Edit links); the public pages are the visitor's below.
        '/@maya/',
        '/@maya/tags/',
        '/@maya/archive/',
      ]);
      expect(problems).toEqual([]);

      // The history's Restore buttons are on a phone's screen, not beyond its right edge.
      await page.setViewportSize(PHONE);
      await page.goto(`${server.url}/workspace/artifacts/${revisedId}/revisions`);
      const restore = page.getByRole('button', { name: /^Restore revision \d+$/ }).first();
      await restore.scrollIntoViewIfNeeded();
      const box = (await restore.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    } finally {
      await context.close();
    }
  }, 90_000);

  it('a teacher’s pages fit the screen, pass axe and read right; the hub’s visibility choices stand one per line', async () => {
    const { context, page } = await signIn('ms-okafor', 'demo-teacher-pass');
    try {
      const problems = await checkPages(page, [
        '/workspace',
        '/workspace/teaching',
        '/workspace/students',
        '/workspace/joincodes',
        '/workspace/hubs',
        '/hubs/new',
        '/hubs/english-10/',
        '/hubs/english-10/members',
        '/hubs/english-10/progress',
        '/hubs/english-10/settings',
        '/hubs/english-10/sources',
        '/hubs/english-10/hidden',
        '/account',
      ]);
      expect(problems).toEqual([]);

      await page.setViewportSize(PHONE);
      await page.goto(`${server.url}/hubs/english-10/settings`);
      const members = page.getByRole('radio', { name: /^Members of the hub only/ });
      const everyone = page.getByRole('radio', { name: /^Everyone\./ });
      const [a, b] = [(await members.boundingBox())!, (await everyone.boundingBox())!];
      // One choice per line, each radio at the start of its own line with its words beside it.
      expect(b.y).toBeGreaterThan(a.y + a.height);
      expect(Math.abs(a.x - b.x)).toBeLessThan(1);
      await expectBesideItsWords(page, 'Members of the hub only');
    } finally {
      await context.close();
    }
  }, 90_000);

  it('an admin’s pages fit the screen, pass axe and read right; the policy checkbox sits beside its words', async () => {
    const { context, page } = await signIn('school-admin', 'demo-admin-pass');
    try {
      const problems = await checkPages(page, ['/admin', '/admin/policy', '/admin/audit', `/admin/delete-account?user=${userId('theo')}`, '/workspace', '/account']);
      expect(problems).toEqual([]);

      await page.setViewportSize(PHONE);
      await page.goto(`${server.url}/admin`);
      // Each account's buttons are reachable and say whose they are.
      await expect(page.getByRole('button', { name: 'Reset password of @theo' }).isVisible()).resolves.toBe(true);
      await page.goto(`${server.url}/admin/policy`);
      await expectBesideItsWords(page, 'Going public needs recorded consent');
    } finally {
      await context.close();
    }
  });

  it('a new student’s first page welcomes them, says to write a first piece and names the class hashtag', async () => {
    const { context, page } = await signIn('nina', 'password-nina');
    try {
      expect(await checkPages(page, ['/workspace'])).toEqual([]);
      const welcome = page.getByRole('region', { name: /Welcome/ });
      await expect(welcome.getByRole('link', { name: 'Write your first piece' }).getAttribute('href')).resolves.toBe('/workspace/artifacts/new');
      await expect(welcome.innerText()).resolves.toContain('Tag work #eng10 to share it with English 10 with Ms. Okafor.');
    } finally {
      await context.close();
    }
  });

  it('what a visitor reads (home, sign-in, sign-up, the hub, a portfolio) fits the screen, passes axe and reads right', async () => {
    const { publicSlug, year, showcase } = mayasPieces();
    const context = await browser.newContext({ viewport: PHONE });
    context.on('request', (r) => {
      if (new URL(r.url()).origin !== server.url && !r.url().startsWith('data:')) offOrigin.push(r.url());
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      const problems = await checkPages(page, [
        '/',
        '/signin',
        '/signup',
        '/hubs/',
        '/hubs/english-10/',
        '/@maya/',
        `/@maya/${publicSlug}/`,
        `/@maya/showcases/${showcase.slug}/`,
        '/@maya/tags/poetry/',
        `/@maya/archive/${year}/`,
      ]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('no page asked another origin for anything', () => {
    expect(offOrigin).toEqual([]);
  });
});

/** The radio or checkbox of the label starting with `words` is on the first line of those words, just before them. */
async function expectBesideItsWords(page: Page, words: string): Promise<void> {
  const label = page.locator('label', { hasText: words });
  const input = (await label.locator('input').boundingBox())!;
  const text = (await label.locator('span').boundingBox())!;
  const lineHeight = await label.locator('span').evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
  expect(input.x + input.width).toBeLessThanOrEqual(text.x);
  expect(text.x - (input.x + input.width)).toBeLessThan(16);
  expect(input.y).toBeLessThan(text.y + lineHeight);
}
