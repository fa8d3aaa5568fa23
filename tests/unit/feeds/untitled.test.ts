// A feed item without a title (a Mastodon post gathered by a hub): RSS writes no <title> for it (the item has its
// description), JSON Feed no `title` member; an item with a title, even one that reads "No title", keeps it.
import { parseRssFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { toJsonFeed } from '../../../src/core/feeds/jsonFeed.ts';
import type { Feed, FeedItem } from '../../../src/core/feeds/model.ts';
import { toRss } from '../../../src/core/feeds/rss.ts';

const at = new Date('2025-03-01T10:00:00Z');
const item = (title: string, id: string): FeedItem => ({
  id: `https://mastodon.example/@maya/${id}`,
  url: `https://mastodon.example/@maya/${id}`,
  title,
  contentHtml: '<p>Week three: I mapped every character in Hamlet by who they lie to</p>',
  excerpt: 'Week three: I mapped every character in Hamlet by who they lie to',
  published: at,
  modified: at,
  authors: [{ name: '@maya@mastodon.example' }],
  categories: ['t509massive'],
  attachments: [],
});
const feed: Feed = {
  title: 'T509',
  homePageUrl: 'https://school.example/hubs/t509/',
  feedUrls: { rss: 'https://school.example/hubs/t509/feed.xml', json: 'https://school.example/hubs/t509/feed.json' },
  language: 'en',
  updated: at,
  authors: [],
  generator: 'Potluck',
  items: [item('', '1'), item('No title', '2'), item('A real title', '3')],
};

describe('items without a title', () => {
  it('RSS: no title element, the description carries the text; titled items keep theirs', () => {
    const xml = toRss(feed);
    const items = xml.match(/<item>[\s\S]*?<\/item>/g)!;
    expect(items).toHaveLength(3);
    expect(items[0]).not.toContain('<title>');
    expect(items[0]).toContain('<description><![CDATA[Week three: I mapped every character');
    expect(items[1]).toContain('<title><![CDATA[No title]]></title>');
    expect(items[2]).toContain('<title><![CDATA[A real title]]></title>');
    expect(xml).not.toContain('potluck-no-title');
    const parsed = parseRssFeed(xml);
    expect(parsed.items?.map((i) => i.title)).toEqual([undefined, 'No title', 'A real title']);
  });

  it('JSON Feed: no title member at all', () => {
    const items = JSON.parse(toJsonFeed(feed)).items;
    expect('title' in items[0]).toBe(false);
    expect(items[0].content_html).toContain('Week three');
    expect(items[1].title).toBe('No title');
  });
});
