/**
 * The family pages in a real browser (Debian's Chromium) at a 360-px phone and a 1280-px desktop: a guardian's
 * /family with work and feedback, the student's account page naming the guardian, the teacher's family-code form,
 * and the admin's list and removal of links. None scrolls sideways, every control is on screen, axe-core finds no
 * WCAG 2.2 AA violation (light and dark), and no request leaves the instance.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub } from '../../src/commands/hubCreator.ts';
import { joinHubWithCode } from '../../src/commands/hubJoiner.ts';
import { createJoinCode } from '../../src/commands/joinCodeCreator.ts';
import { registerAccount } from '../../src/commands/accountRegistrar.ts';
import { feedbackMessages, type User } from '../../src/server/db/schema.ts';
import { setPolicy } from '../../src/server/policy.ts';
import { axeSource, launchChromium, PHONE, signInPage } from '../helpers/browser.ts';
import { makeArtifact, makeUser } from '../helpers/factories.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const DESKTOP = { width: 1280, height: 800 };
let server: TestServer;
let browser: Browser;
let gran: User;
let maya: User;
const offOrigin: string[] = [];

beforeAll(async () => {
  server = await startServer();
  const { app } = server;
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Lindqvist' });
  const teacher = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  await makeUser(app, { handle: 'school-admin', role: 'admin', name: 'School Admin' });
  const hub = createHub(app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'members' } });
  joinHubWithCode(app, { userId: maya.id, code: createJoinCode(app, { role: 'student', createdBy: teacher.id, hubId: hub.id }).code });
  const essay = await makeArtifact(app, maya, { title: 'What the driver of the number 42 said about my notebook', visibility: 'members', summary: 'A reflection on the bus ride home.' });
  await makeArtifact(app, maya, { title: 'Poem for the harbour', visibility: 'public' });
  const code = createJoinCode(app, { role: 'guardian', createdBy: teacher.id, studentHandle: 'maya' });
  gran = await registerAccount(app, { code: code.code, handle: 'gran', name: 'Gran Lindqvist', password: 'violet kettle mountain' });
  setPolicy(app, { guardiansSeeFeedback: true });
  app.db
    .insert(feedbackMessages)
    .values({ id: app.newId(), artifactId: essay.id, authorId: teacher.id, authorName: 'Ms Okafor', authorRole: 'teacher', body: 'Lovely ending.', html: '<p>Lovely ending. Could the middle say more about the notebook?</p>', revision: 1, createdAt: new Date() })
    .run();
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

function signIn(handle: string, password: string): Promise<Page> {
  return signInPage(browser, server.url, { handle, password }, { viewport: PHONE, offOrigin });
}

async function problemsOf(page: Page, paths: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const path of paths) {
    await page.setViewportSize(PHONE);
    const response = await page.goto(`${server.url}${path}`);
    if (response?.status() !== 200) {
      problems.push(`${path}: answered ${response?.status()}`);
      continue;
    }
    for (const [label, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      await page.setViewportSize(viewport);
      const { overflow, offScreen } = await page.evaluate(() => ({
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        offScreen: [...document.querySelectorAll<HTMLElement>('main a, main button, main input, main select')]
          .filter((el) => {
            const box = el.getBoundingClientRect();
            return box.width > 1 && box.height > 1 && (box.right > window.innerWidth + 0.5 || box.left < -0.5);
          })
          .map((el) => (el.textContent || el.getAttribute('name') || '').trim().slice(0, 40)),
      }));
      if (overflow > 0) problems.push(`${path} (${label}): scrolls ${overflow} px sideways`);
      if (offScreen.length) problems.push(`${path} (${label}): off screen: ${offScreen.join(', ')}`);
      for (const scheme of label === 'phone' ? (['light', 'dark'] as const) : (['light'] as const)) {
        await page.emulateMedia({ colorScheme: scheme });
        if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
        const violations: string[] = await page.evaluate(async () => {
          // @ts-expect-error axe is injected above
          const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
          return r.violations.map((v: { id: string; nodes: { target: string[] }[] }) => `${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
        });
        for (const v of violations) problems.push(`${path} (${label}, ${scheme}): ${v}`);
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
  }
  return problems;
}

describe('family pages at phone and desktop width', () => {
  it('a guardian’s home shows the child’s week, fits a phone and passes axe; adding a child works without JavaScript', async () => {
    const page = await signIn('gran', 'violet kettle mountain');
    // Signing in lands a guardian on their family page, not a workspace.
    expect(new URL(page.url()).pathname).toBe('/family');
    await expect(page.getByRole('heading', { name: 'Maya Lindqvist' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: 'What the driver of the number 42 said about my notebook', exact: true }).isVisible()).resolves.toBe(true);
    await expect(page.getByText('Could the middle say more about the notebook?').isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: /^Open the whole conversation on/ }).getAttribute('href')).resolves.toMatch(/^\/workspace\/artifacts\/[^/]+\/feedback$/);
    expect(await problemsOf(page, ['/family', '/account'])).toEqual([]);
    await page.context().close();

    const noScript = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await plain.goto(`${server.url}/signin`);
    await plain.getByLabel('Handle or email').fill('gran');
    await plain.getByLabel('Password').fill('violet kettle mountain');
    await plain.getByRole('button', { name: 'Sign in' }).click();
    await plain.getByLabel('Family code').fill('ABCD-EFGH-JKMN');
    await plain.getByRole('button', { name: 'Link this child' }).click();
    await expect(plain.getByText('That join code does not exist').first().isVisible()).resolves.toBe(true);
    await noScript.close();
  });

  it('the student’s account page, the teacher’s family-code form and the admin’s family pages pass too', async () => {
    const student = await signIn('maya', 'password-maya');
    expect(await problemsOf(student, ['/account'])).toEqual([]);
    await expect(student.getByText('Gran Lindqvist').isVisible()).resolves.toBe(true);
    await student.context().close();

    const teacher = await signIn('ms-okafor', 'password-ms-okafor');
    expect(await problemsOf(teacher, ['/workspace/joincodes'])).toEqual([]);
    await teacher.getByLabel("Student's handle").fill('maya');
    await teacher.getByRole('button', { name: 'Create family code' }).click();
    await expect(teacher.getByText('New family code for the guardians of @maya').isVisible()).resolves.toBe(true);
    await teacher.context().close();

    const admin = await signIn('school-admin', 'password-school-admin');
    expect(await problemsOf(admin, ['/admin/guardians', `/admin/guardians?guardian=${gran.id}&student=${maya.id}`, '/admin/policy'])).toEqual([]);
    await admin.context().close();
    expect(offOrigin).toEqual([]);
  });
});
