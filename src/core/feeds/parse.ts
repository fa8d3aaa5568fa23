/**
 * Reads any feed a student's blog may publish — RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1, in any
 * encoding — into one neutral model the hub stores. feedsmith does the format-specific reading; this module
 * decides what the hub means by an item's id, link, title, content, dates, people, tags and image, resolves every
 * URL (xml:base, then the feed's own URL) and sanitizes content before it leaves. Pure: bytes and a URL in, data
 * out; no network, no database.
 *
 * Titles, summaries and descriptions are plain text (a river shows them as text); `contentHtml` is sanitized HTML
 * whose URLs are absolute. Dates are Dates (UTC when the feed names no zone). Nothing here throws for a bad feed:
 * the result says what was wrong in words a teacher can act on.
 */
import { parseAtomFeed, parseJsonFeed, parseRdfFeed, parseRssFeed } from 'feedsmith';
import type { AtomFeed, JsonFeed, RdfFeed, RssFeed } from 'feedsmith';
import { parseFeedDate } from './parseDate.ts';
import { decodeFeedText } from './parseEncoding.ts';
import { firstImageUrl, htmlToText, resolveBase, resolveHttpUrl, safeContentHtml, textToHtml } from './parseHtml.ts';

/** A person credited on a feed or an item. */
export interface ParsedPerson {
  name: string;
  url?: string;
  email?: string;
}

/** A file attached to an item (RSS enclosure, Atom `rel=enclosure`, JSON Feed attachment). */
export interface ParsedEnclosure {
  url: string;
  type?: string;
  length?: number;
  title?: string;
}

/** One item of a foreign feed, in the hub's terms. */
export interface ParsedItem {
  /** The feed's own identity for the item: guid / id, else its link, else a hash of its content. */
  id: string;
  /** Absolute http(s) link to the original; absent when the feed gives none. */
  url?: string;
  /** Plain text; empty when the feed gives none. */
  title: string;
  /** Sanitized HTML with absolute URLs; empty when the feed gives none. */
  contentHtml: string;
  /** Plain text summary, when the feed gives one separately from the content. */
  summary?: string;
  published?: Date;
  updated?: Date;
  authors: ParsedPerson[];
  /** Categories / tags as written by the feed (trimmed, de-duplicated, case kept). */
  categories: string[];
  /** Absolute http(s) URL of the item's picture. */
  image?: string;
  enclosures: ParsedEnclosure[];
}

/** Which syntax a feed was written in, with its version. */
export type FeedFormat = 'rss' | 'rdf' | 'atom' | 'json';

/** A whole foreign feed in the hub's terms. */
export interface ParsedFeed {
  format: FeedFormat;
  /** e.g. `2.0`, `0.91`, `1.0` (RSS 1.0 / Atom 1.0 / JSON Feed 1.0), `0.3` (Atom), `0.90`, `1.1`. */
  version?: string;
  /** The encoding the bytes were read with. */
  encoding: string;
  title: string;
  /** The site the feed belongs to (absolute http(s)). */
  link?: string;
  /** Where the feed says it lives (Atom/RSS `rel=self`, JSON Feed `feed_url`). */
  feedUrl?: string;
  /** Plain text. */
  description: string;
  language?: string;
  image?: string;
  authors: ParsedPerson[];
  categories: string[];
  published?: Date;
  updated?: Date;
  items: ParsedItem[];
}

/** Why a document could not be read as a feed. */
export type FeedParseFailure = 'empty' | 'not-a-feed' | 'malformed';

/** What parseFeed returns. */
export type ParseFeedResult = { ok: true; feed: ParsedFeed } | { ok: false; reason: FeedParseFailure; message: string };

/** Options for parseFeed. */
export interface ParseFeedOptions {
  /** The URL the document was fetched from (after redirects) or its Content-Location: the base of last resort. */
  url?: string;
  /** The Content-Type header, for its charset. */
  contentType?: string;
  /** Most items read (a feed with 10,000 podcast episodes should not cost 10,000 rows). Default 500. */
  maxItems?: number;
}

const DEFAULT_MAX_ITEMS = 500;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function clean(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = String(value).trim();
  return trimmed ? trimmed : undefined;
}

function firstOf<T>(...values: Array<T | undefined | null>): T | undefined {
  for (const value of values) if (value !== undefined && value !== null && value !== '') return value;
  return undefined;
}

function unique(values: Array<string | undefined>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const value of values) {
    const text = clean(value);
    if (!text || seen.has(text)) continue;
    seen.add(text);
    out.push(text);
  }
  return out;
}

const TAG_LIKE = /<\/?[a-z][^>]*>/i;
const ENTITY_LIKE = /&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i;

/**
 * RSS never said whether titles are text or HTML, and feeds do both; text that carries tags or entities is read
 * as HTML (as feed readers do), anything else is taken literally so "a < b" survives.
 */
function looseText(value: string | undefined): string | undefined {
  const text = clean(value);
  if (!text) return undefined;
  if (TAG_LIKE.test(text) || ENTITY_LIKE.test(text)) return clean(htmlToText(text));
  return text.replace(/\s+/g, ' ');
}

function isHtmlType(type: string | undefined): boolean {
  return !!type && /html/i.test(type);
}

/** An Atom text construct (title, subtitle, summary) as plain text; `type="text"` (the default) is literal. */
function atomText(text: AtomFeed.Text | undefined): string | undefined {
  if (!text?.value) return undefined;
  return isHtmlType(text.type) ? clean(htmlToText(text.value)) : clean(text.value.replace(/\s+/g, ' '));
}

/** A date that is really a date; feedsmith hands them over as the feed wrote them. */
function date(...candidates: Array<string | undefined>): Date | undefined {
  for (const candidate of candidates) {
    const parsed = parseFeedDate(candidate);
    if (parsed) return parsed;
  }
  return undefined;
}

/** "Jane Doe <jane@example.org>", "jane@example.org (Jane Doe)" or just a name. */
function personFromText(value: string | undefined): ParsedPerson | undefined {
  const text = clean(value);
  if (!text) return undefined;
  const parenthesised = /^([^\s()]+@[^\s()]+)\s*\(([^)]+)\)$/.exec(text);
  if (parenthesised) return { name: parenthesised[2]!.trim(), email: parenthesised[1] };
  const nameThenEmail = /^([^()]+?)\s*\(([^\s()]+@[^\s()]+)\)$/.exec(text);
  if (nameThenEmail) return { name: nameThenEmail[1]!.trim(), email: nameThenEmail[2] };
  const angled = /^(.*?)\s*<([^\s<>]+@[^\s<>]+)>$/.exec(text);
  if (angled) return { name: angled[1]!.trim() || angled[2]!, email: angled[2] };
  if (/^[^\s@]+@[^\s@]+$/.test(text)) return { name: text, email: text };
  return { name: looseText(text) ?? text };
}

function person(name: string | undefined, email?: string, url?: string, base?: string): ParsedPerson | undefined {
  const cleanName = looseText(name);
  const cleanEmail = clean(email);
  const cleanUrl = resolveHttpUrl(url, base);
  // Someone known only by an address or a home page is still someone; show what we have.
  const display = cleanName ?? cleanEmail ?? cleanUrl;
  if (!display) return undefined;
  return {
    name: display,
    ...(cleanEmail ? { email: cleanEmail } : {}),
    ...(cleanUrl ? { url: cleanUrl } : {}),
  };
}

function people(list: Array<ParsedPerson | undefined>): ParsedPerson[] {
  const seen = new Set<string>();
  const out: ParsedPerson[] = [];
  for (const entry of list) {
    if (!entry) continue;
    const key = `${entry.name}\u0000${entry.email ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}

/** The first non-empty list of people from sources in order of preference. */
function firstPeople(...lists: Array<Array<ParsedPerson | undefined> | undefined>): ParsedPerson[] {
  for (const list of lists) {
    const found = people(list ?? []);
    if (found.length) return found;
  }
  return [];
}

function enclosure(
  url: string | undefined,
  base: string | undefined,
  type?: string,
  length?: number,
  title?: string,
): ParsedEnclosure | undefined {
  const absolute = resolveHttpUrl(url, base);
  if (!absolute) return undefined;
  return {
    url: absolute,
    ...(clean(type) ? { type: clean(type) } : {}),
    ...(typeof length === 'number' && Number.isFinite(length) && length >= 0 ? { length } : {}),
    ...(clean(title) ? { title: clean(title) } : {}),
  };
}

function uniqueEnclosures(list: Array<ParsedEnclosure | undefined>): ParsedEnclosure[] {
  const seen = new Set<string>();
  const out: ParsedEnclosure[] = [];
  for (const entry of list) {
    if (!entry || seen.has(entry.url)) continue;
    seen.add(entry.url);
    out.push(entry);
  }
  return out;
}

/** Picks the link that points at the page for people: rel=alternate (or no rel), HTML preferred. */
function alternateLink<T extends { href?: string; rel?: string; type?: string }>(
  links: T[] | undefined,
): T | undefined {
  const alternates = (links ?? []).filter((link) => link.href && (!link.rel || link.rel === 'alternate'));
  return alternates.find((link) => !link.type || /html/i.test(link.type)) ?? alternates[0];
}

function selfLink<T extends { href?: string; rel?: string }>(links: T[] | undefined): T | undefined {
  return (links ?? []).find((link) => link.href && link.rel === 'self');
}

/** Image from Media RSS and iTunes, the places feeds name an item's picture. */
function mediaImage(
  media:
    | {
        thumbnails?: Array<{ url?: string }>;
        contents?: Array<{ url?: string; type?: string; medium?: string }>;
        groups?: Array<{
          thumbnails?: Array<{ url?: string }>;
          contents?: Array<{ url?: string; type?: string; medium?: string }>;
        }>;
      }
    | undefined,
): string | undefined {
  if (!media) return undefined;
  const isImage = (content: { type?: string; medium?: string }) =>
    content.medium === 'image' || /^image\//i.test(content.type ?? '');
  return firstOf(
    media.thumbnails?.[0]?.url,
    media.contents?.find(isImage)?.url,
    ...(media.groups ?? []).map((group) => firstOf(group.thumbnails?.[0]?.url, group.contents?.find(isImage)?.url)),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Item identity

/** A stable, short hash (two 32-bit FNV-1a lanes) for items that carry neither id nor link. */
function contentHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995) ^ (b >>> 15);
  }
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}`;
}

// An item with neither id nor link can only be recognised by what it says: any edit to it makes it a new item.
function identify(
  guid: string | undefined,
  url: string | undefined,
  title: string,
  contentHtml: string,
  published?: Date,
): string {
  return (
    firstOf(clean(guid), url) ?? `hash:${contentHash(`${title}\n${published?.toISOString() ?? ''}\n${contentHtml}`)}`
  );
}

/**
 * A URL reduced to what identifies a page for duplicate detection: no scheme (http and https are the same post),
 * lowercase host without `www.`, no default port, no fragment, no trailing slash, no tracking parameters.
 */
export function normaliseUrlKey(value: string): string | undefined {
  // An item's id and link are usually the same URL, asked for one after the other (itemKey, then the item's urlKey).
  if (value === lastKey.value) return lastKey.key;
  const key = urlKeyOf(value);
  lastKey.value = value;
  lastKey.key = key;
  return key;
}

const lastKey: { value: string | null; key: string | undefined } = { value: null, key: undefined };

function urlKeyOf(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  const port = url.port && url.port !== '80' && url.port !== '443' ? `:${url.port}` : '';
  let query = '';
  if (url.search) {
    const params = [...url.searchParams].filter(([name]) => !/^(utm_[a-z]+|fbclid|gclid|mc_[a-z]+)$/i.test(name));
    params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    query = params.length ? `?${new URLSearchParams(params).toString()}` : '';
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/index\.html?$/i, '');
  return `${host}${port}${path}${query}`;
}

/**
 * The key under which an item is stored and merged: its id, with URL-shaped ids (and links) normalised so that
 * http/https, `www.` and trailing-slash variants of one post are one item.
 */
export function itemKey(item: Pick<ParsedItem, 'id' | 'url'>): string {
  const fromId = normaliseUrlKey(item.id);
  if (fromId) return `url:${fromId}`;
  if (item.id && !item.id.startsWith('hash:')) return `id:${item.id}`;
  const fromUrl = item.url ? normaliseUrlKey(item.url) : undefined;
  if (fromUrl) return `url:${fromUrl}`;
  return `id:${item.id}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-format mapping

interface Context {
  base?: string;
  maxItems: number;
}

function rssVersion(text: string): string | undefined {
  return /<rss\b[^>]*?\bversion\s*=\s*["']([^"']+)["']/i.exec(text)?.[1];
}

function rdfVersion(text: string): string {
  return /netscape\.com\/rdf\/simple\/0\.9/i.test(text) ? '0.90' : '1.0';
}

function atomVersion(text: string): string {
  return /purl\.org\/atom\/ns#/i.test(text) ? '0.3' : '1.0';
}

function fromRss(feed: RssFeed.Feed<string>, text: string, context: Context): Omit<ParsedFeed, 'encoding'> {
  const base = resolveBase(feed.xml?.base, context.base);
  const feedAuthors = firstPeople(
    [
      feed.managingEditor &&
        person(feed.managingEditor.name, feed.managingEditor.email, feed.managingEditor.link, base),
    ],
    [feed.webMaster && person(feed.webMaster.name, feed.webMaster.email, feed.webMaster.link, base)],
    feed.dc?.creators?.map(personFromText),
    feed.atom?.authors?.map((a) => person(a.name, a.email, a.uri, base)),
    [personFromText(feed.itunes?.author)],
  );
  const items = (feed.items ?? []).slice(0, context.maxItems).map((item): ParsedItem => {
    const itemBase = resolveBase(item.xml?.base, base);
    const guid = clean(item.guid?.value);
    const guidIsLink = item.guid?.isPermaLink !== false && guid ? resolveHttpUrl(guid) : undefined;
    const url = firstOf(
      resolveHttpUrl(item.link, itemBase),
      resolveHttpUrl(alternateLink(item.atom?.links)?.href, itemBase),
      guidIsLink,
    );
    const encoded = clean(item.content?.encoded);
    const description = clean(item.description);
    const atomContent = item.atom?.content?.value ? item.atom.content : undefined;
    const rawContent = firstOf(
      encoded,
      description,
      clean(item.dc?.descriptions?.[0]),
      atomContent
        ? isHtmlType(atomContent.type)
          ? atomContent.value
          : textToHtml(atomContent.value ?? '')
        : undefined,
      item.itunes?.summary ? textToHtml(item.itunes.summary) : undefined,
    );
    const contentHtml = rawContent ? safeContentHtml(rawContent, itemBase) : '';
    const summary = encoded && description ? clean(htmlToText(description)) : atomText(item.atom?.summary);
    const title =
      looseText(firstOf(item.title, item.dc?.titles?.[0], item.atom?.title?.value, item.itunes?.title)) ?? '';
    const published = date(
      item.pubDate,
      item.dc?.dates?.[0],
      item.atom?.published,
      item.dcterms?.issued?.[0],
      item.dcterms?.created?.[0],
    );
    const updated = date(item.atom?.updated, item.dcterms?.modified?.[0]);
    return {
      id: identify(guid, url, title, contentHtml, published),
      ...(url ? { url } : {}),
      title,
      contentHtml,
      ...(summary ? { summary } : {}),
      ...(published ? { published } : {}),
      ...(updated ? { updated } : {}),
      authors: firstPeople(
        item.authors?.map((a) => person(a.name, a.email, a.link, itemBase)),
        item.dc?.creators?.map(personFromText),
        item.atom?.authors?.map((a) => person(a.name, a.email, a.uri, itemBase)),
        [personFromText(item.itunes?.author)],
      ),
      categories: unique([
        ...(item.categories ?? []).map((c) => looseText(c.name)),
        ...(item.dc?.subjects ?? []),
        ...(item.atom?.categories ?? []).map((c) => firstOf(c.term, c.label)),
        ...(item.itunes?.keywords ?? []),
      ]),
      ...optionalImage(
        firstOf(
          resolveHttpUrl(mediaImage(item.media), itemBase),
          resolveHttpUrl(item.itunes?.image, itemBase),
          resolveHttpUrl(item.enclosures?.find((e) => /^image\//i.test(e.type ?? ''))?.url, itemBase),
          rawContent ? firstImageUrl(rawContent, itemBase) : undefined,
        ),
      ),
      enclosures: uniqueEnclosures([
        ...(item.enclosures ?? []).map((e) => enclosure(e.url, itemBase, e.type, e.length)),
        ...(item.atom?.links ?? [])
          .filter((l) => l.rel === 'enclosure')
          .map((l) => enclosure(l.href, itemBase, l.type, l.length, l.title)),
      ]),
    };
  });
  const version = rssVersion(text);
  const link = firstOf(resolveHttpUrl(feed.link, base), resolveHttpUrl(alternateLink(feed.atom?.links)?.href, base));
  const feedUrl = resolveHttpUrl(selfLink(feed.atom?.links)?.href, base);
  const image = firstOf(
    resolveHttpUrl(feed.image?.url, base),
    resolveHttpUrl(feed.itunes?.image, base),
    resolveHttpUrl(mediaImage(feed.media), base),
    feed.description ? firstImageUrl(feed.description, base) : undefined,
  );
  const published = date(feed.pubDate, feed.dc?.dates?.[0], feed.dcterms?.issued?.[0]);
  const updated = date(feed.lastBuildDate, feed.atom?.updated, feed.dcterms?.modified?.[0]);
  const language = clean(firstOf(feed.language, feed.dc?.languages?.[0]));
  return {
    format: 'rss',
    ...(version ? { version } : {}),
    title: looseText(firstOf(feed.title, feed.dc?.titles?.[0], feed.atom?.title?.value, feed.itunes?.title)) ?? '',
    ...(link ? { link } : {}),
    ...(feedUrl ? { feedUrl } : {}),
    description:
      looseText(
        firstOf(
          feed.description,
          feed.dc?.descriptions?.[0],
          feed.atom?.subtitle?.value,
          feed.itunes?.summary,
          feed.itunes?.subtitle,
        ),
      ) ?? '',
    ...(language ? { language } : {}),
    ...(image ? { image } : {}),
    authors: feedAuthors,
    categories: unique([
      ...(feed.categories ?? []).map((c) => looseText(c.name)),
      ...(feed.dc?.subjects ?? []),
      ...(feed.itunes?.keywords ?? []),
      ...itunesCategories(feed.itunes?.categories),
    ]),
    ...(published ? { published } : {}),
    ...(updated ? { updated } : {}),
    items,
  };
}

/** iTunes categories with their subcategories, flattened (podcast hosts put a student's topics there). */
function itunesCategories(categories: Array<{ text?: string; categories?: unknown[] }> | undefined): string[] {
  const out: string[] = [];
  for (const category of categories ?? []) {
    if (category.text) out.push(category.text);
    out.push(...itunesCategories(category.categories as Array<{ text?: string; categories?: unknown[] }> | undefined));
  }
  return out;
}

function optionalImage(image: string | undefined): { image?: string } {
  return image ? { image } : {};
}

function fromRdf(feed: RdfFeed.Feed<string>, text: string, context: Context): Omit<ParsedFeed, 'encoding'> {
  const base = resolveBase(feed.xml?.base, context.base);
  const items = (feed.items ?? []).slice(0, context.maxItems).map((item): ParsedItem => {
    const itemBase = resolveBase(item.xml?.base, base);
    const url = firstOf(resolveHttpUrl(item.link, itemBase), resolveHttpUrl(item.rdf?.about, itemBase));
    const encoded = clean(item.content?.encoded);
    const description = clean(item.description);
    const rawContent = firstOf(encoded, description, item.dc?.descriptions?.[0]);
    const contentHtml = rawContent ? safeContentHtml(rawContent, itemBase) : '';
    const summary = encoded && description ? clean(htmlToText(description)) : undefined;
    const title = looseText(firstOf(item.title, item.dc?.titles?.[0])) ?? '';
    const published = date(item.dc?.dates?.[0], item.dcterms?.issued?.[0], item.dcterms?.created?.[0]);
    const updated = date(item.dcterms?.modified?.[0]);
    return {
      id: identify(clean(item.rdf?.about), url, title, contentHtml, published),
      ...(url ? { url } : {}),
      title,
      contentHtml,
      ...(summary ? { summary } : {}),
      ...(published ? { published } : {}),
      ...(updated ? { updated } : {}),
      authors: people((item.dc?.creators ?? []).map(personFromText)),
      categories: unique(item.dc?.subjects ?? []),
      ...optionalImage(
        firstOf(
          resolveHttpUrl(mediaImage(item.media), itemBase),
          rawContent ? firstImageUrl(rawContent, itemBase) : undefined,
        ),
      ),
      enclosures: [],
    };
  });
  const link = resolveHttpUrl(feed.link, base);
  const feedUrl = resolveHttpUrl(firstOf(selfLink(feed.atom?.links)?.href, feed.rdf?.about), base);
  const image = resolveHttpUrl(feed.image?.url, base);
  const published = date(feed.dc?.dates?.[0], feed.dcterms?.issued?.[0]);
  const updated = date(feed.dcterms?.modified?.[0]);
  const language = clean(feed.dc?.languages?.[0]);
  return {
    format: 'rdf',
    version: rdfVersion(text),
    title: looseText(firstOf(feed.title, feed.dc?.titles?.[0])) ?? '',
    ...(link ? { link } : {}),
    ...(feedUrl ? { feedUrl } : {}),
    description: looseText(firstOf(feed.description, feed.dc?.descriptions?.[0])) ?? '',
    ...(language ? { language } : {}),
    ...optionalImage(image),
    authors: people((feed.dc?.creators ?? []).map(personFromText)),
    categories: unique(feed.dc?.subjects ?? []),
    ...(published ? { published } : {}),
    ...(updated ? { updated } : {}),
    items,
  };
}

function atomContentHtml(
  content: AtomFeed.Content | AtomFeed.Text | undefined,
  base: string | undefined,
): string | undefined {
  if (!content?.value) return undefined;
  const contentBase = resolveBase(content.xml?.base, base);
  const type = content.type ?? 'text';
  const html = isHtmlType(type)
    ? content.value
    : /^(text|text\/plain)$/i.test(type)
      ? textToHtml(content.value)
      : undefined;
  return html === undefined ? undefined : safeContentHtml(html, contentBase);
}

function fromAtom(feed: AtomFeed.Feed<string>, text: string, context: Context): Omit<ParsedFeed, 'encoding'> {
  const base = resolveBase(feed.xml?.base, context.base);
  const feedAuthors = people((feed.authors ?? []).map((a) => person(a.name, a.email, a.uri, base)));
  const items = (feed.entries ?? []).slice(0, context.maxItems).map((entry): ParsedItem => {
    const itemBase = resolveBase(entry.xml?.base, base);
    const url = resolveHttpUrl(alternateLink(entry.links)?.href, itemBase);
    const contentHtml =
      firstOf(atomContentHtml(entry.content, itemBase), atomContentHtml(entry.summary, itemBase)) ?? '';
    const summary = entry.content?.value ? atomText(entry.summary) : undefined;
    const title = atomText(entry.title) ?? '';
    const published = date(entry.published, entry.dcterms?.issued?.[0], entry.dc?.dates?.[0]);
    const updated = date(entry.updated, entry.dcterms?.modified?.[0]);
    const entryAuthors = people((entry.authors ?? []).map((a) => person(a.name, a.email, a.uri, itemBase)));
    const sourceAuthors = people((entry.source?.authors ?? []).map((a) => person(a.name, a.email, a.uri, itemBase)));
    return {
      id: identify(entry.id, url, title, contentHtml, published),
      ...(url ? { url } : {}),
      title,
      contentHtml,
      ...(summary ? { summary } : {}),
      ...(published ? { published } : {}),
      ...(updated ? { updated } : {}),
      // Atom 1.0 section 4.2.1: an entry without an author has its source's, else the feed's.
      authors: entryAuthors.length ? entryAuthors : sourceAuthors.length ? sourceAuthors : feedAuthors,
      // The term is the category's identity (what a hub tag matches); the label is only its display form.
      categories: unique((entry.categories ?? []).map((c) => firstOf(c.term, c.label))),
      ...optionalImage(
        firstOf(
          resolveHttpUrl(mediaImage(entry.media), itemBase),
          resolveHttpUrl(
            entry.links?.find((l) => l.rel === 'enclosure' && /^image\//i.test(l.type ?? ''))?.href,
            itemBase,
          ),
          firstImageUrl(contentHtml),
        ),
      ),
      enclosures: uniqueEnclosures(
        (entry.links ?? [])
          .filter((l) => l.rel === 'enclosure')
          .map((l) => enclosure(l.href, itemBase, l.type, l.length, l.title)),
      ),
    };
  });
  const link = resolveHttpUrl(alternateLink(feed.links)?.href, base);
  const feedUrl = resolveHttpUrl(selfLink(feed.links)?.href, base);
  const image = firstOf(resolveHttpUrl(feed.logo, base), resolveHttpUrl(feed.icon, base));
  const updated = date(feed.updated, feed.dcterms?.modified?.[0]);
  const published = date(feed.dc?.dates?.[0], feed.dcterms?.issued?.[0]);
  const language = clean(firstOf(feed.xml?.lang, feed.dc?.languages?.[0]));
  return {
    format: 'atom',
    version: atomVersion(text),
    title: atomText(feed.title) ?? '',
    ...(link ? { link } : {}),
    ...(feedUrl ? { feedUrl } : {}),
    description: atomText(feed.subtitle) ?? '',
    ...(language ? { language } : {}),
    ...optionalImage(image),
    authors: feedAuthors,
    categories: unique((feed.categories ?? []).map((c) => firstOf(c.term, c.label))),
    ...(published ? { published } : {}),
    ...(updated ? { updated } : {}),
    items,
  };
}

function fromJson(
  feed: JsonFeed.Feed<string>,
  version: string | undefined,
  context: Context,
): Omit<ParsedFeed, 'encoding'> {
  // JSON Feed has no xml:base; without a fetch URL, the feed's own address is the next best base.
  const base = context.base ?? resolveHttpUrl(feed.feed_url) ?? resolveHttpUrl(feed.home_page_url);
  const feedAuthors = people((feed.authors ?? []).map((a) => person(a.name, undefined, a.url, base)));
  const items = (feed.items ?? []).slice(0, context.maxItems).map((item): ParsedItem => {
    const url = firstOf(resolveHttpUrl(item.url, base), resolveHttpUrl(item.external_url, base));
    const rawContent = firstOf(clean(item.content_html), item.content_text ? textToHtml(item.content_text) : undefined);
    const contentHtml = rawContent ? safeContentHtml(rawContent, base) : '';
    const summary = clean(item.summary);
    const title = clean(item.title)?.replace(/\s+/g, ' ') ?? '';
    const published = date(item.date_published);
    const updated = date(item.date_modified);
    const itemAuthors = people((item.authors ?? []).map((a) => person(a.name, undefined, a.url, base)));
    return {
      id: identify(item.id === undefined ? undefined : String(item.id), url, title, contentHtml, published),
      ...(url ? { url } : {}),
      title,
      contentHtml,
      ...(summary ? { summary } : {}),
      ...(published ? { published } : {}),
      ...(updated ? { updated } : {}),
      // JSON Feed 1.1: an item without authors has the feed's.
      authors: itemAuthors.length ? itemAuthors : feedAuthors,
      categories: unique(item.tags ?? []),
      ...optionalImage(
        firstOf(
          resolveHttpUrl(item.image, base),
          resolveHttpUrl(item.banner_image, base),
          rawContent ? firstImageUrl(rawContent, base) : undefined,
        ),
      ),
      enclosures: uniqueEnclosures(
        (item.attachments ?? []).map((a) => enclosure(a.url, base, a.mime_type, a.size_in_bytes, a.title)),
      ),
    };
  });
  const link = resolveHttpUrl(feed.home_page_url, base);
  const feedUrl = resolveHttpUrl(feed.feed_url, base);
  const image = firstOf(resolveHttpUrl(feed.icon, base), resolveHttpUrl(feed.favicon, base));
  const language = clean(feed.language);
  return {
    format: 'json',
    ...(version ? { version } : {}),
    title: clean(feed.title)?.replace(/\s+/g, ' ') ?? '',
    ...(link ? { link } : {}),
    ...(feedUrl ? { feedUrl } : {}),
    description: clean(feed.description) ?? '',
    ...(language ? { language } : {}),
    ...optionalImage(image),
    authors: feedAuthors,
    categories: [],
    items,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Entry point

/**
 * Fills the dates a feed left out from the ones it gave: an item with one date has it as both published and
 * updated (the river sorts by one and detects edits by the other); a feed without a date of its own was last
 * updated when its newest item was. Language tags get BCP 47's hyphen (`en_US` is a common slip).
 */
function completed(feed: Omit<ParsedFeed, 'encoding'>): Omit<ParsedFeed, 'encoding'> {
  const items = feed.items.map((item) => {
    const published = item.published ?? item.updated;
    const updated = item.updated ?? item.published;
    return { ...item, ...(published ? { published } : {}), ...(updated ? { updated } : {}) };
  });
  let newest: Date | undefined;
  for (const item of items) if (item.updated && (!newest || item.updated > newest)) newest = item.updated;
  const updated = feed.updated ?? feed.published ?? newest;
  const published = feed.published ?? feed.updated;
  const language = feed.language?.replace(/_/g, '-');
  return {
    ...feed,
    ...(updated ? { updated } : {}),
    ...(published ? { published } : {}),
    ...(language ? { language } : {}),
    items,
  };
}

/** A feed whose root element is known but which holds nothing feedsmith could read: empty, not broken. */
function emptyFeed(format: FeedFormat, text: string): Omit<ParsedFeed, 'encoding'> {
  const version = format === 'rss' ? rssVersion(text) : format === 'atom' ? atomVersion(text) : rdfVersion(text);
  return {
    format,
    ...(version ? { version } : {}),
    title: '',
    description: '',
    authors: [],
    categories: [],
    items: [],
  };
}

function failure(reason: FeedParseFailure, message: string): ParseFeedResult {
  return { ok: false, reason, message };
}

const NOT_A_FEED =
  'This address does not lead to a feed (RSS, Atom or JSON Feed). If it is a web page, paste the address of its feed instead, or let Potluck look for the feed on the page.';

function parseJsonDocument(text: string, context: Context): ParseFeedResult | Omit<ParsedFeed, 'encoding'> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return failure(
      'malformed',
      'The feed looks like JSON but is not valid JSON, so it cannot be read. The site owner needs to fix it.',
    );
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return failure('not-a-feed', NOT_A_FEED);
  const object = json as Record<string, unknown>;
  const versionText = typeof object.version === 'string' ? object.version : '';
  const declaresJsonFeed = versionText.includes('jsonfeed.org/version/');
  if (!declaresJsonFeed && !Array.isArray(object.items)) return failure('not-a-feed', NOT_A_FEED);
  // Some publishers write a bare "1.1" as the version; feedsmith only recognises the URL form.
  const normalised = declaresJsonFeed ? object : { ...object, version: 'https://jsonfeed.org/version/1.1' };
  const version =
    /version\/(\d+(?:\.\d+)?)/.exec(versionText)?.[1] ??
    (/^\d+(?:\.\d+)?$/.test(versionText) ? versionText : undefined);
  try {
    return fromJson(
      parseJsonFeed(normalised, { maxItems: context.maxItems }),
      version === '1' ? '1.0' : version,
      context,
    );
  } catch {
    return failure('not-a-feed', NOT_A_FEED);
  }
}

/** Parses a feed document (bytes as fetched, or text) into the neutral model. */
export function parseFeed(input: Uint8Array | string, options: ParseFeedOptions = {}): ParseFeedResult {
  const { text, encoding } = decodeFeedText(input, options.contentType);
  const trimmed = text.trimStart();
  if (!trimmed) return failure('empty', 'The feed is empty: the site sent no content at all.');
  const context: Context = { base: resolveHttpUrl(options.url), maxItems: options.maxItems ?? DEFAULT_MAX_ITEMS };

  let parsed: Omit<ParsedFeed, 'encoding'>;
  if (trimmed.startsWith('{')) {
    const result = parseJsonDocument(trimmed, context);
    if ('ok' in result) return result;
    parsed = result;
  } else {
    if (!trimmed.startsWith('<')) return failure('not-a-feed', NOT_A_FEED);
    if (/^<!doctype\s+html|^<html[\s>]/i.test(trimmed.replace(/^(?:<\?xml[^>]*>\s*|<!--[\s\S]*?-->\s*)*/, ''))) {
      return failure('not-a-feed', NOT_A_FEED);
    }
    const rootMatch = /<(?!\?|!)(?:[\w.-]+:)?([\w.-]+)/.exec(trimmed.replace(/<!--[\s\S]*?-->/g, ''));
    const root = rootMatch?.[1]?.toLowerCase();
    const format: FeedFormat | undefined =
      root === 'rss' ? 'rss' : root === 'feed' ? 'atom' : root === 'rdf' ? 'rdf' : undefined;
    if (!format) return failure('not-a-feed', NOT_A_FEED);
    try {
      const feedOptions = { maxItems: context.maxItems };
      if (format === 'rss') parsed = fromRss(parseRssFeed(trimmed, feedOptions), trimmed, context);
      else if (format === 'atom') parsed = fromAtom(parseAtomFeed(trimmed, feedOptions), trimmed, context);
      else parsed = fromRdf(parseRdfFeed(trimmed, feedOptions), trimmed, context);
    } catch (error) {
      const name = (error as Error | undefined)?.name;
      if (name === 'MalformedError') {
        return failure(
          'malformed',
          'The feed is not well-formed XML, so it cannot be read. The site owner needs to fix it.',
        );
      }
      if (name !== 'ParseError') return failure('not-a-feed', NOT_A_FEED);
      parsed = emptyFeed(format, trimmed);
    }
  }
  return { ok: true, feed: { ...completed(parsed), encoding } };
}
