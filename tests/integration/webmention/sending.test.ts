/**
 * Sending Webmentions: after a public piece is saved, edited, made non-public or deleted, the sender tells every
 * page it links to (a real loopback blog with a real endpoint), with retries on server errors and none on a
 * refusal; non-public work tells nobody; a private address is never fetched unless the instance allows it. And a
 * hub's inclusion of a post: a real Webmention to an external blog, a direct record for a member's piece.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { deleteArtifact } from '../../../src/commands/artifactDeleter.ts';
import { hubItems, hubSources, webmentionSends } from '../../../src/server/db/schema.ts';
import { hubFeaturesOf } from '../../../src/server/webmention/send/features.ts';
import { queueHubItemMentions } from '../../../src/server/webmention/send/hubItems.ts';
import { claimSend, sendDueWebmentions } from '../../../src/server/webmention/send/sender.ts';
import { requeue } from '../../../src/server/webmention/send/queue.ts';
import type { AppContext } from '../../../src/server/context.ts';
import type { User } from '../../../src/server/db/schema.ts';
import { makeUser } from '../../helpers/factories.ts';
import { clockedApp, makeClass, SITE } from '../hubs/helpers.ts';
import { startReceiver, type Receiver } from './receiver.ts';

let blog: Receiver;
let app: AppContext;
let clock: ReturnType<typeof clockedApp>['clock'];
let student: User;

beforeAll(async () => {
  blog = await startReceiver();
});
afterAll(() => blog.close());

beforeEach(async () => {
  ({ app, clock } = clockedApp());
  student = await makeUser(app, { handle: `maya${Math.random().toString(36).slice(2, 6)}` });
  blog.requests.length = 0;
  blog.received.length = 0;
});

const post = (name: string) => `${blog.base}/post/${name}`;
const body = (...names: string[]) => names.map((n) => `See [${n}](${post(n)}).`).join('\n\n');
const rows = (artifactId: string) => app.db.select().from(webmentionSends).where(eq(webmentionSends.artifactId, artifactId)).all();
const row = (artifactId: string, target: string) => rows(artifactId).find((r) => r.target === target)!;
const save = (input: Record<string, unknown>, artifactId?: string) =>
  saveArtifact(app, { ownerId: student.id, ...(artifactId ? { artifactId } : {}), input: { title: 'Reading notes', kind: 'post', visibility: 'public', body: 'x', ...input } as never }).then((r) => r.artifact);

describe('after a public piece is saved', () => {
  it('sends a form-encoded Webmention to every page it links to, not to its own site', async () => {
    const piece = await save({ body: `${body('one', 'two')}\n\nAnd [my other piece](${SITE}/@${student.handle}/other/).` });
    const summary = await sendDueWebmentions(app);
    expect(summary).toMatchObject({ attempted: 2, sent: 2 });
    const source = `${SITE}/@${student.handle}/${piece.slug}/`;
    expect(blog.received.sort((a, b) => a.target.localeCompare(b.target))).toEqual([
      { source, target: post('one'), contentType: 'application/x-www-form-urlencoded' },
      { source, target: post('two'), contentType: 'application/x-www-form-urlencoded' },
    ]);
    expect(row(piece.id, post('one'))).toMatchObject({ status: 'sent', endpoint: `${blog.base}/wm`, httpStatus: 202, attempts: 1, lastError: null });
    // Nothing is left to send: a second run sends nothing.
    expect((await sendDueWebmentions(app)).attempted).toBe(0);
  });

  it('records a page without an endpoint, and a link that answers 404 as final', async () => {
    const piece = await save({ body: body('plain-a', 'missing-b') });
    await sendDueWebmentions(app);
    expect(row(piece.id, post('plain-a'))).toMatchObject({ status: 'no-endpoint', endpoint: null });
    expect(row(piece.id, post('missing-b'))).toMatchObject({ status: 'failed', httpStatus: 404 });
    expect(blog.received).toEqual([]);
  });

  it('retries a 500 with back-off until it is accepted', async () => {
    blog.script(post('flaky'), [500, 500]);
    const piece = await save({ body: body('flaky') });
    await sendDueWebmentions(app);
    expect(row(piece.id, post('flaky'))).toMatchObject({ status: 'queued', attempts: 1, httpStatus: 500 });
    expect(row(piece.id, post('flaky')).lastError).toBeTruthy();
    // Not before its time.
    expect((await sendDueWebmentions(app)).attempted).toBe(0);
    clock.advance(61_000);
    await sendDueWebmentions(app);
    expect(row(piece.id, post('flaky'))).toMatchObject({ status: 'queued', attempts: 2 });
    clock.advance(60_000);
    expect((await sendDueWebmentions(app)).attempted).toBe(0);
    clock.advance(5 * 60_000);
    await sendDueWebmentions(app);
    expect(row(piece.id, post('flaky'))).toMatchObject({ status: 'sent', attempts: 3, httpStatus: 202, lastError: null });
    expect(blog.received.filter((m) => m.target === post('flaky'))).toHaveLength(3);
  });

  it('retries a timeout', async () => {
    blog.script(post('slow'), [0]);
    const piece = await save({ body: body('slow') });
    await sendDueWebmentions(app, { fetch: { timeoutMs: 300 } });
    expect(row(piece.id, post('slow'))).toMatchObject({ status: 'queued', attempts: 1, lastError: 'Its Webmention endpoint took too long to answer.' });
    clock.advance(61_000);
    await sendDueWebmentions(app);
    expect(row(piece.id, post('slow'))).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('does not retry a 400', async () => {
    blog.script(post('picky'), [400]);
    const piece = await save({ body: body('picky') });
    await sendDueWebmentions(app);
    expect(row(piece.id, post('picky'))).toMatchObject({ status: 'failed', httpStatus: 400, attempts: 1, lastError: 'Its Webmention endpoint answered with HTTP 400.' });
    clock.advance(24 * 3_600_000);
    expect((await sendDueWebmentions(app)).attempted).toBe(0);
    expect(blog.received).toHaveLength(1);
  });
});

describe('two nodes reading the same queue at once', () => {
  it('send a due Webmention once: a claim made from a read another node already claimed from is refused', async () => {
    const piece = await save({ body: body('once') });
    const read = row(piece.id, post('once'));
    // Both nodes read the row while it was due; the first claims it.
    expect(claimSend(app, read, app.now())).toBe(true);
    expect(claimSend(app, read, app.now())).toBe(false);
  });

  it('queue a hub item’s Webmention again once: a requeue from a read another node acted on changes nothing', async () => {
    const piece = await save({ body: body('shown') });
    const read = row(piece.id, post('shown'));
    await sendDueWebmentions(app);
    app.db.update(webmentionSends).set({ linked: false }).where(eq(webmentionSends.id, read.id)).run();
    // Both nodes read linked=false (the item is shown again); the first queues it and starts sending.
    expect(requeue(app, read.id, true, app.now(), { onlyIfLinked: false })).toBe(true);
    const claimed = row(piece.id, post('shown'));
    expect(claimSend(app, claimed, app.now())).toBe(true);
    // The second node's requeue, from its older read, leaves the send that is under way alone.
    expect(requeue(app, read.id, true, app.now(), { onlyIfLinked: false })).toBe(false);
    expect(row(piece.id, post('shown')).nextAttemptAt!.getTime()).toBeGreaterThan(app.now().getTime());
  });
});

describe('after an edit, leaving public, or deletion', () => {
  it('an edit tells the old and the new links, so a removed link learns of it', async () => {
    const piece = await save({ body: body('keep', 'drop') });
    await sendDueWebmentions(app);
    blog.received.length = 0;
    await save({ body: body('keep', 'added') }, piece.id);
    await sendDueWebmentions(app);
    expect(blog.received.map((m) => m.target).sort()).toEqual([post('added'), post('drop'), post('keep')]);
    expect(row(piece.id, post('drop')).linked).toBe(false);
    // The next edit no longer tells the page it stopped linking to.
    blog.received.length = 0;
    await save({ body: body('keep', 'added'), title: 'Reading notes, revised' }, piece.id);
    await sendDueWebmentions(app);
    expect(blog.received.map((m) => m.target).sort()).toEqual([post('added'), post('keep')]);
  });

  it('deletion tells every page it linked to', async () => {
    const piece = await save({ body: body('a', 'b') });
    await sendDueWebmentions(app);
    blog.received.length = 0;
    deleteArtifact(app, { ownerId: student.id, artifactId: piece.id });
    await sendDueWebmentions(app);
    const source = `${SITE}/@${student.handle}/${piece.slug}/`;
    expect(blog.received.map((m) => [m.source, m.target]).sort()).toEqual([[source, post('a')], [source, post('b')]]);
  });

  it('leaving public tells the pages once, then nothing more while it stays private', async () => {
    const piece = await save({ body: body('a') });
    await sendDueWebmentions(app);
    blog.received.length = 0;
    await save({ body: body('a'), visibility: 'private' }, piece.id);
    await sendDueWebmentions(app);
    expect(blog.received.map((m) => m.target)).toEqual([post('a')]);
    await save({ body: body('a', 'b'), visibility: 'private' }, piece.id);
    await sendDueWebmentions(app);
    expect(blog.received).toHaveLength(1);
  });
});

describe('work that is not public', () => {
  for (const visibility of ['private', 'members', 'unlisted'] as const) {
    it(`${visibility} work sends nothing and fetches nothing`, async () => {
      const piece = await save({ body: body('secret'), visibility });
      expect(rows(piece.id)).toEqual([]);
      await sendDueWebmentions(app);
      deleteArtifact(app, { ownerId: student.id, artifactId: piece.id });
      await sendDueWebmentions(app);
      expect(blog.requests).toEqual([]);
    });
  }
});

describe('private addresses', () => {
  it('a link to a private address is never fetched unless the instance allows private networks', async () => {
    ({ app, clock } = clockedApp({ POTLUCK_ALLOW_PRIVATE_NETWORKS: '0' }));
    student = await makeUser(app);
    const piece = await save({ body: body('inside') });
    await sendDueWebmentions(app);
    expect(blog.requests).toEqual([]);
    expect(row(piece.id, post('inside'))).toMatchObject({ status: 'failed', lastError: 'The linked page is on a private network address, so Potluck did not contact it.' });
    // Final: never tried again.
    clock.advance(24 * 3_600_000);
    expect((await sendDueWebmentions(app)).attempted).toBe(0);
  });
});

describe('an instance nobody else can reach', () => {
  it('on localhost (a laptop demo) tells nobody: no page elsewhere could check the source', async () => {
    ({ app, clock } = clockedApp({ POTLUCK_ALLOW_PRIVATE_NETWORKS: '0', POTLUCK_SITE_URL: 'http://localhost:4321' }));
    student = await makeUser(app);
    const piece = await save({ body: body('far') });
    expect(rows(piece.id)).toEqual([]);
    await sendDueWebmentions(app);
    expect(blog.requests).toEqual([]);
  });
});

describe('a hub that includes a post', () => {
  it('sends a real Webmention from its item page to an external blog post (public hubs only)', async () => {
    const { hub } = await makeClass(app, { visibility: 'public' });
    const { hub: closed } = await makeClass(app, { visibility: 'members' });
    const ids: Record<string, string> = {};
    for (const h of [hub, closed]) {
      const sourceId = app.newId();
      app.db.insert(hubSources).values({ id: sourceId, hubId: h.id, url: `${blog.base}/feed.xml`, urlKey: '/feed.xml', title: 'A blog', nextFetchAt: app.now(), createdAt: app.now() }).run();
      ids[h.id] = app.newId();
      app.db
        .insert(hubItems)
        .values({ id: ids[h.id]!, hubId: h.id, sourceId, key: 'id:1', url: post(`ext-${h.slug}`), title: 'On Hamlet', contentHtml: '<p>Hi</p>', fingerprint: 'x', sortDate: app.now(), firstSeenAt: app.now(), changedAt: app.now() })
        .run();
    }
    expect(queueHubItemMentions(app)).toBe(1);
    expect(queueHubItemMentions(app)).toBe(0);
    await sendDueWebmentions(app);
    const mention = { source: `${SITE}/hubs/${hub.slug}/items/${ids[hub.id]}`, target: post(`ext-${hub.slug}`), contentType: 'application/x-www-form-urlencoded' };
    expect(blog.received).toEqual([mention]);
    expect(blog.requests.some((r) => r.includes(`ext-${closed.slug}`))).toBe(false);

    // A teacher hides it: the post is told once more (the item page now answers 404), and no more after that.
    const { hideHubEntry } = await import('../../../src/commands/hubItemHider.ts');
    hideHubEntry(app, { actor: null, hubId: hub.id, target: { itemId: ids[hub.id]! }, reason: 'Off topic' });
    expect(queueHubItemMentions(app)).toBe(1);
    expect(queueHubItemMentions(app)).toBe(0);
    await sendDueWebmentions(app);
    expect(blog.received).toEqual([mention, mention]);
  });

  it('an old item is not announced when sending starts', async () => {
    const { hub } = await makeClass(app, { visibility: 'public' });
    const sourceId = app.newId();
    app.db.insert(hubSources).values({ id: sourceId, hubId: hub.id, url: `${blog.base}/feed.xml`, urlKey: '/feed.xml', title: 'A blog', nextFetchAt: app.now(), createdAt: app.now() }).run();
    const old = new Date(app.now().getTime() - 30 * 24 * 3_600_000);
    app.db
      .insert(hubItems)
      .values({ id: app.newId(), hubId: hub.id, sourceId, key: 'id:old', url: post('old'), title: 'Old', contentHtml: '', fingerprint: 'x', sortDate: old, firstSeenAt: old, changedAt: old })
      .run();
    expect(queueHubItemMentions(app)).toBe(0);
  });

  it('records "Featured in" directly for a member’s piece, shown publicly only for a public piece in a public hub', async () => {
    const { hub, students } = await makeClass(app, { visibility: 'public', title: 'English 10' });
    const { hub: closed } = await makeClass(app, { visibility: 'members', title: 'Drama club', tags: 'eng10' });
    const [kai] = students;
    const { addHubMember } = await import('../../../src/commands/hubMemberAdder.ts');
    addHubMember(app, { actor: null, hubId: closed.id, handle: kai!.handle });
    const piece = (await saveArtifact(app, { ownerId: kai!.id, input: { title: 'Hamlet', kind: 'post', visibility: 'public', body: 'About #eng10' } })).artifact;
    await sendDueWebmentions(app);
    expect(blog.requests).toEqual([]);
    expect(hubFeaturesOf(app, piece, 'owner').map((f) => f.title)).toEqual(['Drama club', 'English 10']);
    expect(hubFeaturesOf(app, piece, 'owner')[1]!.url).toBe(`${SITE}/hubs/${hub.slug}/items/${piece.id}`);
    expect(hubFeaturesOf(app, piece, 'public').map((f) => f.title)).toEqual(['English 10']);
    const members = (await saveArtifact(app, { ownerId: kai!.id, artifactId: piece.id, input: { title: 'Hamlet', kind: 'post', visibility: 'members', body: 'About #eng10' } })).artifact;
    expect(hubFeaturesOf(app, members, 'owner').map((f) => f.title)).toEqual(['Drama club']);
    expect(hubFeaturesOf(app, members, 'public')).toEqual([]);
    const untagged = (await saveArtifact(app, { ownerId: kai!.id, artifactId: piece.id, input: { title: 'Hamlet', kind: 'post', visibility: 'public', body: 'No tag now' } })).artifact;
    expect(hubFeaturesOf(app, untagged, 'owner')).toEqual([]);
  });
});
