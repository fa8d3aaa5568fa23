/**
 * The one neutral model of a feed (the `feed` library's shape): the builder in server/feeds.ts fills it from the
 * database, and each format is a pure `(feed) => string` serializer beside this file (rss.ts, jsonFeed.ts). Every
 * URL in the model is already absolute; every date is a Date. Serializers add nothing they cannot read here, so the
 * same model gives the same bytes.
 */

/** A person credited on a feed or an item. */
export interface FeedPerson {
  name: string;
  url?: string;
  /** Absolute URL of a picture of them. */
  avatar?: string;
}

/** A file that belongs to an item (RSS enclosure, JSON Feed attachment). */
export interface FeedAttachment {
  url: string;
  mimeType: string;
  /** What the student called the file. */
  title?: string;
  sizeInBytes?: number;
}

/** One piece of work in a feed. */
export interface FeedItem {
  /** Stable across edits, renames and moves: see `artifactGuid`. Never a URL that could change. */
  id: string;
  /** The permalink (under the student's canonical home when they set one). */
  url: string;
  /** For link posts: the page the work is about. */
  externalUrl?: string;
  title: string;
  /** The full, sanitized content; every URL in it absolute. */
  contentHtml: string;
  /** Plain text, written by the student; absent when they wrote none. */
  summary?: string;
  /** Plain-text opening of the content, for formats that want a short description when there is no summary. */
  excerpt?: string;
  /** Absolute URL of the cover picture. */
  image?: string;
  published: Date;
  modified: Date;
  authors: FeedPerson[];
  /** Tags, normalised, without '#'. */
  categories: string[];
  attachments: FeedAttachment[];
}

/** A whole feed, ready to serialize in either format. */
export interface Feed {
  title: string;
  description?: string;
  /** The page this feed mirrors (the portfolio, or a tag page). */
  homePageUrl: string;
  /** Where each format of this feed is served: each serializer names its own as `self`. */
  feedUrls: { rss: string; json: string };
  /** The WebSub hub readers may subscribe at for pushed updates (live feeds only; a static export has none). */
  hub?: string;
  /** BCP 47 language tag of the content. */
  language: string;
  /** When the newest item changed (or the portfolio began, for an empty feed): RSS lastBuildDate. */
  updated: Date;
  authors: FeedPerson[];
  /** Absolute URL of a square picture for the feed (the student's avatar). */
  icon?: string;
  /** License or copyright line. */
  rights?: string;
  generator: string;
  /** Newest first. */
  items: FeedItem[];
}

/** Most items a feed carries: the newest fifty, enough for a reader that polls daily. */
export const FEED_ITEM_LIMIT = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The GUID of an artifact: its id as a URN (`urn:uuid:…` for the UUIDs Potluck makes, `urn:potluck:artifact:…` for
 * ids another tool made), so that an edit, a new slug or a move to another host never makes a reader show it twice.
 */
export function artifactGuid(id: string): string {
  return UUID.test(id) ? `urn:uuid:${id.toLowerCase()}` : `urn:potluck:artifact:${id}`;
}
