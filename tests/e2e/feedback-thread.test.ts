/**
 * The feedback thread in a real browser (Debian's Chromium) at phone size, 360×740: the teacher's view with its
 * status form and the student's with "what changed since" open pass axe-core (light and dark), fit the screen
 * without sideways scrolling, and the student posts a reply through the page's form.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postFeedback } from '../../src/commands/feedbackPoster.ts';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { eq } from 'drizzle-orm';
import { feedbackMessages, type User } from '../../src/server/db/schema.ts';
import { axeSource, launchChromium, PHONE, signInPage } from '../helpers/browser.ts';
import { makeArtifact, makeHub, makeUser } from '../helpers/factories.ts';
import { startServer, type TestServer } from '../helpers/server.ts';


let server: TestServer;
let browser: Browser;
let teacher: User;
let maya: User;
let pieceId: string;
const offOrigin: string[] = [];

beforeAll(async () => {
  server = await startServer();
  const { app } = server;
  teacher = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Lindqvist' });
  makeHub(app, { teacher, students: [maya], slug: 'english-10' });
  const input = { title: 'What the driver of the number 42 said about my notebook', kind: 'reflection' as const, visibility: 'members' as const, tags: ['course'] };
  const piece = await makeArtifact(app, maya, { ...input, body: 'The bus was late.\nThe driver laughed.' });
  pieceId = piece.id;
  postFeedback(app, {
    actor: teacher,
    artifactId: piece.id,
    text: 'A strong opening. Could the ending say **why** the driver laughed?\n\n- one\n- two\n\n`a_very_long_identifier_that_should_wrap_on_a_phone_screen_without_scrolling_sideways`',
  });
  await saveArtifact(app, { ownerId: maya.id, artifactId: piece.id, input: { ...input, body: 'The bus was late.\nThe driver laughed, because my notebook was upside down.' } });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function signIn(handle: string): Promise<Page> {
  return signInPage(browser, server.url, { handle, password: `password-${handle}` }, { viewport: PHONE, offOrigin });
}

async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
  return page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map(
      (v: { id: string; help: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
  });
}

async function checked(page: Page): Promise<string[]> {
  const problems: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const v of await axeViolations(page)) problems.push(`${scheme}: ${v}`);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) problems.push(`scrolls sideways by ${overflow}px`);
  return problems;
}

describe('the feedback thread on a phone', () => {
  it('the teacher’s view, with the status form, passes axe and fits 360 px', async () => {
    const page = await signIn('ms-okafor');
    await page.goto(`${server.url}/workspace/artifacts/${pieceId}/feedback`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Feedback on');
    expect(await page.getByLabel('Status in A course', { exact: true }).count()).toBe(1);
    expect(await checked(page)).toEqual([]);
    await page.context().close();
  });

  it('the student reads what changed since the feedback and posts a reply with the form', async () => {
    const page = await signIn('maya');
    await page.goto(`${server.url}/workspace/artifacts/${pieceId}/feedback`);
    await page.getByText('What changed since revision 1').click();
    expect(await page.locator('.diff ins').first().textContent()).toContain('because my notebook was upside down');
    expect(await checked(page)).toEqual([]);
    await page.getByLabel(/Your message/).fill('Thank you! I said why in revision 2.');
    await page.getByRole('button', { name: 'Post' }).click();
    await page.waitForURL((url) => url.searchParams.get('posted') === '1');
    expect(await page.getByRole('status').first().textContent()).toContain('Your message is posted.');
    expect(await page.locator('.feedback-thread > li').count()).toBe(2);
    expect(await page.locator('.feedback-thread > li').last().textContent()).toContain('I said why in revision 2');
    expect(await checked(page)).toEqual([]);
    const rows = server.app.db.select().from(feedbackMessages).where(eq(feedbackMessages.artifactId, pieceId)).all();
    expect(rows.map((r) => [r.authorRole, r.revision])).toEqual([
      ['teacher', 1],
      ['owner', 2],
    ]);
    await page.context().close();
    expect(offOrigin).toEqual([]);
  });
});
