/**
 * RSS 2.0 from the neutral feed model, written with the `rss` package. Pure: the same model gives the same bytes.
 *
 * Choices a reader may notice:
 * - `<description>` is the student's summary when there is one, else a plain-text excerpt (else the content, for
 *   work that is all pictures); `<content:encoded>` always carries the full content (the WordPress convention,
 *   which every reader understands).
 * - `<guid isPermaLink="false">` is the artifact's URN, so edits and new slugs never duplicate an item.
 * - The modification date, which RSS 2.0 lacks, goes in `<dcterms:modified>` (ISO 8601).
 * - A date that is a calendar day (no time) is written as 10:00 UTC of that day (core/dates.ts, `publishedMoment`),
 *   so readers from Hawaii to New Zealand show the day the page says; the modification date is never before it.
 * - One `<enclosure>` per item, the first attachment: RSS 2.0 readers disagree about more than one (the RSS
 *   Advisory Board's profile says at most one). The JSON Feed lists every attachment, and the content links them all.
 * - No channel `<author>`: it is not an RSS 2.0 element; each item names its author in `<dc:creator>`.
 */
import RSS from 'rss';
import { publishedMoment } from '../dates.ts';
import type { Feed } from './model.ts';

/** The media type RSS is served with. */
export const RSS_CONTENT_TYPE = 'application/rss+xml; charset=utf-8';

// XML 1.0 cannot carry these at all (not even escaped); a stray control character from a paste must not make the
// whole feed unreadable.
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** What an item without a title is given, so the package (which writes a title for every item) can be undone. */
const NO_TITLE = '\u{E000}potluck-no-title\u{E000}';

function clean(text: string): string {
  return text.replace(NOT_XML_CHAR, '');
}

/** Serializes a feed as RSS 2.0. */
export function toRss(feed: Feed): string {
  const rss = new RSS({
    title: clean(feed.title),
    description: clean(feed.description || feed.title),
    site_url: feed.homePageUrl,
    feed_url: feed.feedUrls.rss,
    // WebSub discovery: `<atom:link rel="hub">` beside the `rel="self"` the package writes from feed_url.
    hub: feed.hub,
    image_url: feed.icon,
    language: feed.language,
    copyright: feed.rights ? clean(feed.rights) : undefined,
    generator: feed.generator,
    docs: 'https://www.rssboard.org/rss-specification',
    custom_namespaces: { dcterms: 'http://purl.org/dc/terms/' },
  });
  for (const item of feed.items) {
    const content = clean(item.contentHtml);
    const enclosure = item.attachments[0];
    const published = publishedMoment(item.published);
    const modified = publishedMoment(item.modified);
    rss.item({
      title: clean(item.title) || NO_TITLE,
      description: item.summary ? clean(item.summary) : item.excerpt ? clean(item.excerpt) : content,
      url: item.url,
      guid: item.id,
      categories: item.categories.map(clean),
      author: clean(item.authors.map((a) => a.name).join(', ')) || undefined,
      date: published,
      enclosure: enclosure ? { url: enclosure.url, size: enclosure.sizeInBytes ?? 0, type: enclosure.mimeType } : undefined,
      custom_elements: [
        ...(content ? [{ 'content:encoded': { _cdata: content } }] : []),
        { 'dcterms:modified': (modified < published ? published : modified).toISOString() },
      ],
    });
  }
  // The package stamps lastBuildDate with the clock; the feed's own date keeps the output a function of the model
  // (and stops the bytes changing on every request).
  // An item without a title (a Mastodon post in a hub's feed) has no <title> element: the package would write
  // "No title", which readers would show as its headline instead of its description.
  return rss
    .xml()
    .replaceAll(`<item><title><![CDATA[${NO_TITLE}]]></title>`, '<item>')
    .replace(/<lastBuildDate>[^<]*<\/lastBuildDate>/, `<lastBuildDate>${publishedMoment(feed.updated).toUTCString()}</lastBuildDate>`);
}
