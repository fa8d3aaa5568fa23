// OPML in and out of a hub, with the independent samples of ../shared/corpora/opml: a class list comes in without
// typing thirty addresses, goes out for a feed reader, and a round trip through another hub loses nothing.
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { importHubOpml } from '../../../src/commands/hubOpmlImporter.ts';
import { addHubSource } from '../../../src/commands/hubSourceAdder.ts';
import { parseOpml } from '../../../src/core/feeds/opml.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { exportHubOpml } from '../../../src/server/hubs/opml.ts';
import { listSources } from '../../../src/server/hubs/lists.ts';
import { SITE, clockedApp, makeClass } from './helpers.ts';
import { rss, startFeedServer } from './feedServer.ts';

const corpus = (name: string) => fs.readFileSync(path.resolve(process.cwd(), '..', 'shared', 'corpora', 'opml', name));
const expected = JSON.parse(corpus('EXPECTED.json').toString('utf8'));

let app: AppContext;
beforeEach(() => {
  ({ app } = clockedApp());
});

describe('OPML import', () => {
  it('adds every feed of a reader’s subscription list (ISO-8859-1), due for a first fetch', async () => {
    const { hub } = await makeClass(app);
    const result = importHubOpml(app, { actor: null, hubId: hub.id, opml: corpus('subscriptionList.spec-excerpt.opml') });
    expect(result.added).toBe(expected['subscriptionList.spec-excerpt.opml'].feedCount);
    const sources = listSources(app, hub.id);
    const first = sources.find((s) => s.source.url === expected['subscriptionList.spec-excerpt.opml'].first.xmlUrl)!;
    expect(first.source).toMatchObject({ title: expected['subscriptionList.spec-excerpt.opml'].first.text, siteUrl: expected['subscriptionList.spec-excerpt.opml'].first.htmlUrl, lastFetchAt: null });
    expect(sources.every((s) => s.health === 'new')).toBe(true);

    const again = importHubOpml(app, { actor: null, hubId: hub.id, opml: corpus('subscriptionList.spec-excerpt.opml') });
    expect(again.added).toBe(0);
    expect(again.skipped.map((s) => s.reason)).toEqual(Array(9).fill('This hub already has this feed.'));
  });

  it('explains files that list no feeds, and files that are not OPML', async () => {
    const { hub } = await makeClass(app);
    for (const name of ['directory.feedsmith.opml', 'category.feedsmith.opml', 'categories.node-opmlparser.opml']) {
      expect(() => importHubOpml(app, { actor: null, hubId: hub.id, opml: corpus(name) }), name).toThrow(/lists no feeds/);
    }
    expect(() => importHubOpml(app, { actor: null, hubId: hub.id, opml: '<html><body>hi</body></html>' })).toThrow(/not an OPML subscription list/);
    expect(() => importHubOpml(app, { actor: null, hubId: hub.id, opml: '<opml><body><outline xmlUrl="x"' })).toThrow(/not well-formed/);
  });

  it('is for the hub’s teachers', async () => {
    const { hub, students } = await makeClass(app);
    expect(() => importHubOpml(app, { actor: { id: students[0]!.id, role: 'student' }, hubId: hub.id, opml: corpus('subscriptionList.spec-excerpt.opml') })).toThrow(/Only the teachers/);
  });
});

describe('OPML export and round trip', () => {
  it('exports portfolios and feeds, and another hub imports the same feeds with the same owners', async () => {
    const feeds = await startFeedServer();
    try {
      const { hub, teacher, students } = await makeClass(app);
      feeds.serve('/a.xml', rss('Blog A', [{ title: 'x', guid: 'a', categories: ['eng10'] }], 'https://a.example/'));
      await addHubSource(app, { actor: { id: teacher.id, role: 'teacher' }, hubId: hub.id, url: `${feeds.base}/a.xml`, memberId: students[0]!.id });
      feeds.serve('/course.xml', rss('Course blog', []));
      await addHubSource(app, { actor: { id: teacher.id, role: 'teacher' }, hubId: hub.id, url: `${feeds.base}/course.xml`, matchAll: true });
      importHubOpml(app, { actor: null, hubId: hub.id, opml: corpus('subscriptionList.spec-excerpt.opml') });

      const text = exportHubOpml(app, { hub, fullMembership: true });
      const parsed = parseOpml(text);
      if (!parsed.ok) throw new Error(parsed.message);
      const byUrl = new Map(parsed.opml.sources.map((s) => [s.xmlUrl, s]));
      expect(byUrl.get(`${SITE}/@${students[0]!.handle}/tags/eng10/feed.xml`)?.folder).toBe('Potluck portfolios');
      expect(byUrl.has(`${SITE}/@${students[0]!.handle}/feed.xml`)).toBe(false);
      expect(byUrl.get(`${feeds.base}/a.xml`)).toMatchObject({ title: 'Blog A', htmlUrl: 'https://a.example/', categories: [`/potluck/member/${students[0]!.handle}`], folder: 'External feeds' });
      expect(byUrl.get(`${feeds.base}/course.xml`)?.categories).toEqual(['/potluck/everything']);
      expect(parsed.opml.sources.length).toBe(3 + 2 + 9);

      // Another hub with the same student: the portfolios are skipped (they arrive without polling), feeds come over.
      const other = await makeClass(app, {}, 0);
      const { addHubMember } = await import('../../../src/commands/hubMemberAdder.ts');
      addHubMember(app, { actor: null, hubId: other.hub.id, handle: students[0]!.handle });
      const result = importHubOpml(app, { actor: null, hubId: other.hub.id, opml: text });
      expect(result.added).toBe(11);
      expect(result.skipped.find((s) => s.text.includes(students[0]!.handle))?.reason).toMatch(/is a member: their tagged Potluck work arrives without polling/);
      expect(result.skipped.find((s) => s.text.includes(students[1]!.handle))?.reason).toMatch(/add @.* as a member instead/);
      const copied = new Map(listSources(app, other.hub.id).map((s) => [s.source.url, s]));
      expect(copied.get(`${feeds.base}/a.xml`)?.member?.id).toBe(students[0]!.id);
      expect(copied.get(`${feeds.base}/course.xml`)?.source.matchAll).toBe(true);
      expect(copied.size).toBe(11);
    } finally {
      await feeds.close();
    }
  });
});
