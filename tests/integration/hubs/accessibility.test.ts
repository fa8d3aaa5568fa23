// Every hub page in a real browser (Debian's Chromium): no axe violations (WCAG 2.2 AA rules), no request to
// another origin, nothing the Content Security Policy had to refuse (no style attributes, no inline script).
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { hideHubEntry } from '../../../src/commands/hubItemHider.ts';
import { pollHub } from '../../../src/commands/hubPoller.ts';
import { SESSION_COOKIE, createSession, generateSessionToken } from '../../../src/server/auth/sessions.ts';
import { artifacts, hubSources } from '../../../src/server/db/schema.ts';
import { axeSource, launchChromium } from '../../helpers/browser.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { rss, startFeedServer, type FeedServer } from './feedServer.ts';

let server: TestServer;
let feeds: FeedServer;
let browser: Browser;
let page: Page;
const offsite: string[] = [];
const refused: string[] = [];

beforeAll(async () => {
  [server, feeds] = await Promise.all([startServer({ env: { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } }), startFeedServer()]);
  const app = server.app;
  const teacher = await makeUser(app, { handle: 'okafor', role: 'teacher', name: 'Adaeze Okafor' });
  const students = [await makeUser(app, { handle: 'maya', name: 'Maya L' }), await makeUser(app, { handle: 'theo', name: 'Theo B' })];
  const hub = createHub(app, {
    actor: { id: teacher.id, role: 'teacher' },
    input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'public', termStart: '2025-01-06', assignments: [{ title: 'Personal essay', tag: 'essay', dueAt: '2025-02-01' }] },
  });
  for (const s of students) addHubMember(app, { actor: null, hubId: hub.id, handle: s.handle });
  await makeArtifact(app, students[0]!, { title: 'My personal essay', visibility: 'public', tags: ['eng10', 'essay'], date: new Date('2025-01-20T10:00:00Z') });
  const other = await makeArtifact(app, students[1]!, { title: 'Off-topic rant', visibility: 'public', tags: ['eng10'], date: new Date('2025-01-22T10:00:00Z') });
  hideHubEntry(app, { actor: null, hubId: hub.id, target: { artifactId: other.id }, reason: 'Off topic' });
  feeds.serve('/theo.xml', rss('Theo on WordPress', [{ title: 'Book talk notes', guid: 't1', link: 'https://theo.example/1', date: '2025-01-25', categories: ['ENG10'] }]));
  feeds.routes.set('/gone.xml', (_req, res) => {
    res.writeHead(410);
    res.end();
  });
  for (const [path, memberId] of [['/theo.xml', students[1]!.id], ['/gone.xml', null]] as const) {
    app.db.insert(hubSources).values({ id: app.newId(), hubId: hub.id, memberId, url: `${feeds.base}${path}`, urlKey: path, title: '', nextFetchAt: new Date(), createdAt: new Date() }).run();
  }
  await pollHub(app, { actor: null, hubId: hub.id, fetch: { allowPrivateNetworks: true } });
  expect(app.db.select().from(artifacts).where(eq(artifacts.id, other.id)).get()).toBeDefined();

  const token = generateSessionToken();
  createSession(app, token, teacher.id);
  browser = await launchChromium();
  const context = await browser.newContext();
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
  await Promise.all([server?.stop(), feeds?.close()]);
});

it('has accessible hub pages that stay inside the CSP and make no third-party request', async () => {
  for (const path of ['/hubs/', '/hubs/english-10/', '/hubs/english-10/?assignment=essay', '/hubs/english-10/progress', '/hubs/english-10/sources', '/hubs/english-10/members', '/hubs/english-10/settings', '/hubs/english-10/hidden', '/hubs/english-10/delete', '/hubs/english-10/leave', '/hubs/new', '/workspace/hubs', '/workspace/hubs?deleted=1']) {
    const response = await page.goto(`${server.url}${path}`);
    expect(response?.status(), path).toBe(200);
    await page.evaluate(axeSource());
    const violations = await page.evaluate(async () => {
      // @ts-expect-error axe is injected above
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
      return r.violations.map((v: { id: string; help: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    });
    expect(violations, `axe violations on ${path}`).toEqual([]);
  }
  const progress = await page.goto(`${server.url}/hubs/english-10/progress`);
  expect(await progress?.text()).toContain('Maya L');
  expect(await page.getByRole('table', { name: /Contributions per week/ }).count()).toBe(1);
  await page.goto(`${server.url}/hubs/english-10/sources`);
  expect(await page.getByText('needs attention').count()).toBeGreaterThan(0);
  expect(offsite).toEqual([]);
  expect(refused).toEqual([]);
});
