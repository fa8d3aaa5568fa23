/**
 * Pictures where the words are, in a real browser (Debian's Chromium through playwright-core) against a real server
 * and SQLite file: a picture dropped onto the text box and one pasted into it are described in a dialog, uploaded,
 * and written in at the cursor; a file that is not a picture is refused beside the editor; the saved piece shows the
 * pictures with the words typed; a new description in Media reaches the public page.
 */
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser } from '../helpers/factories.ts';
import { axeSource, launchChromium } from '../helpers/browser.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let page: Page;
const requests: string[] = [];

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

const body = () => page.locator('#f-body').inputValue();

/** Puts the cursor at `offset` of the text box (or selects start..end). */
async function placeCursor(start: number, end = start) {
  await page.locator('#f-body').evaluate((ta: HTMLTextAreaElement, [s, e]) => {
    ta.focus();
    ta.setSelectionRange(s, e);
  }, [start, end]);
}

/** Drops a file built in the page from `bytes` onto the text box, as a drag from the desktop does. */
async function dropFile(bytes: Buffer, name: string, type: string) {
  await page.locator('#f-body').evaluate(
    (ta: HTMLTextAreaElement, [data, fileName, fileType]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data as number[])], fileName as string, { type: fileType as string }));
      for (const kind of ['dragenter', 'dragover', 'drop']) {
        ta.dispatchEvent(new DragEvent(kind, { dataTransfer: transfer, bubbles: true, cancelable: true }));
      }
    },
    [[...bytes], name, type] as const,
  );
}

/** Pastes a file built in the page from `bytes` into the text box, as pasting a screenshot does. */
async function pasteFile(bytes: Buffer, name: string, type: string) {
  await page.locator('#f-body').evaluate(
    (ta: HTMLTextAreaElement, [data, fileName, fileType]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(data as number[])], fileName as string, { type: fileType as string }));
      ta.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    },
    [[...bytes], name, type] as const,
  );
}

const snippetPattern = /!\[\]\(media:([A-Za-z0-9_-]+)\)/g;

describe('pictures where the words are', () => {
  it('drops and pastes pictures at the cursor, saves them with the words typed, and follows a new description', async () => {
    await page.goto(`${server.url}/signin`);
    await page.getByLabel('Handle or email').fill('maya');
    await page.getByLabel('Password').fill('password-maya');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/workspace`);

    await page.goto(`${server.url}/workspace/artifacts/new`);
    await page.locator('#f-title').fill('Harbour morning');
    await page.getByLabel(/^Public/).check();
    const before = 'We walked down to the harbour.\n\n';
    const after = '\n\nThe boats were back by noon.';
    await page.locator('#f-body').fill(before + after);

    // 1. Drop a picture where the cursor is.
    const harbour = await sharp({ create: { width: 640, height: 420, channels: 3, background: '#2d6a8f' } }).png().toBuffer();
    await placeCursor(before.length);
    await dropFile(harbour, 'harbour.png', 'image/png');
    const dialog = page.getByRole('dialog', { name: 'Add a picture' });
    await dialog.waitFor({ state: 'visible' });
    // Focus is in the description field, so the student can type at once; Enter adds the picture.
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('ep-dialog-alt');
    await expectAccessible(page, 'the picture dialog');
    await page.keyboard.type('Fishing boats tied up at the harbour wall');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => /!\[\]\(media:/.test((document.getElementById('f-body') as HTMLTextAreaElement).value));
    const afterDrop = await body();
    const [dropped] = [...afterDrop.matchAll(snippetPattern)].map((m) => m[1]);
    expect(afterDrop).toBe(`${before}![](media:${dropped})${after}`);
    // The cursor is after the snippet and the text box has focus again.
    await expect(page.evaluate(() => [document.activeElement?.id, (document.activeElement as HTMLTextAreaElement).selectionStart])).resolves.toEqual([
      'f-body',
      before.length + `![](media:${dropped})`.length,
    ]);
    // The text box told the page it changed: the live preview shows the picture.
    await page.waitForFunction((id) => document.querySelector(`#preview-content img[src="/media/${id}/"]`) !== null, dropped);

    // 2. A file that only claims to be a picture: the endpoint's message beside the editor, nothing inserted.
    await placeCursor(0);
    await dropFile(Buffer.from('these are my notes, not a picture'), 'notes.png', 'image/png');
    await dialog.waitFor({ state: 'visible' });
    await dialog.getByLabel('Describe the picture (alt text)').fill('Notes');
    await dialog.getByRole('button', { name: /Upload and add/ }).click();
    await dialog.waitFor({ state: 'hidden' });
    const refusal = page.locator('[data-ep-error]');
    await refusal.waitFor({ state: 'visible' });
    await expect(refusal.textContent()).resolves.toContain('This file is not a picture Potluck can read');
    expect(await body()).toBe(afterDrop);

    // 3. Paste a picture, replacing a selected word; the dialog's Cancel and Escape add nothing.
    const sunset = await sharp({ create: { width: 500, height: 300, channels: 3, background: '#e0703a' } }).png().toBuffer();
    const word = afterDrop.indexOf('noon');
    await placeCursor(word, word + 'noon'.length);
    await pasteFile(sunset, 'image.png', 'image/png');
    await dialog.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await body()).toBe(afterDrop);
    await placeCursor(word, word + 'noon'.length);
    await pasteFile(sunset, 'image.png', 'image/png');
    await dialog.waitFor({ state: 'visible' });
    await dialog.getByLabel('Describe the picture (alt text)').fill('An orange sunset over the water');
    await dialog.getByRole('button', { name: /Upload and add/ }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => ((document.getElementById('f-body') as HTMLTextAreaElement).value.match(/media:/g) ?? []).length === 2);
    const text = await body();
    const pasted = [...text.matchAll(snippetPattern)].map((m) => m[1]).find((id) => id !== dropped)!;
    expect(text).toBe(`${before}![](media:${dropped})\n\nThe boats were back by ![](media:${pasted}).`);

    // 4. The picker's own file input (with "Take a photo" beside it) adds at the cursor too, and the list of earlier
    // pictures puts one in again without uploading it twice.
    await expect(page.locator('#f-camera').getAttribute('capture')).resolves.toBe('environment');
    const boat = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#1b3b6f' } }).png().toBuffer();
    await placeCursor(text.length);
    await page.locator('#f-file').setInputFiles({ name: 'boat.png', mimeType: 'image/png', buffer: boat });
    await page.locator('#f-alt').fill('A small blue rowing boat');
    await page.getByRole('button', { name: 'Upload and add to text' }).click();
    await page.waitForFunction(() => ((document.getElementById('f-body') as HTMLTextAreaElement).value.match(/media:/g) ?? []).length === 3);
    const withBoat = await body();
    const chosen = [...withBoat.matchAll(snippetPattern)].map((m) => m[1]).find((id) => id !== dropped && id !== pasted)!;
    expect(withBoat).toBe(`${text}![](media:${chosen})`);
    await page.getByText(/Your earlier pictures/).click();
    await placeCursor(0);
    await page.getByRole('button', { name: /^Add to text\W+Fishing boats tied up at the harbour wall$/ }).click();
    const final = await body();
    expect(final).toBe(`![](media:${dropped})${withBoat}`);
    await expectAccessible(page, 'the editor with pictures');

    // 5. Save, and read the public page.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\/workspace\/artifacts\/[^/]+\?saved=1/);
    const publicPage = `${server.url}/@maya/harbour-morning/`;
    const altsOf = (id: string) => page.locator(`main img[src="/media/${id}/"]`).evaluateAll((imgs) => imgs.map((img) => img.getAttribute('alt')));
    await page.goto(publicPage);
    await expect(altsOf(dropped)).resolves.toEqual(['Fishing boats tied up at the harbour wall', 'Fishing boats tied up at the harbour wall']);
    await expect(altsOf(pasted)).resolves.toEqual(['An orange sunset over the water']);
    await expect(altsOf(chosen)).resolves.toEqual(['A small blue rowing boat']);
    const loaded = await page.locator(`img[src="/media/${dropped}/"]`).first().evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth));
    expect(loaded).toBeGreaterThan(0);

    // 6. A new description in Media reaches the page that shows the picture.
    await page.goto(`${server.url}/workspace/media`);
    const card = page.locator(`#m-${dropped}`);
    await card.getByLabel('Description (alt text)').fill('Three red fishing boats at the harbour wall, low tide');
    await card.getByRole('button', { name: 'Save description' }).click();
    await page.waitForURL(/\/workspace\/media\?saved=/);
    await page.goto(publicPage);
    await expect(altsOf(dropped)).resolves.toEqual(['Three red fishing boats at the harbour wall, low tide', 'Three red fishing boats at the harbour wall, low tide']);
    await expect(altsOf(pasted)).resolves.toEqual(['An orange sunset over the water']);

    // Nothing on any page asked another origin for anything.
    const foreign = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(foreign).toEqual([]);
  });
});
