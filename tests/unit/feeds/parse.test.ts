// What the parser promises the hub beyond the corpora: encodings, xml:base, sanitized content, item identity.
// Fixtures are files in ./fixtures (byte-exact encodings) or from ../shared/corpora.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { itemKey, normaliseUrlKey, parseFeed } from '../../../src/core/feeds/parse.ts';
import type { ParsedFeed } from '../../../src/core/feeds/parse.ts';
import { decodeFeedText } from '../../../src/core/feeds/parseEncoding.ts';
import { parseFeedDate } from '../../../src/core/feeds/parseDate.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const corpus = (relative: string) => readFileSync(path.resolve(process.cwd(), '../shared/corpora', relative));

function parsed(bytes: Uint8Array | string, options: Parameters<typeof parseFeed>[1] = {}): ParsedFeed {
  const result = parseFeed(bytes, options);
  if (!result.ok) throw new Error(`${result.reason}: ${result.message}`);
  return result.feed;
}

describe('encodings', () => {
  it('reads the encoding from the XML declaration', () => {
    const feed = parsed(fixture('latin1-declared.xml'));
    expect(feed.encoding).toBe('windows-1252');
    expect(feed.title).toBe('Café des élèves');
    expect(feed.items[0]?.title).toBe('Crème brûlée');
  });

  it('lets the byte order mark win (UTF-16LE)', () => {
    const feed = parsed(fixture('utf16le-bom.xml'));
    expect(feed.encoding).toBe('utf-16le');
    expect(feed.title).toBe('Café des élèves');
  });

  it('reads undeclared bytes that are not UTF-8 as Windows-1252', () => {
    const feed = parsed(fixture('windows1252-undeclared.xml'));
    expect(feed.encoding).toBe('windows-1252');
    expect(feed.title).toBe('Café des élèves – “notes”');
  });

  it('reads multi-byte legacy encodings (Shift_JIS)', () => {
    const feed = parsed(fixture('shiftjis-declared.xml'));
    expect(feed.encoding).toBe('shift_jis');
    expect(feed.title).toBe('日本語のブログ');
    expect(feed.items[0]?.title).toBe('こんにちは');
  });

  it('lets the HTTP charset override the XML declaration (RFC 7303)', () => {
    const bytes = fixture('latin1-declared.xml');
    expect(decodeFeedText(bytes, 'application/rss+xml; charset=ISO-8859-1').source).toBe('content-type');
    // A wrong header is taken at its word: that is the rule, and the teacher sees the site's mistake.
    expect(decodeFeedText(bytes, 'application/rss+xml; charset=utf-8').text).toContain('Caf\uFFFD');
  });
});

describe('URLs and xml:base', () => {
  const feed = parsed(fixture('xml-base.atom'), { url: 'https://student.example/feeds/main' });

  it('resolves feed links against xml:base, itself relative to the document URL', () => {
    expect(feed.link).toBe('https://student.example/blog/');
    expect(feed.feedUrl).toBe('https://student.example/blog/feed.atom');
    expect(feed.authors).toEqual([{ name: 'Ada', url: 'https://student.example/about' }]);
  });

  it('stacks entry and content xml:base on top', () => {
    const [first, second] = feed.items;
    expect(first?.url).toBe('https://student.example/blog/posts/first/');
    expect(first?.contentHtml).toContain('href="https://cdn.student.example/notes.html"');
    expect(first?.contentHtml).toContain('src="https://cdn.student.example/media/cat.png"');
    expect(first?.image).toBe('https://cdn.student.example/media/cat.png');
    expect(second?.url).toBe('https://student.example/second');
  });

  it('reads Atom text constructs by their type', () => {
    const [first, second] = feed.items;
    expect(first?.title).toBe('First post');
    expect(second?.title).toBe('Second <b> is not bold');
    expect(second?.contentHtml).toBe('<p>Plain text &#x26; a line</p>');
  });

  it('keeps the category term (what hub tags match), not its label', () => {
    expect(feed.items[0]?.categories).toEqual(['edu101']);
  });

  it('reads dates with their zones and fills a missing one from the other', () => {
    const [first, second] = feed.items;
    expect(second?.published?.toISOString()).toBe('2025-03-02T08:00:00.000Z');
    expect(second?.updated?.toISOString()).toBe('2025-03-03T08:00:00.000Z');
    expect(first?.published?.toISOString()).toBe('2025-03-01T10:00:00.000Z');
  });

  it('inherits the feed author for entries without one (Atom 4.2.1)', () => {
    expect(feed.items[1]?.authors.map((a) => a.name)).toEqual(['Ada']);
  });
});

describe('hostile content', () => {
  const feed = parsed(fixture('xss.rss'), { url: 'https://blog.example/feed' });
  const item = feed.items[0]!;

  it('keeps only text in titles', () => {
    expect(feed.title).toBe('Innocent blog');
    expect(item.title).toBe('Hello');
  });

  it('drops javascript: links to the original', () => {
    expect(feed.link).toBeUndefined();
    expect(item.url).toBeUndefined();
  });

  it('sanitizes the content before it leaves the parser', () => {
    const html = item.contentHtml;
    expect(html).not.toMatch(/<script|<iframe|<svg|<style|<form|<input/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/javascript:|data:text/i);
    expect(html).not.toMatch(/style=/i);
    expect(html).toContain('href="https://blog.example/relative"');
    expect(html).toContain('js link');
    expect(item.summary).toBe('Summary');
  });
});

describe('JSON Feed', () => {
  const feed = parsed(fixture('text.json'), { url: 'https://journal.example/feed.json' });

  it('turns content_text into escaped paragraphs', () => {
    expect(feed.items[0]?.contentHtml).toBe(
      '<p>First line &#x3C;not a tag><br>second line</p>\n<p>New paragraph &#x26; more</p>',
    );
  });

  it('resolves relative URLs, inherits feed authors, keeps tags and attachments', () => {
    const item = feed.items[0]!;
    expect(feed.version).toBe('1.1');
    expect(item.url).toBe('https://journal.example/2025/03/01/');
    expect(item.authors).toEqual([{ name: 'Grace', url: 'https://journal.example/about' }]);
    expect(item.categories).toEqual(['EDU101', 'reflection']);
    expect(item.enclosures).toEqual([
      { url: 'https://journal.example/audio/day1.mp3', type: 'audio/mpeg', length: 1234 },
    ]);
  });

  it('reads JSON Feed 1.0 with a bare version number', () => {
    const feed10 = parsed(corpus('gofeed/testdata/translator/json/json10_full.json'));
    expect(feed10.format).toBe('json');
    expect(feed10.version).toBe('1.0');
    expect(feed10.authors[0]?.name).toBe('author_name');
  });
});

describe('RSS and Atom versions from the corpora', () => {
  it.each([
    ['feedparser/tests/wellformed/rss/rss_version_090.xml', 'rdf', '0.90'],
    ['feedparser/tests/wellformed/rss/rss_version_091_userland.xml', 'rss', '0.91'],
    ['feedparser/tests/wellformed/rss/rss_version_092.xml', 'rss', '0.92'],
    ['feedparser/tests/wellformed/rdf/rss_version_10.xml', 'rdf', '1.0'],
    ['feedparser/tests/wellformed/rss/rss_version_20.xml', 'rss', '2.0'],
    ['feedparser/tests/wellformed/atom/atom_namespace_1.xml', 'atom', '0.3'],
    ['feedparser/tests/wellformed/atom10/atom10_namespace.xml', 'atom', '1.0'],
  ])('%s is %s %s', (file, format, version) => {
    const feed = parsed(corpus(file));
    expect({ format: feed.format, version: feed.version }).toEqual({ format, version });
  });
});

describe('documents that are not feeds', () => {
  it('says an HTML page is not a feed and suggests what to do', () => {
    const result = parseFeed(fixture('not-a-feed.html'));
    expect(result).toMatchObject({ ok: false, reason: 'not-a-feed' });
    if (!result.ok) expect(result.message).toMatch(/paste the address of its feed/);
  });

  it('says broken JSON is malformed', () => {
    expect(parseFeed('{"version": "https://jsonfeed.org/version/1.1", "items": [')).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('says an empty body is empty', () => {
    expect(parseFeed(new Uint8Array())).toMatchObject({ ok: false, reason: 'empty' });
  });
});

describe('item identity', () => {
  const feed = parsed(fixture('no-ids.rss'));

  it('uses the link when there is no guid, and a content hash when there is neither', () => {
    expect(feed.items[0]?.id).toBe('http://www.student.example/2025/03/linked/');
    expect(feed.items[1]?.id).toMatch(/^hash:[0-9a-f]{16}$/);
    expect(parsed(fixture('no-ids.rss')).items[1]?.id).toBe(feed.items[1]?.id);
  });

  it('gives http/https, www and trailing-slash variants of one post the same key', () => {
    const keys = [
      'http://www.student.example/2025/03/linked/',
      'https://student.example/2025/03/linked',
      'https://STUDENT.example:443/2025/03/linked/?utm_source=rss#comments',
    ].map((url) => itemKey({ id: url, url }));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toBe('url:student.example/2025/03/linked');
  });

  it('keeps opaque ids as they are, and distinct pages distinct', () => {
    expect(itemKey({ id: 'tag:student.example,2025:first' })).toBe('id:tag:student.example,2025:first');
    expect(itemKey({ id: 'https://a.example/1' })).not.toBe(itemKey({ id: 'https://a.example/2' }));
    expect(itemKey({ id: 'hash:0123456789abcdef', url: 'http://a.example/x/' })).toBe('url:a.example/x');
    expect(normaliseUrlKey('mailto:x@example.org')).toBeUndefined();
  });
});

describe('parseFeedDate', () => {
  it.each([
    ['Sat, 01 Mar 2025 10:00:00 GMT', '2025-03-01T10:00:00.000Z'],
    ['Sat, 01 Mar 2025 10:00:00 +0100', '2025-03-01T09:00:00.000Z'],
    ['Sat, 1 March 2025 10:00 PST', '2025-03-01T18:00:00.000Z'],
    ['01 Mar 25 10:00:00 EDT', '2025-03-01T14:00:00.000Z'],
    ['2025-03-01T10:00:00Z', '2025-03-01T10:00:00.000Z'],
    ['2025-03-01T10:00:00.5-05:00', '2025-03-01T15:00:00.500Z'],
    ['2025-03-01 10:00:00', '2025-03-01T10:00:00.000Z'],
    ['2025-03-01', '2025-03-01T00:00:00.000Z'],
    ['20250301T100000Z', '2025-03-01T10:00:00.000Z'],
    ['March 1, 2025 10:00:00 GMT', '2025-03-01T10:00:00.000Z'],
  ])('%s', (text, iso) => {
    expect(parseFeedDate(text)?.toISOString()).toBe(iso);
  });

  it('returns undefined for text that is not a date', () => {
    expect(parseFeedDate('yesterday')).toBeUndefined();
    expect(parseFeedDate('')).toBeUndefined();
    expect(parseFeedDate('2025-13-45')).toBeUndefined();
  });
});
