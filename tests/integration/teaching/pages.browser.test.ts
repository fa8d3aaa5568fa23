// A teacher's day in a real browser (Debian's Chromium) at phone width (360 px): the landing page, My students, the
// progress view with its chart and status filter, and the members' view of the river have no axe violations (WCAG
// 2.2 AA rules), nothing wider than the screen but the tables and chart that scroll in their own region, no request
// to another origin, and nothing the Content Security Policy had to refuse. The status filter works without script.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { SESSION_COOKIE, createSession, generateSessionToken } from '../../../src/server/auth/sessions.ts';
import { contributionStatuses, feedbackMessages, hubAssignments } from '../../../src/server/db/schema.ts';
import { axeSource, launchChromium } from '../../helpers/browser.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let browser: Browser;
let page: Page;
const offsite: string[] = [];
const refused: string[] = [];

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  const teacher = await makeUser(app, { handle: 'okafor', role: 'teacher', name: 'Adaeze Okafor' });
  const hub = createHub(app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'public' } });
  app.db.insert(hubAssignments).values({ id: app.newId(), hubId: hub.id, title: 'Personal essay', tag: 'essay', dueAt: new Date(Date.now() + 3 * 864e5), createdAt: app.now() }).run();
  for (let i = 0; i < 6; i++) {
    const s = await makeUser(app, { handle: `student${i}`, name: `Student Number ${i}` });
    addHubMember(app, { actor: null, hubId: hub.id, handle: s.handle });
    if (i % 2 === 0) {
      const piece = await makeArtifact(app, s, { title: `Essay by student ${i}`, slug: 'essay', visibility: i === 0 ? 'members' : 'public', tags: ['eng10', 'essay'], date: new Date(Date.now() - i * 20 * 864e5) });
      app.db.insert(feedbackMessages).values({ id: app.newId(), artifactId: piece.id, authorId: s.id, authorName: s.name, authorRole: 'owner', hubId: null, body: 'Is this right?', html: '<p>Is this right?</p>', revision: 1, createdAt: app.now() }).run();
      if (i === 2) app.db.insert(contributionStatuses).values({ hubId: hub.id, artifactId: piece.id, status: 'needs_revision', revision: 1, setBy: teacher.id, setAt: app.now() }).run();
    }
  }
  const token = generateSessionToken();
  createSession(app, token, teacher.id);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url }]);
  page = await context.newPage();
  page.setDefaultTimeout(8_000);
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== server.url) offsite.push(r.url());
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it('has accessible teacher pages at 360 px that stay inside the CSP and make no third-party request', async () => {
  for (const path of ['/workspace/teaching', '/workspace/students', '/workspace/students?who=number', '/hubs/english-10/progress', '/hubs/english-10/progress?status=needs_revision', '/hubs/english-10/?view=members']) {
    const response = await page.goto(`${server.url}${path}`);
    expect(response?.status(), path).toBe(200);
    await page.evaluate(axeSource());
    const violations = await page.evaluate(async () => {
      // @ts-expect-error axe is injected above
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
      return r.violations.map((v: { id: string; help: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    });
    expect(violations, `axe violations on ${path}`).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `sideways scroll on ${path}`).toBeLessThanOrEqual(0);
  }
  expect(offsite).toEqual([]);
  expect(refused).toEqual([]);
});

it('reads the chart as one image with its description, and filters progress by status without script', async () => {
  const cookies = await page.context().cookies();
  const noScript = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  await noScript.addCookies(cookies);
  const page2 = await noScript.newPage();
  page2.setDefaultTimeout(8_000);
  await page2.goto(`${server.url}/hubs/english-10/progress`);
  const chart = page2.getByRole('img', { name: 'Contributions per week' });
  expect(await chart.count()).toBe(1);
  expect(await chart.getAttribute('aria-labelledby')).toBe('week-chart-title week-chart-desc');
  expect(await page2.locator('#week-chart-desc').textContent()).toMatch(/^3 contributions over \d+ weeks, from \d{4}-W\d{2}/);
  expect(await page2.getByRole('table', { name: 'Contributions per week' }).count()).toBe(1);
  await page2.getByLabel('Show').selectOption('needs_revision');
  await page2.getByRole('button', { name: 'Show' }).click();
  await page2.waitForURL(/status=needs_revision/);
  const section = page2.getByRole('region', { name: /Personal essay/ });
  expect(await section.textContent()).toContain('Student Number 2');
  expect(await section.textContent()).not.toContain('Student Number 4');
  await noScript.close();
});
