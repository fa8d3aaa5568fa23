/**
 * Hub item pages and what sending Webmentions shows, through the real server: the item page's content and
 * microformats (an h-entry reposting the original, with its author's h-card), who may open it (the river's rule:
 * class-only work and members-only hubs are a 404 to the public), noindex where not public, u-syndication and the
 * river pointing at it, the owner's "Webmentions sent" list and "Featured in".
 */
import { mf2 } from 'microformats-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { acceptHubInvitation } from '../../../src/commands/hubInvitationAccepter.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { eq } from 'drizzle-orm';
import { hubItems, hubSources, users, type Artifact, type Hub, type User } from '../../../src/server/db/schema.ts';
import { sendDueWebmentions } from '../../../src/server/webmention/send/sender.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const SITE = 'https://school.example';
let server: TestServer;
let blog: Receiver;
let app: AppContext;
let teacher: User;
let maya: User;
let outsider: User;
let open: Hub;
let closed: Hub;
let essay: Artifact;
let reflection: Artifact;
let externalItem: string;
let closedItem: string;
let anonymous: Browser;

beforeAll(async () => {
  [server, blog] = await Promise.all([startServer({ env: { POTLUCK_SITE_URL: SITE, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } }), startReceiver()]);
  // The same database, with the server's site address (the source of every Webmention).
  app = createAppContext(loadConfig({ POTLUCK_DATA: server.dataDir, POTLUCK_SITE_URL: SITE, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' }));
  teacher = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Lin' });
  outsider = await makeUser(app, { handle: 'outsider' });
  const actor = { id: teacher.id, role: 'teacher' as const };
  open = createHub(app, { actor, input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'public' } });
  closed = createHub(app, { actor, input: { slug: 'drama', title: 'Drama club', tags: 'eng10', visibility: 'members' } });
  for (const hub of [open, closed]) {
    addHubMember(app, { actor, hubId: hub.id, handle: 'maya' });
    acceptHubInvitation(app, { actor: { id: maya.id, role: 'student' }, hubId: hub.id });
  }
  essay = await makeArtifact(app, maya, { title: 'Harbour fog', slug: 'harbour-fog', visibility: 'public', tags: ['eng10'], summary: 'On the harbour in November.', body: `Read [this post](${blog.base}/post/fog) first. #eng10` });
  reflection = await makeArtifact(app, maya, { title: 'Class reflection', slug: 'class-reflection', visibility: 'members', tags: ['eng10'], body: `See [a link](${blog.base}/post/secret).` });
  const items: Record<string, string> = {};
  for (const hub of [open, closed]) {
    const sourceId = app.newId();
    app.db.insert(hubSources).values({ id: sourceId, hubId: hub.id, url: `${blog.base}/feed.xml`, urlKey: `/feed-${hub.slug}.xml`, title: 'Theo writes', nextFetchAt: new Date(), createdAt: new Date() }).run();
    items[hub.id] = app.newId();
    app.db
      .insert(hubItems)
      .values({ id: items[hub.id]!, hubId: hub.id, sourceId, key: 'id:1', url: `${blog.base}/post/theo`, title: 'Theo on Hamlet', contentHtml: '<p>Hamlet</p>', excerpt: 'Hamlet hesitates.', authorName: 'Theo Park', fingerprint: 'x', sortDate: new Date(), firstSeenAt: new Date(), changedAt: new Date(), tags: ['eng10'] })
      .run();
  }
  externalItem = items[open.id]!;
  closedItem = items[closed.id]!;
  anonymous = new Browser(server.url);
});

afterAll(async () => {
  app?.db.$client.close();
  await Promise.all([server?.stop(), blog?.close()]);
});

async function page(browser: Browser, pathname: string, status = 200): Promise<string> {
  const response = await browser.get(pathname);
  expect(response.status, pathname).toBe(status);
  return response.text();
}
const entryOf = (html: string) => mf2(html, { baseUrl: SITE }).items.find((i) => i.type?.includes('h-entry'))!;

describe('hub item pages', () => {
  it("a member's public piece: an h-entry reposting the original, with the author's h-card, indexable", async () => {
    const html = await page(anonymous, `/hubs/english-10/items/${essay.id}`);
    const entry = entryOf(html);
    expect(entry.properties.name).toEqual(['Harbour fog']);
    expect(entry.properties.summary).toEqual(['On the harbour in November.']);
    expect(entry.properties['repost-of']).toEqual([`${SITE}/@maya/harbour-fog/`]);
    expect(entry.properties.url).toEqual([`${SITE}/hubs/english-10/items/${essay.id}`]);
    const author = (entry.properties.author as { type: string[]; properties: Record<string, unknown[]> }[])[0]!;
    expect(author.type).toEqual(['h-card']);
    expect(author.properties.name).toEqual(['Maya Lin']);
    expect(author.properties.url).toEqual([`${SITE}/@maya/`]);
    expect(html).toContain(`<link rel="canonical" href="${SITE}/@maya/harbour-fog/">`);
    expect(html).not.toContain('noindex');
  });

  it("follows the member's own choice to keep their portfolio out of search engines", async () => {
    const quiet = await makeUser(app, { handle: 'quiet', name: 'Quiet One' });
    addHubMember(app, { actor: { id: teacher.id, role: 'teacher' }, hubId: open.id, handle: 'quiet' });
    acceptHubInvitation(app, { actor: { id: quiet.id, role: 'student' }, hubId: open.id });
    app.db.update(users).set({ noindex: true }).where(eq(users.id, quiet.id)).run();
    const piece = await makeArtifact(app, quiet, { title: 'Quiet piece', slug: 'quiet-piece', visibility: 'public', tags: ['eng10'] });
    const html = await page(anonymous, `/hubs/english-10/items/${piece.id}`);
    expect(entryOf(html).properties.name).toEqual(['Quiet piece']);
    expect(html).toContain('noindex');
  });

  it('an external feed item: its title, excerpt, author and a link to the post', async () => {
    const entry = entryOf(await page(anonymous, `/hubs/english-10/items/${externalItem}`));
    expect(entry.properties.name).toEqual(['Theo on Hamlet']);
    expect(entry.properties.summary).toEqual(['Hamlet hesitates.']);
    expect(entry.properties['repost-of']).toEqual([`${blog.base}/post/theo`]);
    expect((entry.properties.author as { properties: Record<string, unknown[]> }[])[0]!.properties.name).toEqual(['Theo Park']);
  });

  it('class-only work is a 404 to the public and outsiders, shown to the hub’s teacher with noindex', async () => {
    await page(anonymous, `/hubs/english-10/items/${reflection.id}`, 404);
    await page(signedIn(server.url, app, outsider), `/hubs/english-10/items/${reflection.id}`, 404);
    const html = await page(signedIn(server.url, app, teacher), `/hubs/english-10/items/${reflection.id}`);
    expect(entryOf(html).properties.name).toEqual(['Class reflection']);
    expect(html).toContain('noindex');
  });

  it("a members-only hub's items are a 404 to the public and outsiders, noindex for members", async () => {
    await page(anonymous, `/hubs/drama/items/${closedItem}`, 404);
    await page(anonymous, `/hubs/drama/items/${essay.id}`, 404);
    await page(signedIn(server.url, app, outsider), `/hubs/drama/items/${closedItem}`, 404);
    const html = await page(signedIn(server.url, app, maya), `/hubs/drama/items/${reflection.id}`);
    expect(html).toContain('noindex');
    // Another hub's item, or nothing at all, is the same 404.
    await page(signedIn(server.url, app, maya), `/hubs/english-10/items/${closedItem}`, 404);
    await page(anonymous, '/hubs/english-10/items/no-such-thing', 404);
  });

  it('the river links each entry to its item page, and the piece’s u-syndication points at it', async () => {
    const river = await page(anonymous, '/hubs/english-10/');
    expect(river).toContain(`href="/hubs/english-10/items/${essay.id}"`);
    expect(river).toContain(`href="/hubs/english-10/items/${externalItem}"`);
    const piece = entryOf(await page(anonymous, '/@maya/harbour-fog/'));
    expect(piece.properties.syndication).toEqual([`${SITE}/hubs/english-10/items/${essay.id}`]);
  });
});

describe('what the owner sees', () => {
  it('the editor lists the Webmentions sent, per link; nobody else can open it', async () => {
    await sendDueWebmentions(app);
    expect(blog.received).toContainEqual({ source: `${SITE}/@maya/harbour-fog/`, target: `${blog.base}/post/fog`, contentType: 'application/x-www-form-urlencoded' });
    // The class-only piece told nobody.
    expect(blog.received.some((m) => m.target.endsWith('/post/secret'))).toBe(false);
    const html = await page(signedIn(server.url, app, maya), `/workspace/artifacts/${essay.id}`);
    expect(html).toContain('Webmentions sent');
    expect(html).toContain(`${blog.base}/post/fog`);
    expect(html).toContain('Sent (202)');
    expect(html).toContain(`endpoint ${blog.base}/wm`);
    const other = await signedIn(server.url, app, outsider).get(`/workspace/artifacts/${essay.id}`);
    expect([403, 404]).toContain(other.status);
    expect(await other.text()).not.toContain('/post/fog');
  });

  it('"Featured in": every hub in the editor, only public hubs on the public page of a public piece', async () => {
    const editor = await page(signedIn(server.url, app, maya), `/workspace/artifacts/${essay.id}`);
    expect(editor).toContain('Featured in English 10');
    expect(editor).toContain('Featured in Drama club');
    const pub = await page(anonymous, '/@maya/harbour-fog/');
    expect(pub).toMatch(/Featured in\s*<a href="https:\/\/school\.example\/hubs\/english-10\/items\/[^"]+">English 10<\/a>/);
    expect(pub).not.toContain('Drama club');
    const classOnly = await page(signedIn(server.url, app, maya), '/@maya/class-reflection/');
    expect(classOnly).not.toContain('Featured in');
  });
});
