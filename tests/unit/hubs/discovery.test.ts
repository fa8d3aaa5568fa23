// Finding a blog's feed from its page (<link rel="alternate">), as WordPress, Blogger and Hugo announce them.
import { describe, expect, it } from 'vitest';
import { discoverFeeds, looksLikeHtml } from '../../../src/core/hubs/discovery.ts';

const wordpress = `<!doctype html><html><head>
<title>Maya writes</title>
<link rel="alternate" type="application/rss+xml" title="Maya writes &raquo; Comments Feed" href="https://maya.example/comments/feed/">
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Maya writes &raquo; Feed" href="https://maya.example/feed/">
<link rel="alternate" type="application/json+oembed" href="https://maya.example/oembed">
</head><body><p>Hello</p></body></html>`;

describe('discoverFeeds', () => {
  it('puts the main feed before the comments feed', () => {
    const feeds = discoverFeeds(wordpress, 'https://maya.example/');
    expect(feeds.map((f) => f.url)).toEqual(['https://maya.example/feed/', 'https://maya.example/comments/feed/']);
    expect(feeds[0]).toMatchObject({ type: 'rss', title: 'Maya writes » Feed' });
  });

  it('resolves relative addresses against <base href>, and reads Atom and JSON Feed', () => {
    const html = `<html><head><base href="https://static.example/blog/"><link rel="Alternate feed" type="application/atom+xml" href="atom.xml"><link rel="alternate" type="application/feed+json" href="/feed.json"></head></html>`;
    expect(discoverFeeds(html, 'https://other.example/x')).toEqual([
      { url: 'https://static.example/blog/atom.xml', type: 'atom', title: '' },
      { url: 'https://static.example/feed.json', type: 'json', title: '' },
    ]);
  });

  it('ignores links that are not feeds or not web addresses, and finds none on a page without', () => {
    const html = `<html><head><link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"><link rel="alternate" hreflang="fr" href="/fr/"></head></html>`;
    expect(discoverFeeds(html, 'https://x.example/')).toEqual([]);
    expect(discoverFeeds('<p>no head at all</p>', 'https://x.example/')).toEqual([]);
  });
});

describe('looksLikeHtml', () => {
  it('tells pages from feeds', () => {
    expect(looksLikeHtml(wordpress)).toBe(true);
    expect(looksLikeHtml('<?xml version="1.0"?><rss version="2.0"></rss>')).toBe(false);
    expect(looksLikeHtml('whatever', 'text/html; charset=utf-8')).toBe(true);
  });
});
