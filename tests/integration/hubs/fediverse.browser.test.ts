// The hashtag pages in a real browser (Debian's Chromium), 360 px wide: the Sources page with its "Follow a
// hashtag" form and the approval queue have no axe violations (WCAG 2.2 AA rules), make no request to another
// origin (the held posts' pictures and the servers' pages are never loaded), and work without JavaScript: the
// teacher follows a tag by pasting its address and approves a post with plain forms.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { SESSION_COOKIE, createSession, generateSessionToken } from '../../../src/server/auth/sessions.ts';
import { axeSource, launchChromium } from '../../helpers/browser.ts';
import { makeUser } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { startFeedServer, type FeedServer } from './feedServer.ts';

let server: TestServer;
let mastodon: FeedServer;
let browser: Browser;
let page: Page;
const offsite: string[] = [];
const refused: string[] = [];

beforeAll(async () => {
  [server, mastodon] = await Promise.all([startServer({ env: { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } }), startFeedServer()]);
  const feed = fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/mastodon/server-a.rss'), 'utf8');
  mastodon.serve('/tags/t509massive.rss', feed.replaceAll('{{EXTRA}}', '').replaceAll('{{A}}', mastodon.base).replaceAll('{{B}}', 'https://other.example'));
  const app = server.app;
  const teacher = await makeUser(app, { handle: 'okafor', role: 'teacher', name: 'Adaeze Okafor' });
  await makeUser(app, { handle: 'maya', name: 'Maya L' });
  const hub = createHub(app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'massive', title: 'Massive', tags: 'eng10', visibility: 'public' } });
  addHubMember(app, { actor: null, hubId: hub.id, handle: 'maya' });
  const token = generateSessionToken();
  createSession(app, token, teacher.id);
  browser = await launchChromium();
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
  await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url }]);
  page = await context.newPage();
  page.setDefaultTimeout(8_000);
  page.on('request', (r) => {
    if (new URL(r.url()).origin !== server.url) offsite.push(r.url());
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([server?.stop(), mastodon?.close()]);
});

async function noViolations(where: string): Promise<void> {
  // axe needs script: it runs in a second, script-enabled page on the same HTML.
  const html = await page.content();
  const checker = await browser.newPage({ viewport: { width: 360, height: 800 } });
  await checker.route('**/*', (route) => (route.request().url().startsWith(server.url) ? route.continue() : route.abort()));
  await checker.goto(`${server.url}/healthz`);
  await checker.setContent(html.replace('<head>', `<head><base href="${server.url}/">`));
  await checker.evaluate(axeSource());
  const violations = await checker.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v: { id: string; help: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  });
  await checker.close();
  expect(violations, `axe violations on ${where}`).toEqual([]);
  // Nothing wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${where} at 360 px`).toBeLessThanOrEqual(360);
}

it('a teacher follows a hashtag and approves a post with plain forms, on accessible pages that load nothing remote', async () => {
  await page.goto(`${server.url}/hubs/massive/sources`);
  await noViolations('/hubs/massive/sources');
  // A mistake first: the error is tied to its field.
  await page.getByLabel('Hashtag').fill('two words');
  await page.getByLabel('Server').fill('mastodon.social');
  await page.getByRole('button', { name: 'Follow the hashtag' }).click();
  expect(await page.getByLabel('Hashtag').getAttribute('aria-invalid')).toBe('true');
  expect(await page.getByText('is not a hashtag').count()).toBeGreaterThan(0);
  await noViolations('/hubs/massive/sources (error)');
  await page.getByLabel('Server').fill('');
  await page.getByLabel('Hashtag').fill(`${mastodon.base}/tags/t509massive`);
  await page.getByRole('button', { name: 'Follow the hashtag' }).click();
  expect(await page.getByText('wait for your approval').count()).toBeGreaterThan(0);

  await page.getByRole('link', { name: 'Waiting for approval' }).first().click();
  expect(new URL(page.url()).pathname).toBe('/hubs/massive/held');
  await noViolations('/hubs/massive/held');
  expect(await page.getByRole('heading', { level: 2, name: /^Bob here from the other server/ }).count()).toBe(1);
  await page.getByRole('button', { name: /^Approve: Bob here/ }).click();
  expect(await page.getByText('Approved: the post is in the river.').count()).toBe(1);
  await page.goto(`${server.url}/hubs/massive/`);
  expect(await page.getByRole('heading', { level: 2, name: /^Bob here from the other server, sharing a reading list…$/ }).count()).toBe(1);
  await noViolations('/hubs/massive/');
  expect(offsite).toEqual([]);
  expect(refused).toEqual([]);
});
