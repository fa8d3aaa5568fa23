/**
 * Every way the editor used to lose a student's words, in a real browser (Debian's Chromium) against the real
 * server: the session ending mid-edit, two tabs on one piece, the server killed between two drafts, and the server
 * down while typing. Plus the editor's accessibility at phone and desktop sizes.
 */
import fs from 'node:fs';
import net from 'node:net';
import { and, eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../scripts/lib/serverProcess.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../src/server/context.ts';
import { artifacts, drafts, sessions, type User } from '../../src/server/db/schema.ts';
import { axeSource, launchChromium } from '../helpers/browser.ts';
import { makeArtifact, makeUser } from '../helpers/factories.ts';
import { tempDataDir } from '../helpers/server.ts';

let dataDir: string;
let port: number;
let server: ServerProcess;
let app: AppContext;
let browser: Browser;
let maya: User;
const base = () => `http://127.0.0.1:${port}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(p));
    });
  });
}

// The same data folder and port each time, as a real restart would be.
const start = () => startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off', PORT: String(port) });

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function signIn(page: Page, next = '/workspace') {
  await page.goto(`${base()}/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Handle or email').fill('maya');
  await page.getByLabel('Password').fill('password-maya');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/signin');
}

async function newContext(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  // Leaving a page with unsaved changes asks first; these tests mean to leave.
  page.on('dialog', (dialog) => void dialog.accept());
  return { context, page };
}

const draftBody = (artifactId: string) =>
  app.db.select().from(drafts).where(and(eq(drafts.ownerId, maya.id), eq(drafts.key, artifactId))).get()?.fields.body;

beforeAll(async () => {
  dataDir = tempDataDir('potluck-e2e-words-');
  port = await freePort();
  server = await start();
  app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir, PORT: String(port), HOST: '127.0.0.1' }));
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Lopez' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  app?.db.$client.close();
  await server?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the editor never loses a word', () => {
  it('brings everything back after the session ends mid-edit and the student signs in again', async () => {
    const { context, page } = await newContext();
    await signIn(page, '/workspace/artifacts/new');
    await page.locator('#f-title').fill('Notes from the bus');
    await page.locator('#f-body').fill('Line one of a long essay.\n\nLine two, written after the session ended.');
    await page.locator('#f-tags').fill('eng10');
    // Signed out everywhere (an admin reset, "sign out all"), while the page stays open.
    app.db.delete(sessions).where(eq(sessions.userId, maya.id)).run();

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\/signin\?next=/);
    await page.getByLabel('Handle or email').fill('maya');
    await page.getByLabel('Password').fill('password-maya');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/workspace\/artifacts\/new\?kept=1$/);

    await expect(page.locator('#f-title').inputValue()).resolves.toBe('Notes from the bus');
    await expect(page.locator('#f-body').inputValue()).resolves.toBe('Line one of a long essay.\n\nLine two, written after the session ended.');
    await expect(page.locator('#f-tags').inputValue()).resolves.toBe('eng10');
    await expect(page.locator('[data-editor-notice]').textContent()).resolves.toContain('has not been saved yet');
    // Nothing was saved behind the student's back.
    expect(app.db.select().from(artifacts).where(eq(artifacts.ownerId, maya.id)).all()).toEqual([]);

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\?saved=1/);
    const saved = app.db.select().from(artifacts).where(eq(artifacts.ownerId, maya.id)).all();
    expect(saved.map((a) => a.body)).toEqual(['Line one of a long essay.\n\nLine two, written after the session ended.']);
    await context.close();
  });

  it('does not let a second tab silently replace the first one’s save; merging keeps both', async () => {
    const piece = await makeArtifact(app, maya, {
      title: 'Small Weather',
      body: '# Small Weather\n\nThe rain came at noon.\n\nWe stayed in.\n\nThe end.',
    });
    const { context, page: first } = await newContext();
    await signIn(first, `/workspace/artifacts/${piece.id}`);
    const second = await context.newPage();
    second.on('dialog', (dialog) => void dialog.accept());
    await second.goto(`${base()}/workspace/artifacts/${piece.id}`);

    await first.locator('#f-body').fill('# Small Weather\n\nThe rain came at noon.\n\nWe stayed in.\n\nThe end, for now.');
    await first.getByRole('button', { name: 'Save changes' }).click();
    await first.waitForURL(/\?saved=1/);

    await second.locator('#f-body').fill('# Small Weather\n\nThe rain came at noon, hard.\n\nWe stayed in.\n\nThe end.');
    await second.getByRole('button', { name: 'Save changes' }).click();
    await second.getByRole('heading', { name: 'Saved somewhere else while you were writing' }).waitFor();
    await expect(second.locator('.conflict del').first().textContent()).resolves.toContain('The rain came at noon.');
    await expect(second.locator('.conflict ins').first().textContent()).resolves.toContain('The rain came at noon, hard.');
    // The first tab's save still stands.
    expect(app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.body).toContain('The end, for now.');

    await second.getByRole('button', { name: 'Merge both versions' }).click();
    await second.waitForLoadState('load');
    const merged = await second.locator('#f-body').inputValue();
    expect(merged).toContain('The rain came at noon, hard.');
    expect(merged).toContain('The end, for now.');
    await second.getByRole('button', { name: 'Save changes' }).click();
    await second.waitForURL(/\?saved=1/);
    const stored = app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!;
    expect(stored.revision).toBe(3);
    expect(stored.body).toBe('# Small Weather\n\nThe rain came at noon, hard.\n\nWe stayed in.\n\nThe end, for now.');
    await context.close();
  });

  it('keeps the last draft intact when the server is killed between two drafts', async () => {
    const piece = await makeArtifact(app, maya, { title: 'Field notes', body: 'Start.' });
    const { context, page } = await newContext();
    await signIn(page, `/workspace/artifacts/${piece.id}`);
    await page.locator('#f-body').fill('Start. First draft of the day.');
    await until('the first draft', () => draftBody(piece.id) === 'Start. First draft of the day.');
    // The draft is stored before its answer reaches the page: the page says so once the answer is in.
    await page.waitForFunction(() => document.querySelector('[data-draft-status]')?.textContent?.includes('Draft kept at'), null, { timeout: 15_000 });
    await page.locator('#f-body').fill('Start. First draft of the day. And a second thought.');
    await until('the second draft', () => draftBody(piece.id) === 'Start. First draft of the day. And a second thought.');

    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
    server = await start();

    // Only the server's copy counts here: the browser's own is cleared.
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${base()}/workspace/artifacts/${piece.id}`);
    await page.getByRole('heading', { name: 'You have a newer draft of this piece' }).waitFor();
    await page.getByRole('link', { name: 'Restore the draft' }).click();
    await page.waitForURL(/\?draft=restore$/);
    await expect(page.locator('#f-body').inputValue()).resolves.toBe('Start. First draft of the day. And a second thought.');
    await context.close();
  });

  it('keeps what was typed while the server was down in the browser, and offers it back', async () => {
    const piece = await makeArtifact(app, maya, { title: 'Offline', body: 'Before the outage.' });
    const { context, page } = await newContext();
    await signIn(page, `/workspace/artifacts/${piece.id}`);
    await server.stop();

    await page.locator('#f-body').fill('Before the outage. Typed while Potluck was down.');
    await page.waitForFunction(() => document.querySelector('[data-draft-status]')?.textContent?.includes('cannot be reached'), null, { timeout: 15_000 });
    await page.close({ runBeforeUnload: false });

    server = await start();
    const again = await context.newPage();
    again.on('dialog', (dialog) => void dialog.accept());
    await again.goto(`${base()}/workspace/artifacts/${piece.id}`);
    await again.getByRole('heading', { name: 'Text kept in this browser' }).waitFor();
    // The offer sits above the editor and its preview, not in the form's column (the form keeps its place).
    await again.setViewportSize({ width: 1280, height: 800 });
    const offer = await again.locator('.draft-offers').boundingBox();
    const form = await again.locator('#artifact-form').boundingBox();
    expect(offer && form && Math.abs(offer.x - form.x) < 2 && form.y >= offer.y + offer.height).toBe(true);
    expect(offer!.width).toBeGreaterThan(form!.width * 1.5);
    await again.getByRole('button', { name: 'Restore it' }).click();
    await expect(again.locator('#f-body').inputValue()).resolves.toBe('Before the outage. Typed while Potluck was down.');
    // And the restored text goes on to the server as a draft.
    await until('the restored draft', () => draftBody(piece.id) === 'Before the outage. Typed while Potluck was down.');
    await context.close();
  });

  it('keeps the words of two unsaved tabs on one piece apart, and offers both back', async () => {
    const piece = await makeArtifact(app, maya, { title: 'Two tabs', body: 'Shared start.' });
    const { context, page: first } = await newContext();
    await signIn(first, `/workspace/artifacts/${piece.id}`);
    const second = await context.newPage();
    second.on('dialog', (dialog) => void dialog.accept());
    await second.goto(`${base()}/workspace/artifacts/${piece.id}`);
    await first.locator('#f-body').fill('Shared start. Alpha, typed in the first tab.');
    await second.locator('#f-body').fill('Shared start. Beta, typed in the second tab.');
    await first.close({ runBeforeUnload: false });
    await second.close({ runBeforeUnload: false });

    const again = await context.newPage();
    again.on('dialog', (dialog) => void dialog.accept());
    await again.goto(`${base()}/workspace/artifacts/${piece.id}`);
    const offers = again.locator('section[aria-labelledby="local-copy-heading"] li');
    await offers.first().waitFor();
    await expect(offers.count()).resolves.toBe(2);
    // Restoring one brings exactly its words.
    await offers.filter({ hasText: 'typed' }).first().getByRole('button', { name: 'Restore it' }).click();
    const restored = await again.locator('#f-body').inputValue();
    expect(['Shared start. Alpha, typed in the first tab.', 'Shared start. Beta, typed in the second tab.']).toContain(restored);
    await context.close();
  });

  it('saves (not uploads) when Enter is pressed in a field', async () => {
    const { context, page } = await newContext();
    await signIn(page, '/workspace/artifacts/new');
    await page.locator('#f-body').fill('Written, then Enter in the title.');
    await page.locator('#f-title').fill('Pressed Enter');
    await page.locator('#f-title').press('Enter');
    await page.waitForURL(/\?saved=1/);
    const saved = app.db.select().from(artifacts).where(and(eq(artifacts.ownerId, maya.id), eq(artifacts.title, 'Pressed Enter'))).all();
    expect(saved.map((a) => a.body)).toEqual(['Written, then Enter in the title.']);
    await context.close();
  });

  it('warns before a page with unsaved changes is closed', async () => {
    const { context, page } = await newContext();
    await signIn(page, '/workspace/artifacts/new');
    await page.locator('#f-body').fill('Something not saved yet.');
    const dialogs: string[] = [];
    page.removeAllListeners('dialog');
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.dismiss();
    });
    await page.close({ runBeforeUnload: true });
    await until('the beforeunload dialog', () => dialogs.length > 0);
    expect(dialogs).toEqual(['beforeunload']);
    await context.close();
  });

  it('formats from the toolbar and keyboard, counts words, and passes axe at phone and desktop sizes', async () => {
    const { context, page } = await newContext();
    await signIn(page, '/workspace/artifacts/new');
    const body = page.locator('#f-body');
    await body.fill('loud words');
    await body.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(0, 4));
    await page.getByRole('button', { name: 'Bold' }).click();
    await expect(body.inputValue()).resolves.toBe('**loud** words');
    await body.press('End');
    await body.press('Control+z');
    await expect(body.inputValue()).resolves.toBe('loud words');
    await body.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(5, 10));
    await body.press('Control+i');
    await expect(body.inputValue()).resolves.toBe('loud _words_');
    await page.getByRole('button', { name: 'Quote' }).click();
    await expect(body.inputValue()).resolves.toBe('> loud _words_');
    // On a new, empty line the shortcut starts the heading (or item, or quote) to be typed.
    await body.press('End');
    await body.press('Enter');
    await body.press('Control+Alt+2');
    await body.pressSequentially('Next');
    await body.press('Enter');
    await page.getByRole('button', { name: 'Bulleted list' }).click();
    await body.pressSequentially('item');
    await expect(body.inputValue()).resolves.toBe('> loud _words_\n## Next\n- item');
    await body.fill('> loud _words_');
    await page.waitForFunction(() => document.querySelector('[data-word-count]')?.textContent?.startsWith('2 words'), null, { timeout: 30_000 });
    // The live preview keeps the reader's styling: the quote is inside .prose.
    await page.waitForFunction(() => document.querySelector('#preview-content .prose blockquote') !== null, null, { timeout: 30_000 });

    for (const size of [{ width: 390, height: 844 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size);
      await page.evaluate(axeSource());
      const violations = await page.evaluate(async () => {
        // @ts-expect-error axe is injected above
        const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
        return r.violations.map((v: { id: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
      expect(violations, `axe at ${size.width}px`).toEqual([]);
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(sideways, `sideways scroll at ${size.width}px`).toBeLessThanOrEqual(0);
    }
    await context.close();
  });
});
