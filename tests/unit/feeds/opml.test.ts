// OPML import/export measured on the samples in ../shared/corpora/opml, whose expectations (EXPECTED.json) come
// from node-opmlparser's and picoFeed's own tests and the OPML spec.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { feedUrlFromOpml, parseOpml, serializeOpml } from '../../../src/core/feeds/opml.ts';
import type { OpmlDocument } from '../../../src/core/feeds/opml.ts';

const dir = path.resolve(process.cwd(), '../shared/corpora/opml');
const expected = JSON.parse(readFileSync(path.join(dir, 'EXPECTED.json'), 'utf8'));

function load(name: string): OpmlDocument {
  const result = parseOpml(readFileSync(path.join(dir, name)));
  if (!result.ok) throw new Error(result.message);
  return result.opml;
}

describe('OPML corpus (EXPECTED.json)', () => {
  it('subscriptionList.spec-excerpt.opml: the spec example, ISO-8859-1, entities in attributes', () => {
    const want = expected['subscriptionList.spec-excerpt.opml'];
    const opml = load('subscriptionList.spec-excerpt.opml');
    expect(opml.title).toBe(want.title);
    expect(opml.ownerName).toBe(want.ownerName);
    expect(opml.sources).toHaveLength(want.feedCount);
    expect(opml.sources[0]).toMatchObject({
      title: want.first.text,
      xmlUrl: want.first.xmlUrl,
      htmlUrl: want.first.htmlUrl,
    });
    expect(opml.sources[6]?.title).toBe(want.seventh_title_decoded);
    expect(opml.sources[3]?.htmlUrl).toBe(want.fourth_htmlUrl_decoded);
    expect(opml.dateCreated?.toISOString()).toBe('2005-06-18T12:11:52.000Z');
  });

  it('categories.node-opmlparser.opml: the category attribute, split and de-duplicated', () => {
    const want = expected['categories.node-opmlparser.opml'];
    const [outline] = load('categories.node-opmlparser.opml').outlines;
    expect(want.outline0_categories_raw.split(',')).toHaveLength(3);
    expect(outline?.categories).toEqual(['/Tourism/New York', '/Philosophy/Baseball/Mets']);
    expect(outline?.categories).toHaveLength(want.outline0_categories_count_node_opmlparser);
  });

  it('category.feedsmith.opml: two categories on one outline', () => {
    const [outline] = load('category.feedsmith.opml').outlines;
    expect(outline?.categories).toEqual(expected['category.feedsmith.opml'].outline0_categories);
  });

  it('directory.feedsmith.opml: a directory of links holds no feeds', () => {
    const want = expected['directory.feedsmith.opml'];
    const opml = load('directory.feedsmith.opml');
    expect(opml.outlines).toHaveLength(want.outlineCount);
    expect(opml.outlines.every((o) => o.type === want.allType)).toBe(true);
    expect(opml.sources).toHaveLength(want.feedCount_xmlUrl);
    expect(opml.outlines[0]?.url).toBe('http://tech.example.com/blogs/startups50.opml');
  });

  it('parses every sample listed in EXPECTED.json', () => {
    const names = Object.keys(expected).filter((k) => !k.startsWith('_'));
    const parsed = names.filter((name) => parseOpml(readFileSync(path.join(dir, name))).ok);
    console.log(`OPML samples: ${parsed.length}/${names.length} parse`);
    expect(parsed).toHaveLength(4);
  });
});

describe('parseOpml', () => {
  it('flattens folders, keeps the folder path, and adds each feed once', () => {
    const result = parseOpml(readFileSync(new URL('./fixtures/class-blogs.opml', import.meta.url)), {
      url: 'http://alan.example/class.opml',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.opml.sources.map((s) => [s.title, s.xmlUrl, s.folder])).toEqual([
      ['Ada Lovelace', 'https://ada.example/feed.xml', 'Period 1'],
      ['Grace Hopper', 'https://grace.example/blog/rss', 'Period 1 / Group B'],
      ['Alan Turing', 'http://alan.example/atom.xml', undefined],
      ['Relative', 'http://alan.example/relative.xml', undefined],
    ]);
    expect(result.opml.skipped.map((s) => s.text)).toEqual(['Ada again', 'Not a feed']);
    expect(result.opml.skipped[1]?.reason).toMatch(/not a web address/);
  });

  it('refuses a file that is not OPML, saying what to do', () => {
    const result = parseOpml(
      readFileSync(
        path.resolve(
          process.cwd(),
          '../shared/corpora/gofeed/testdata/translator/rss/feed_title_-_rss_channel_title.xml',
        ),
      ),
    );
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.message).toMatch(/Export the list from your feed reader/);
  });

  it('reads the feed: pseudo-scheme that some readers export', () => {
    expect(feedUrlFromOpml('feed://example.org/rss')).toBe('http://example.org/rss');
    expect(feedUrlFromOpml('feed:https://example.org/rss')).toBe('https://example.org/rss');
    expect(feedUrlFromOpml('javascript:alert(1)')).toBeUndefined();
  });
});

describe('serializeOpml', () => {
  it('writes OPML 2.0 that reads back to the same sources', () => {
    const sources = load('subscriptionList.spec-excerpt.opml').sources.map((s, i) => ({
      ...s,
      ...(i % 3 === 0 ? { folder: 'Period 1' } : {}),
      categories: i === 0 ? ['/Course/EDU101', 'reflections'] : [],
    }));
    const xml = serializeOpml({
      title: 'EDU 101 & friends',
      ownerName: 'Ms. Rivera',
      dateCreated: new Date('2025-03-01T10:00:00Z'),
      sources,
    });
    expect(xml).toMatch(/<opml version="2\.0">/);
    const back = parseOpml(xml);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.opml.title).toBe('EDU 101 & friends');
    expect(back.opml.ownerName).toBe('Ms. Rivera');
    expect(back.opml.dateCreated?.toISOString()).toBe('2025-03-01T10:00:00.000Z');
    const byUrl = (list: typeof sources) => [...list].sort((a, b) => a.xmlUrl.localeCompare(b.xmlUrl));
    expect(byUrl(back.opml.sources)).toEqual(byUrl(sources));
  });
});
