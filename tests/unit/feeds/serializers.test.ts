// The two serializers on one fixed model (fixed dates, TZ=UTC), read back with independent tools: feedsmith for
// RSS, the JSON Feed 1.1 schema (../shared/corpora/jsonfeed) for JSON. No snapshots: each assertion is something a
// feed reader would show or rely on.
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parseFeed, parseJsonFeed, parseRssFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { toJsonFeed } from '../../../src/core/feeds/jsonFeed.ts';
import { artifactGuid, type Feed, type FeedItem } from '../../../src/core/feeds/model.ts';
import { toRss } from '../../../src/core/feeds/rss.ts';

const corpora = path.resolve(process.cwd(), '..', 'shared', 'corpora');
const jsonFeedSchema = JSON.parse(fs.readFileSync(path.join(corpora, 'jsonfeed', 'schema-v1.1.json'), 'utf8'));

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(jsonFeedSchema);
}

const maya = { name: 'Maya Ortiz', url: 'https://school.example/@maya/', avatar: 'https://school.example/media/av/' };

const poem: FeedItem = {
  id: artifactGuid('0b7e3c1a-4a5b-4c6d-8e9f-0123456789ab'),
  url: 'https://school.example/@maya/poem/',
  title: 'Rain & <thunder>',
  contentHtml:
    '<p>A poem with a <a href="https://school.example/@maya/other/">link</a>, a stray \u0001 control character and a CDATA end ]]> in it.</p><img src="https://school.example/media/pic/" alt="">',
  summary: 'A short poem about weather.',
  image: 'https://school.example/media/cover/',
  published: new Date('2024-09-12T08:30:00Z'),
  modified: new Date('2024-09-14T10:00:00Z'),
  authors: [maya],
  categories: ['poetry', 'café', 'week-3'],
  attachments: [
    { url: 'https://school.example/media/a1/', mimeType: 'application/pdf', title: 'draft.pdf', sizeInBytes: 1234 },
    { url: 'https://school.example/media/a2/', mimeType: 'audio/mpeg', title: 'reading.mp3', sizeInBytes: 98765 },
  ],
};

const link: FeedItem = {
  id: artifactGuid('imported-42'),
  url: 'https://school.example/@maya/a-link/',
  externalUrl: 'https://example.org/article',
  title: 'A link worth reading',
  contentHtml: '<p>Why this matters.</p>',
  published: new Date('2024-09-01T00:00:00Z'),
  modified: new Date('2024-09-01T00:00:00Z'),
  authors: [maya],
  categories: [],
  attachments: [],
};

const feed: Feed = {
  title: 'Maya’s portfolio',
  description: 'Poems, projects and reflections.',
  homePageUrl: 'https://school.example/@maya/',
  feedUrls: { rss: 'https://school.example/@maya/feed.xml', json: 'https://school.example/@maya/feed.json' },
  language: 'en',
  updated: new Date('2024-09-14T10:00:00Z'),
  authors: [maya],
  icon: maya.avatar,
  rights: 'CC BY 4.0',
  generator: 'Potluck',
  items: [poem, link],
};

describe('artifactGuid', () => {
  it('makes a urn:uuid from a Potluck id and a potluck URN from any other id, the same every time', () => {
    expect(artifactGuid('0B7E3C1A-4A5B-4C6D-8E9F-0123456789AB')).toBe('urn:uuid:0b7e3c1a-4a5b-4c6d-8e9f-0123456789ab');
    expect(artifactGuid('imported-42')).toBe('urn:potluck:artifact:imported-42');
    expect(artifactGuid('imported-42')).toBe(artifactGuid('imported-42'));
  });
});

describe('toRss', () => {
  const xml = toRss(feed);
  const parsed = parseRssFeed(xml);

  it('is a function of the model: the same model gives the same bytes, whatever the clock says', () => {
    expect(toRss(feed)).toBe(xml);
    expect(parsed.lastBuildDate).toBe('Sat, 14 Sep 2024 10:00:00 GMT');
  });

  it('describes the channel: title, home page, self link, language, rights', () => {
    expect(parsed.title).toBe('Maya’s portfolio');
    expect(parsed.link).toBe('https://school.example/@maya/');
    expect(parsed.description).toBe('Poems, projects and reflections.');
    expect(parsed.language).toBe('en');
    expect(parsed.copyright).toBe('CC BY 4.0');
    expect(parsed.atom?.links).toContainEqual(expect.objectContaining({ rel: 'self', href: feed.feedUrls.rss }));
    expect(parsed.image?.url).toBe(maya.avatar);
  });

  it('gives each item its title, permalink, date, tags, author and a guid that is not a permalink', () => {
    const [first, second] = parsed.items!;
    expect(first!.title).toBe('Rain & <thunder>');
    expect(first!.link).toBe(poem.url);
    expect(new Date(first!.pubDate!).toISOString()).toBe('2024-09-12T08:30:00.000Z');
    expect(first!.categories?.map((c) => c.name)).toEqual(['poetry', 'café', 'week-3']);
    expect(first!.guid).toEqual({ value: 'urn:uuid:0b7e3c1a-4a5b-4c6d-8e9f-0123456789ab', isPermaLink: false });
    expect(first!.dc?.creators).toEqual(['Maya Ortiz']);
    expect(first!.dcterms?.modified).toEqual(['2024-09-14T10:00:00.000Z']);
    expect(second!.guid?.value).toBe('urn:potluck:artifact:imported-42');
  });

  it('carries the full content in content:encoded and the summary in description (the content when there is none)', () => {
    const [first, second] = parsed.items!;
    expect(first!.description).toBe('A short poem about weather.');
    expect(first!.content?.encoded).toContain('a CDATA end ]]> in it');
    expect(first!.content?.encoded).toContain('<img src="https://school.example/media/pic/"');
    expect(second!.description).toBe('<p>Why this matters.</p>');
  });

  it('describes work without a summary by its plain-text excerpt rather than repeating the content', () => {
    const withExcerpt = parseRssFeed(toRss({ ...feed, items: [{ ...link, excerpt: 'Why this matters.' }] }));
    expect(withExcerpt.items![0]!.description).toBe('Why this matters.');
    expect(withExcerpt.items![0]!.content?.encoded).toBe('<p>Why this matters.</p>');
  });

  it('drops characters XML cannot carry instead of producing a feed no reader can open', () => {
    expect(xml).not.toContain('\u0001');
    expect(parsed.items![0]!.content?.encoded).toContain('a stray  control character');
  });

  it('encloses the first attachment, with its length and type', () => {
    expect(parsed.items![0]!.enclosures).toEqual([
      { url: 'https://school.example/media/a1/', length: 1234, type: 'application/pdf' },
    ]);
    expect(parsed.items![1]!.enclosures ?? []).toEqual([]);
  });

  it('has no channel <author> (not an RSS 2.0 element) and is detected as RSS by a generic parser', () => {
    expect(xml).not.toMatch(/<channel>(?:(?!<item>).)*<author>/s);
    expect(parseFeed(xml).format).toBe('rss');
  });
});

describe('toJsonFeed', () => {
  const json = toJsonFeed(feed);
  const document = JSON.parse(json);

  it('validates against the JSON Feed 1.1 schema', () => {
    const validate = validator();
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
  });

  it('names the feed, its home page, its own address, language and author', () => {
    expect(document).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Maya’s portfolio',
      home_page_url: 'https://school.example/@maya/',
      feed_url: 'https://school.example/@maya/feed.json',
      language: 'en',
      authors: [{ name: 'Maya Ortiz', url: maya.url, avatar: maya.avatar }],
    });
  });

  it('gives items their stable id, dates, tags, summary, cover and every attachment', () => {
    const [first, second] = document.items;
    expect(first).toMatchObject({
      id: 'urn:uuid:0b7e3c1a-4a5b-4c6d-8e9f-0123456789ab',
      url: poem.url,
      title: 'Rain & <thunder>',
      summary: 'A short poem about weather.',
      image: 'https://school.example/media/cover/',
      date_published: '2024-09-12T08:30:00.000Z',
      date_modified: '2024-09-14T10:00:00.000Z',
      tags: ['poetry', 'café', 'week-3'],
    });
    expect(first.content_html).toBe(poem.contentHtml);
    expect(first.attachments).toEqual([
      {
        url: 'https://school.example/media/a1/',
        mime_type: 'application/pdf',
        title: 'draft.pdf',
        size_in_bytes: 1234,
      },
      { url: 'https://school.example/media/a2/', mime_type: 'audio/mpeg', title: 'reading.mp3', size_in_bytes: 98765 },
    ]);
    expect(second.external_url).toBe('https://example.org/article');
  });

  it('leaves out optional members it has no value for, rather than writing them empty', () => {
    const second = document.items[1];
    expect(Object.keys(second)).not.toContain('summary');
    expect(Object.keys(second)).not.toContain('tags');
    expect(Object.keys(second)).not.toContain('attachments');
    expect(Object.keys(second)).not.toContain('image');
  });

  it('reads back with an independent JSON Feed parser to the same items', () => {
    const parsed = parseJsonFeed(document);
    expect(parsed.items?.map((i) => i.id)).toEqual([poem.id, link.id]);
    expect(parsed.items?.map((i) => i.title)).toEqual([poem.title, link.title]);
  });
});

describe('a spec example (jsonfeed podcast.json) through the model', () => {
  // The example from the JSON Feed spec, read into our model by hand, must come out the same in both formats.
  const example = JSON.parse(fs.readFileSync(path.join(corpora, 'jsonfeed', 'examples-v1.1', 'podcast.json'), 'utf8'));
  const model: Feed = {
    title: example.title,
    homePageUrl: example.home_page_url,
    feedUrls: { rss: example.feed_url.replace('.json', '.xml'), json: example.feed_url },
    language: 'en',
    updated: new Date(example.items[0].date_published),
    authors: [],
    generator: 'Potluck',
    items: example.items.map((i: any): FeedItem => ({
      id: i.id,
      url: i.url,
      title: i.title,
      contentHtml: i.content_html,
      summary: i.summary,
      published: new Date(i.date_published),
      modified: new Date(i.date_published),
      authors: [],
      categories: [],
      attachments: i.attachments.map((a: any) => ({ url: a.url, mimeType: a.mime_type, sizeInBytes: a.size_in_bytes })),
    })),
  };

  it('keeps the example’s items, dates and attachments in JSON Feed', () => {
    const out = JSON.parse(toJsonFeed(model));
    const validate = validator();
    expect(validate(out), JSON.stringify(validate.errors)).toBe(true);
    const [ours] = out.items;
    const [theirs] = example.items;
    expect(ours.id).toBe(theirs.id);
    expect(ours.content_html).toBe(theirs.content_html);
    expect(new Date(ours.date_published).getTime()).toBe(new Date(theirs.date_published).getTime());
    expect(ours.attachments[0]).toMatchObject({
      url: theirs.attachments[0].url,
      mime_type: 'audio/x-m4a',
      size_in_bytes: 89970236,
    });
  });

  it('keeps them in RSS too, as feedsmith reads it', () => {
    const rss = parseRssFeed(toRss(model));
    const [item] = rss.items!;
    const [theirs] = example.items;
    expect(item!.title).toBe(theirs.title);
    expect(item!.link).toBe(theirs.url);
    expect(new Date(item!.pubDate!).getTime()).toBe(new Date(theirs.date_published).getTime());
    expect(item!.enclosures?.[0]).toEqual({ url: theirs.attachments[0].url, length: 89970236, type: 'audio/x-m4a' });
    expect(item!.content?.encoded).toBe(theirs.content_html);
  });
});
