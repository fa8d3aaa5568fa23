// The poller against a real feed server on loopback: what a teacher sees when blogs are edited, re-tagged,
// deleted, moved, gone, rate-limited, slow, huge, compressed into bombs, broken, or hostile.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addHubSource } from '../../../src/commands/hubSourceAdder.ts';
import { removeHubSource } from '../../../src/commands/hubSourceRemover.ts';
import { pollHub } from '../../../src/commands/hubPoller.ts';
import { updateHub } from '../../../src/commands/hubUpdater.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { hubItems } from '../../../src/server/db/schema.ts';
import { readRiver } from '../../../src/server/hubs/contributions.ts';
import { buildHubFeed } from '../../../src/server/hubs/feed.ts';
import { listSources } from '../../../src/server/hubs/lists.ts';
import { dueSourceIds, pollSource } from '../../../src/server/hubs/poller.ts';
import { startHubPoller } from '../../../src/server/hubs/scheduler.ts';
import { toJsonFeed } from '../../../src/core/feeds/jsonFeed.ts';
import { toRss } from '../../../src/core/feeds/rss.ts';
import { eq } from 'drizzle-orm';
import { unsafeFindings } from '../../unit/markdown/html-safety.ts';
import { makeUser } from '../../helpers/factories.ts';
import { rss, startFeedServer, type FeedServer, type TestItem } from './feedServer.ts';
import { clockedApp, makeClass, reloadSource, storedTitles } from './helpers.ts';

const MB = 1024 * 1024;
let feeds: FeedServer;
let app: AppContext;
let clock: ReturnType<typeof clockedApp>['clock'];

beforeAll(async () => {
  feeds = await startFeedServer();
});
afterAll(async () => {
  await feeds.close();
});
beforeEach(() => {
  ({ app, clock } = clockedApp());
});

const teacherOf = (t: { id: string }) => ({ id: t.id, role: 'teacher' as const });
const riverTitles = (hub: Parameters<typeof readRiver>[1]) => readRiver(app, hub, { scope: 'members', limit: 100 }).entries.map((e) => e.title).sort();

async function sourceFor(pathname: string, items: TestItem[] | (() => string), extra: { memberId?: string; matchAll?: boolean } = {}) {
  const { hub, teacher, students } = await makeClass(app);
  feeds.serve(pathname, typeof items === 'function' ? items : () => rss('A blog', items));
  const { source, counts } = await addHubSource(app, { actor: teacherOf(teacher), hubId: hub.id, url: `${feeds.base}${pathname}`, ...extra });
  return { hub, teacher, students, source, counts };
}

describe('adding a feed', () => {
  it('finds the feed on a blog page and keeps only the items tagged for the hub', async () => {
    const { hub, teacher, students } = await makeClass(app);
    feeds.serve('/maya/', `<!doctype html><html><head><link rel="alternate" type="application/rss+xml" title="Comments" href="/maya/comments/feed/"><link rel="alternate" type="application/rss+xml" title="Maya" href="/maya/feed/"></head><body>Maya</body></html>`, { type: 'text/html' });
    feeds.serve('/maya/feed/', rss('Maya writes', [
      { title: 'Tagged by category', guid: 'm1', date: '2025-02-03', categories: ['ENG10'] },
      { title: 'Tagged in the text', guid: 'm2', date: '2025-02-02', html: '<p>Homework for <strong>#Eng10</strong> done.</p>' },
      { title: 'About my cat', guid: 'm3', date: '2025-02-01', categories: ['cats'] },
    ]));
    const { source, counts } = await addHubSource(app, { actor: teacherOf(teacher), hubId: hub.id, url: `${feeds.base}/maya/`, memberId: students[0]!.id });
    expect(source.url).toBe(`${feeds.base}/maya/feed/`);
    expect(source.pageUrl).toBe(`${feeds.base}/maya/`);
    expect(source.title).toBe('Maya writes');
    expect(counts.added).toBe(2);
    const river = readRiver(app, hub, { scope: 'public' }).entries;
    expect(river.map((e) => e.title)).toEqual(['Tagged by category', 'Tagged in the text']);
    expect(river[0]!.author).toMatchObject({ name: students[0]!.name, handle: students[0]!.handle });
  });

  it('refuses an address that is not a feed, with the reason', async () => {
    const { hub, teacher } = await makeClass(app);
    feeds.serve('/plain/', '<!doctype html><html><head><title>No feed</title></head></html>', { type: 'text/html' });
    await expect(addHubSource(app, { actor: teacherOf(teacher), hubId: hub.id, url: `${feeds.base}/plain/` })).rejects.toThrow(/does not announce a feed/);
    await expect(addHubSource(app, { actor: teacherOf(teacher), hubId: hub.id, url: `${feeds.base}/nothing-here.xml` })).rejects.toThrow(/404/);
  });

  it('refuses loopback addresses when private networks are not allowed', async () => {
    const strict = clockedApp({ POTLUCK_ALLOW_PRIVATE_NETWORKS: '0' }).app;
    const { hub, teacher } = await makeClass(strict);
    feeds.serve('/strict.xml', rss('x', []));
    await expect(addHubSource(strict, { actor: teacherOf(teacher), hubId: hub.id, url: `${feeds.base}/strict.xml` })).rejects.toThrow(/not to the public internet|standard web ports/);
  });

  it('refuses this site’s own portfolios (members’ work arrives without polling) and duplicates', async () => {
    const { hub, teacher, students } = await makeClass(app);
    await expect(addHubSource(app, { actor: teacherOf(teacher), hubId: hub.id, url: `https://school.example/@${students[0]!.handle}/feed.xml` })).rejects.toThrow(/add @.* as a member instead/);
    feeds.serve('/dup.xml', rss('Dup', []));
    await addHubSource(app, { actor: teacherOf(teacher), hubId: hub.id, url: `${feeds.base}/dup.xml` });
    await expect(addHubSource(app, { actor: teacherOf(teacher), hubId: hub.id, url: `${feeds.base}/dup.xml/` })).rejects.toThrow(/already has that feed/);
  });

  it('lets a student add their own blog, and only their own', async () => {
    const { hub, students } = await makeClass(app);
    const [maya, theo] = students as [typeof students[0], typeof students[0]];
    feeds.serve('/own.xml', rss('Own', [{ title: 'Mine', guid: 'o1', categories: ['eng10'] }]));
    const { source } = await addHubSource(app, { actor: { id: maya.id, role: 'student' }, hubId: hub.id, url: `${feeds.base}/own.xml` });
    expect(source.memberId).toBe(maya.id);
    feeds.serve('/theirs.xml', rss('Theirs', []));
    await expect(addHubSource(app, { actor: { id: maya.id, role: 'student' }, hubId: hub.id, url: `${feeds.base}/theirs.xml`, memberId: theo.id })).rejects.toThrow(/your own blog only/);
    await expect(addHubSource(app, { actor: { id: maya.id, role: 'student' }, hubId: hub.id, url: `${feeds.base}/theirs.xml`, matchAll: true })).rejects.toThrow(/Only teachers/);
    const outsider = await makeUser(app);
    await expect(addHubSource(app, { actor: { id: outsider.id, role: 'student' }, hubId: hub.id, url: `${feeds.base}/theirs.xml` })).rejects.toThrow(PotluckError);
  });
});

describe('polling', () => {
  it('updates an edited item instead of duplicating it, drops re-tagged and deleted items, keeps items that scrolled out', async () => {
    let items: TestItem[] = [
      { title: 'Essay draft', guid: 'e1', date: '2025-02-05', categories: ['eng10'] },
      { title: 'Poem', guid: 'e2', date: '2025-02-04', categories: ['eng10'] },
      { title: 'Old but gold', guid: 'e3', date: '2025-02-01', categories: ['eng10'] },
      { title: 'Untagged', guid: 'e4', date: '2025-02-03' },
    ];
    const { hub, source } = await sourceFor('/edits.xml', () => rss('Edits', items));
    expect(storedTitles(app, source.id)).toEqual(['Essay draft', 'Old but gold', 'Poem']);

    items = [
      { title: 'Essay, final', guid: 'e1', date: '2025-02-05', categories: ['eng10'], html: '<p>Now finished.</p>' },
      { title: 'Poem', guid: 'e2', date: '2025-02-04', categories: ['poetry'] },
      { title: 'Untagged', guid: 'e4', date: '2025-02-03' },
      { title: 'New one', guid: 'e5', date: '2025-02-06', html: '<p>#eng10</p>' },
    ];
    const { summary } = await pollHub(app, { actor: null, hubId: hub.id });
    expect(summary).toMatchObject({ added: 1, changed: 1, removed: 1 });
    // "Old but gold" is older than everything in the feed now: it scrolled out of the feed, it was not deleted.
    expect(storedTitles(app, source.id)).toEqual(['Essay, final', 'New one', 'Old but gold']);
    expect(riverTitles(hub)).toEqual(['Essay, final', 'New one', 'Old but gold']);

    // e1 deleted on the blog: it is newer than the oldest item still in the feed, so it leaves.
    items = items.filter((i) => i.guid !== 'e1');
    await pollHub(app, { actor: null, hubId: hub.id });
    expect(storedTitles(app, source.id)).toEqual(['New one', 'Old but gold']);
  });

  it('merges http/https, www. and trailing-slash spellings of one post', async () => {
    let guid = 'http://blog.example/2025/essay';
    const { hub, source } = await sourceFor('/variants.xml', () => rss('Variants', [{ title: `Essay at ${guid}`, guid, link: guid, categories: ['eng10'] }]));
    for (const next of ['https://blog.example/2025/essay/', 'https://www.blog.example/2025/essay']) {
      guid = next;
      await pollHub(app, { actor: null, hubId: hub.id });
    }
    expect(storedTitles(app, source.id)).toEqual(['Essay at https://www.blog.example/2025/essay']);
  });

  it('keeps one copy of a post that two feeds of the hub carry', async () => {
    const post = { title: 'Shared post', link: 'https://blog.example/shared', guid: 'https://blog.example/shared', categories: ['eng10'] };
    const { hub, teacher } = await sourceFor('/main.xml', [post]);
    feeds.serve('/category.xml', rss('Category', [{ ...post, link: 'http://blog.example/shared/', guid: 'tag:blog.example,2025:shared' }]));
    await addHubSource(app, { actor: teacherOf(teacher), hubId: hub.id, url: `${feeds.base}/category.xml` });
    expect(riverTitles(hub)).toEqual(['Shared post']);
  });

  it('takes every item of a feed marked "everything it posts"', async () => {
    const { hub } = await sourceFor('/course-blog.xml', [{ title: 'Syllabus', guid: 'c1' }, { title: 'Week 1', guid: 'c2' }], { matchAll: true });
    expect(riverTitles(hub)).toEqual(['Syllabus', 'Week 1']);
  });

  it('asks with ETag and Last-Modified, and a 304 changes nothing', async () => {
    const { hub, source } = await sourceFor('/conditional.xml', [{ title: 'Same', guid: 'c', categories: ['eng10'] }]);
    const { summary } = await pollHub(app, { actor: null, hubId: hub.id });
    expect(summary).toMatchObject({ notModified: 1, added: 0 });
    const last = feeds.hits('/conditional.xml').at(-1)!;
    expect(last.headers['if-none-match']).toBe(source.etag);
    expect(last.headers['if-modified-since']).toBe('Sat, 01 Mar 2025 10:00:00 GMT');
    expect(last.headers['accept-encoding']).toContain('gzip');
    expect(reloadSource(app, source.id)).toMatchObject({ lastOutcome: 'not-modified', lastStatus: 304, consecutiveFailures: 0 });
  });

  it('follows a 301 and keeps the new address for good', async () => {
    const { hub, source } = await sourceFor('/before-move.xml', [{ title: 'Moved post', guid: 'mv', categories: ['eng10'] }]);
    feeds.routes.set('/before-move.xml', (_req, res) => {
      res.writeHead(301, { location: '/after-move.xml' });
      res.end();
    });
    feeds.serve('/after-move.xml', rss('Moved', [{ title: 'Moved post', guid: 'mv', categories: ['eng10'] }]));
    await pollHub(app, { actor: null, hubId: hub.id });
    const moved = reloadSource(app, source.id);
    expect(moved.url).toBe(`${feeds.base}/after-move.xml`);
    expect(moved.movedFrom).toBe(`${feeds.base}/before-move.xml`);
    const before = feeds.hits('/before-move.xml').length;
    await pollHub(app, { actor: null, hubId: hub.id });
    expect(feeds.hits('/before-move.xml').length).toBe(before);
    expect(storedTitles(app, source.id)).toEqual(['Moved post']);
  });

  it('stops polling a feed that is gone (410) and tells the teacher', async () => {
    const { hub, source } = await sourceFor('/gone.xml', [{ title: 'Last post', guid: 'g', categories: ['eng10'] }]);
    feeds.routes.set('/gone.xml', (_req, res) => {
      res.writeHead(410);
      res.end();
    });
    const { summary } = await pollHub(app, { actor: null, hubId: hub.id });
    expect(summary.results[0]).toMatchObject({ outcome: 'failed', status: 410, code: 'gone' });
    const stopped = reloadSource(app, source.id);
    expect(stopped.stoppedAt).not.toBeNull();
    expect(stopped.stoppedReason).toMatch(/gone for good/);
    expect(listSources(app, hub.id)[0]!.health).toBe('stopped');
    // Items it brought stay (the teacher decides); it is not fetched again.
    expect(storedTitles(app, source.id)).toEqual(['Last post']);
    const hits = feeds.hits('/gone.xml').length;
    clock.advance(7 * 24 * 3600_000);
    expect(dueSourceIds(app)).not.toContain(source.id);
    await pollHub(app, { actor: null, hubId: hub.id });
    expect(feeds.hits('/gone.xml').length).toBe(hits);
  });

  it('honours Retry-After on 429 and 503, even for "poll now"', async () => {
    const { hub, source } = await sourceFor('/busy.xml', [{ title: 'Busy', guid: 'b', categories: ['eng10'] }]);
    feeds.routes.set('/busy.xml', (_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' });
      res.end();
    });
    await pollHub(app, { actor: null, hubId: hub.id });
    expect(reloadSource(app, source.id).holdUntil?.toISOString()).toBe('2025-03-01T13:00:00.000Z');
    const hits = feeds.hits('/busy.xml').length;
    clock.advance(30 * 60_000);
    const { summary } = await pollHub(app, { actor: null, hubId: hub.id });
    expect(summary.total).toBe(0);
    expect((await pollSource(app, source.id, { force: true })).message).toMatch(/Retry-After/);
    expect(feeds.hits('/busy.xml').length).toBe(hits);

    feeds.routes.set('/busy.xml', (_req, res) => {
      res.writeHead(503, { 'retry-after': new Date(clock.now.getTime() + 2 * 3600_000).toUTCString() });
      res.end();
    });
    clock.advance(31 * 60_000);
    await pollHub(app, { actor: null, hubId: hub.id });
    expect(reloadSource(app, source.id).holdUntil?.toISOString()).toBe('2025-03-01T15:01:00.000Z');
  });

  it('backs off exponentially on errors, flags a feed that keeps failing, and clears the flag when it recovers', async () => {
    const { hub, source } = await sourceFor('/flaky.xml', [{ title: 'Flaky', guid: 'f', categories: ['eng10'] }]);
    feeds.routes.set('/flaky.xml', (_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      clock.set(reloadSource(app, source.id).nextFetchAt);
      const due = dueSourceIds(app, { hubId: hub.id });
      expect(due).toEqual([source.id]);
      await pollHub(app, { actor: null, hubId: hub.id, dueOnly: true });
      waits.push((reloadSource(app, source.id).nextFetchAt.getTime() - clock.now.getTime()) / 60_000);
    }
    expect(waits).toEqual([60, 120, 240]);
    const flagged = reloadSource(app, source.id);
    expect(flagged.flaggedAt).not.toBeNull();
    expect(flagged.lastError).toMatch(/internal error \(500\)/);
    expect(listSources(app, hub.id)[0]!.health).toBe('flagged');

    feeds.serve('/flaky.xml', rss('Flaky', [{ title: 'Flaky', guid: 'f', categories: ['eng10'] }]));
    await pollHub(app, { actor: null, hubId: hub.id });
    expect(reloadSource(app, source.id)).toMatchObject({ flaggedAt: null, consecutiveFailures: 0, lastError: null });
  });

  it('gives up on a slow feed with a message, and a 50 MB feed or a gzip bomb costs little', async () => {
    const { hub, source } = await sourceFor('/slow.xml', [{ title: 'Slow', guid: 's', categories: ['eng10'] }]);
    feeds.routes.set('/slow.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.write('<rss version="2.0"><channel>');
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
    });
    const slow = await pollHub(app, { actor: null, hubId: hub.id, fetch: { timeoutMs: 800 } });
    expect(slow.summary.results[0]).toMatchObject({ outcome: 'failed', code: 'timeout' });
    expect(reloadSource(app, source.id).lastError).toMatch(/took longer than/);

    let written = 0;
    feeds.routes.set('/slow.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (written < 50 * MB) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    clock.advance(24 * 3600_000);
    const huge = await pollHub(app, { actor: null, hubId: hub.id });
    expect(huge.summary.results[0]).toMatchObject({ outcome: 'failed', code: 'too-large' });
    expect(written).toBeLessThan(20 * MB);

    const bomb = zlib.gzipSync(Buffer.alloc(200 * MB, 0x20), { level: 9 });
    feeds.routes.set('/slow.xml', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    clock.advance(24 * 3600_000);
    const bombed = await pollHub(app, { actor: null, hubId: hub.id });
    expect(bomb.length).toBeLessThan(1 * MB);
    expect(bombed.summary.results[0]).toMatchObject({ outcome: 'failed', code: 'too-large' });
    expect(reloadSource(app, source.id).lastError).toMatch(/unpacks to more than/);
    // What the hub had stays while the feed misbehaves.
    expect(storedTitles(app, source.id)).toEqual(['Slow']);
  });

  it('reports malformed XML in plain words and keeps what the hub had', async () => {
    const { hub, source } = await sourceFor('/broken.xml', [{ title: 'Fine', guid: 'ok', categories: ['eng10'] }]);
    feeds.serve('/broken.xml', '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken<item></channel>');
    const { summary } = await pollHub(app, { actor: null, hubId: hub.id });
    expect(summary.results[0]).toMatchObject({ outcome: 'failed', code: 'parse' });
    expect(reloadSource(app, source.id).lastError).toMatch(/not well-formed XML/);
    expect(storedTitles(app, source.id)).toEqual(['Fine']);
  });

  it('stores nothing unsafe from a feed full of XSS payloads, and serves nothing unsafe', async () => {
    const corpus = JSON.parse(fs.readFileSync(path.resolve(process.cwd(), '..', 'shared', 'corpora', 'dompurify', 'expect.json'), 'utf8')) as { title: string; payload: string }[];
    const items = corpus.map((c, i) => ({ title: `${c.payload.slice(0, 80)} #${i}`, guid: `xss-${i}`, link: `https://blog.example/xss/${i}`, categories: ['eng10'], html: c.payload }));
    const { hub, source } = await sourceFor('/xss.xml', items, { matchAll: true });
    const rows = app.db.select().from(hubItems).where(eq(hubItems.sourceId, source.id)).all();
    expect(rows.length).toBe(corpus.length);
    for (const row of rows) {
      expect(unsafeFindings(row.contentHtml), row.key).toEqual([]);
      // Titles and excerpts are plain text: pages escape them (the HTTP test reads the rendered river).
    }
    const feed = buildHubFeed(app, { ...hub, visibility: 'public' });
    const json = JSON.parse(toJsonFeed(feed)) as { items: { content_html: string }[] };
    for (const item of json.items) expect(unsafeFindings(item.content_html)).toEqual([]);
    expect(toRss(feed)).not.toMatch(/<script/i);
  });

  it('removes feed items that no longer match when the teacher changes the hub’s tags, and reads every feed again', async () => {
    const { hub, teacher, source } = await sourceFor('/retag.xml', [
      { title: 'Old tag', guid: 'r1', categories: ['eng10'] },
      { title: 'New tag', guid: 'r2', categories: ['english'] },
    ]);
    clock.advance(60_000);
    updateHub(app, { actor: teacherOf(teacher), hubId: hub.id, input: { slug: hub.slug, title: hub.title, tags: 'english' } });
    expect(storedTitles(app, source.id)).toEqual([]);
    expect(reloadSource(app, source.id)).toMatchObject({ etag: null, nextFetchAt: clock.now });
    await pollHub(app, { actor: null, hubId: hub.id, dueOnly: true });
    expect(storedTitles(app, source.id)).toEqual(['New tag']);
  });

  it('never fetches one feed twice at once', async () => {
    const { source } = await sourceFor('/lease.xml', [{ title: 'Once', guid: 'l', categories: ['eng10'] }]);
    const [a, b] = await Promise.all([pollSource(app, source.id, { force: true }), pollSource(app, source.id, { force: true })]);
    expect([a.outcome, b.outcome].sort()).toEqual(['not-modified', 'skipped']);
    expect([a, b].find((r) => r.outcome === 'skipped')!.message).toMatch(/Another poller/);
  });
});

describe('the server’s scheduler', () => {
  it('polls due feeds on each tick and releases its claims when stopped', async () => {
    const { hub, source } = await sourceFor('/scheduled.xml', [{ title: 'First', guid: 's1', categories: ['eng10'] }]);
    feeds.serve('/scheduled.xml', rss('Scheduled', [{ title: 'First', guid: 's1', categories: ['eng10'] }, { title: 'Second', guid: 's2', categories: ['eng10'] }]));
    const poller = startHubPoller(app, { tickMs: 3_600_000, firstTickMs: 3_600_000 });
    try {
      await poller.tick();
      expect(storedTitles(app, source.id)).toEqual(['First']);
      clock.advance(hub.pollIntervalMinutes * 60_000);
      await poller.tick();
      expect(storedTitles(app, source.id)).toEqual(['First', 'Second']);
    } finally {
      await poller.stop();
    }
    expect(reloadSource(app, source.id).leaseUntil).toBeNull();
  });
});
