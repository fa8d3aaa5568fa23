// Small things readers meet, through the real server: every page that is not there, or is not for this reader
// (class-only or private work, a members-only hub), answers the same 404 with a sign-in link back to it; and a
// portfolio feed opened in a browser (Debian's Chromium) is a page with its items and the address to paste.
import { parseRssFeed } from 'feedsmith';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { acceptHubInvitation } from '../../../src/commands/hubInvitationAccepter.ts';
import type { Artifact, User } from '../../../src/server/db/schema.ts';
import { launchChromium } from '../../helpers/browser.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

const SITE = 'https://school.example';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let server: TestServer;
let anonymous: Browser;
let outsider: Browser;
let classOnly: Artifact;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_SITE_URL: SITE } });
  const app = server.app;
  const teacher = await makeUser(app, { handle: 'ms-lee', role: 'teacher' });
  const maya: User = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  const stranger = await makeUser(app, { handle: 'outsider' });
  const actor = { id: teacher.id, role: 'teacher' as const };
  for (const input of [
    { slug: 'open-class', title: 'Open class', tags: 'eng10', visibility: 'public' as const },
    { slug: 'closed-class', title: 'Closed class', tags: 'eng10', visibility: 'members' as const },
  ]) {
    const hub = createHub(app, { actor, input });
    addHubMember(app, { actor, hubId: hub.id, handle: 'maya' });
    acceptHubInvitation(app, { actor: { id: maya.id, role: 'student' }, hubId: hub.id });
  }
  await makeArtifact(app, maya, { title: 'Public essay', slug: 'public-essay', visibility: 'public', tags: ['eng10'], date: new Date('2025-03-21T00:00:00Z') });
  await makeArtifact(app, maya, { title: 'A second poem', slug: 'poem', visibility: 'public', tags: ['eng10'], date: new Date('2025-03-22T00:00:00Z') });
  classOnly = await makeArtifact(app, maya, { title: 'Class-only reflection', slug: 'class-reflection', visibility: 'members', tags: ['eng10'] });
  await makeArtifact(app, maya, { title: 'Private diary', slug: 'diary', visibility: 'private' });
  anonymous = new Browser(server.url);
  outsider = signedIn(server.url, app, stranger);
});

afterAll(async () => {
  await server?.stop();
});

/** A 404's body with the requested path (as the sign-in link carries it) taken out. */
async function notFoundBody(browser: Browser, pathname: string): Promise<string> {
  const response = await browser.get(pathname);
  expect(response.status, pathname).toBe(404);
  expect(response.headers.get('content-type'), pathname).toBe('text/html; charset=utf-8');
  const html = await response.text();
  const link = `<a href="/signin?next=${encodeURIComponent(pathname)}">Sign in</a>`;
  expect(html, `${pathname}: the sign-in link back to it`).toContain(link);
  return html.replace(link, '<a href="/signin?next=PATH">Sign in</a>');
}

describe('the one 404', () => {
  it('is the same page for a piece that is not there and one the reader may not open', async () => {
    const missing = await notFoundBody(anonymous, '/@maya/no-such-piece/');
    expect(missing).toContain('<h1>Not found</h1>');
    expect(await notFoundBody(anonymous, '/@maya/class-reflection/')).toBe(missing);
    expect(await notFoundBody(anonymous, '/@maya/diary/')).toBe(missing);
    expect(await notFoundBody(outsider, '/@maya/class-reflection/')).toBe(missing);
    expect(await notFoundBody(outsider, '/@maya/no-such-piece/')).toBe(missing);
    expect(missing).not.toMatch(/class-reflection|Class-only reflection|diary/);
  });

  it('is the same page for hubs, hub items, portfolios and addresses no route has', async () => {
    const missing = await notFoundBody(anonymous, '/@maya/no-such-piece/');
    const cases: [Browser, string][] = [
      [anonymous, '/hubs/closed-class/'],
      [anonymous, '/hubs/no-such-hub/'],
      [outsider, '/hubs/closed-class/'],
      [anonymous, `/hubs/open-class/items/${classOnly.id}`],
      [anonymous, '/hubs/open-class/items/no-such-item'],
      [anonymous, '/@nobody/'],
      [anonymous, '/no-such-page'],
      [outsider, `/workspace/artifacts/${classOnly.id}/feedback`],
      [outsider, '/workspace/artifacts/no-such-id/feedback'],
    ];
    for (const [browser, pathname] of cases) expect(await notFoundBody(browser, pathname), pathname).toBe(missing);
  });

  it('sends sign-in back only to a path on this site', async () => {
    const response = await anonymous.get('/@maya/class-reflection/?x=1');
    const html = await response.text();
    // The query stays out of the link: only the path comes back after signing in.
    expect(html).toContain('href="/signin?next=%2F%40maya%2Fclass-reflection%2F"');
    const signIn = await anonymous.get('/signin?next=%2F%40maya%2Fclass-reflection%2F');
    expect(signIn.status).toBe(200);
  });
});

describe('a portfolio feed opened in a browser', () => {
  it('is sent to a browser as XML naming /feed.xsl, and to readers as RSS they parse', async () => {
    const reader = await anonymous.get('/@maya/feed.xml');
    expect(reader.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const text = await reader.text();
    expect(text).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<\?xml-stylesheet type="text\/xsl" href="\/feed\.xsl"\?><rss /);
    expect(parseRssFeed(text).items!.map((i) => i.title)).toEqual(['A second poem', 'Public essay']);
    const page = await anonymous.get('/@maya/tags/eng10/feed.xml', { headers: { accept: BROWSER_ACCEPT } });
    expect(page.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(page.headers.get('vary')).toBe('Accept, Cookie, Accept-Encoding');
    expect(await page.text()).toContain('<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>');
    const sheet = await anonymous.get('/feed.xsl');
    expect(sheet.status).toBe(200);
    expect(sheet.headers.get('content-type')).toBe('text/xsl; charset=utf-8');
  });

  it('shows the feed’s title, its linked items and the address to paste, loading nothing from elsewhere (Chromium)', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const offOrigin: string[] = [];
      context.on('request', (r) => {
        if (new URL(r.url()).origin !== server.url) offOrigin.push(r.url());
      });
      const tab = await context.newPage();
      const response = await tab.goto(`${server.url}/@maya/feed.xml`);
      expect(response?.status()).toBe(200);
      const xslt = await tab.evaluate(() => 'XSLTProcessor' in window);
      if (!xslt) {
        // A browser without XSLT shows the feed's text: the address still works, and readers are unaffected.
        expect(await tab.content()).toContain('A second poem');
        console.warn('This Chromium no longer runs XSLT: the feed page is checked with xsltproc in tests/integration/hubs/readers.test.ts');
        return;
      }
      await expect.poll(() => tab.locator('h1').textContent()).toBe('Maya L');
      const items = tab.locator('ol.feed-items h3 a');
      expect(await items.allTextContents()).toEqual(['A second poem', 'Public essay']);
      expect(await items.first().getAttribute('href')).toBe(`${SITE}/@maya/poem/`);
      expect(await tab.locator('#feed-address').textContent()).toBe(`${SITE}/@maya/feed.xml`);
      expect(await tab.getByText('paste this address into your reader').count()).toBe(1);
      expect(await tab.locator('ol.feed-items').textContent()).toContain('Sat, 22 Mar 2025');
      expect(offOrigin).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
