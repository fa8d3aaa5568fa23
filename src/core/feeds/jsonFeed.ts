/**
 * JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) from the neutral feed model. Pure: the same model gives the
 * same bytes. Optional members are left out rather than written empty, as the spec asks. A date that is a calendar
 * day is written as 10:00 UTC of that day (core/dates.ts), so readers from Hawaii to New Zealand show the day the
 * page says.
 */
import { publishedMoment } from '../dates.ts';
import type { Feed, FeedPerson } from './model.ts';

/** The media type JSON Feed is served with. */
export const JSON_FEED_CONTENT_TYPE = 'application/feed+json; charset=utf-8';

function person(p: FeedPerson) {
  return { name: p.name, url: p.url, avatar: p.avatar };
}

// A piece edited the morning of the day it is dated is not modified before it was published.
function laterOf(a: Date, b: Date): Date {
  return a < b ? b : a;
}

/** Serializes a feed as JSON Feed 1.1. */
export function toJsonFeed(feed: Feed): string {
  const document = {
    version: 'https://jsonfeed.org/version/1.1',
    title: feed.title,
    home_page_url: feed.homePageUrl,
    feed_url: feed.feedUrls.json,
    hubs: feed.hub ? [{ type: 'WebSub', url: feed.hub }] : undefined,
    description: feed.description || undefined,
    icon: feed.icon,
    language: feed.language,
    authors: feed.authors.length ? feed.authors.map(person) : undefined,
    items: feed.items.map((item) => ({
      id: item.id,
      url: item.url,
      external_url: item.externalUrl,
      // JSON Feed lets an item have no title (a microblog post): absent, not empty.
      title: item.title || undefined,
      content_html: item.contentHtml,
      summary: item.summary || undefined,
      image: item.image,
      date_published: publishedMoment(item.published).toISOString(),
      date_modified: laterOf(publishedMoment(item.modified), publishedMoment(item.published)).toISOString(),
      authors: item.authors.length ? item.authors.map(person) : undefined,
      tags: item.categories.length ? item.categories : undefined,
      attachments: item.attachments.length
        ? item.attachments.map((a) => ({ url: a.url, mime_type: a.mimeType, title: a.title, size_in_bytes: a.sizeInBytes }))
        : undefined,
    })),
  };
  // JSON.stringify drops undefined members; the rights line has no JSON Feed field and the generator none either.
  return `${JSON.stringify(document, null, 2)}\n`;
}
