/**
 * OPML 1.0/2.0 in and out: how a teacher moves a class's list of blogs between a hub and any feed reader (or
 * the FeedWordPress site the course used before) without adding thirty feeds by hand. Pure: text in, data out.
 *
 * Reading flattens nested outlines (folders) into one list of sources, keeps the folder path and the `category`
 * attribute, accepts the `feed:` pseudo-scheme readers export, and reports every outline it skipped and why.
 * Writing produces OPML 2.0 with one folder level, so that every reader can import it.
 */
import { generateOpml, parseOpml as parseOpmlDocument } from 'feedsmith';
import type { Opml } from 'feedsmith';
import { parseFeedDate } from './parseDate.ts';
import { decodeFeedText } from './parseEncoding.ts';
import { normaliseUrlKey } from './parse.ts';

/** Every outline of the document, flattened, whether or not it names a feed. */
export interface OpmlOutline {
  text: string;
  title?: string;
  type?: string;
  xmlUrl?: string;
  htmlUrl?: string;
  /** `url` of `type="link"` / `type="include"` outlines (directories of other OPML files). */
  url?: string;
  description?: string;
  /** The `category` attribute split at commas, duplicates removed (e.g. `/Tourism/New York`). */
  categories: string[];
  /** Texts of the enclosing outlines, outermost first. */
  folder: string[];
}

/** A feed to subscribe to, as a hub source. */
export interface OpmlSource {
  title: string;
  /** Absolute http(s) URL of the feed. */
  xmlUrl: string;
  /** Absolute http(s) URL of the site. */
  htmlUrl?: string;
  categories: string[];
  /** Folder path joined with " / " (absent at the top level). */
  folder?: string;
}

/** An outline that looked like a subscription but could not be used, with the reason in plain words. */
export interface OpmlSkipped {
  text: string;
  reason: string;
}

/** A parsed OPML document. */
export interface OpmlDocument {
  title?: string;
  ownerName?: string;
  ownerEmail?: string;
  dateCreated?: Date;
  outlines: OpmlOutline[];
  /** Outlines with a usable `xmlUrl`, each feed once. */
  sources: OpmlSource[];
  skipped: OpmlSkipped[];
}

/** What parseOpml returns. */
export type ParseOpmlResult = { ok: true; opml: OpmlDocument } | { ok: false; message: string };

function clean(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  return text ? text : undefined;
}

/** An http(s) feed URL from what readers export, including `feed://host/x` and `feed:https://host/x`. */
export function feedUrlFromOpml(value: string | undefined, base?: string): string | undefined {
  const raw = clean(value);
  if (!raw) return undefined;
  const unwrapped = raw.replace(/^feed:(?=https?:)/i, '').replace(/^feed:\/\//i, 'http://');
  try {
    const url = base ? new URL(unwrapped, base) : new URL(unwrapped);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function splitCategories(value: string | undefined): string[] {
  const seen = new Set<string>();
  for (const part of (value ?? '').split(',')) {
    const category = part.trim();
    if (category) seen.add(category);
  }
  return [...seen];
}

/** Parses an OPML document (bytes as uploaded or fetched, or text). `url` resolves relative feed URLs. */
export function parseOpml(
  input: Uint8Array | string,
  options: { contentType?: string; url?: string } = {},
): ParseOpmlResult {
  const { text } = decodeFeedText(input, options.contentType);
  if (!/<opml[\s>]/i.test(text)) {
    return {
      ok: false,
      message:
        'This file is not an OPML subscription list (it has no <opml> element). Export the list from your feed reader as OPML and try again.',
    };
  }
  let document: Opml.Document<string>;
  try {
    document = parseOpmlDocument(text);
  } catch {
    return {
      ok: false,
      message: 'This OPML file is not well-formed XML, so it cannot be read. Export it again from your feed reader.',
    };
  }

  const outlines: OpmlOutline[] = [];
  const sources: OpmlSource[] = [];
  const skipped: OpmlSkipped[] = [];
  const seen = new Set<string>();

  const walk = (list: Array<Opml.Outline<string>> | undefined, folder: string[]): void => {
    for (const outline of list ?? []) {
      const entry: OpmlOutline = {
        text: clean(outline.text) ?? clean(outline.title) ?? '',
        ...(clean(outline.title) ? { title: clean(outline.title) } : {}),
        ...(clean(outline.type) ? { type: clean(outline.type) } : {}),
        ...(clean(outline.xmlUrl) ? { xmlUrl: clean(outline.xmlUrl) } : {}),
        ...(clean(outline.htmlUrl) ? { htmlUrl: clean(outline.htmlUrl) } : {}),
        ...(clean(outline.url) ? { url: clean(outline.url) } : {}),
        ...(clean(outline.description) ? { description: clean(outline.description) } : {}),
        categories: splitCategories(outline.category),
        folder,
      };
      outlines.push(entry);
      if (entry.xmlUrl !== undefined) {
        const xmlUrl = feedUrlFromOpml(entry.xmlUrl, options.url);
        const label = entry.title ?? entry.text;
        if (!xmlUrl) {
          skipped.push({
            text: label || entry.xmlUrl,
            reason: `"${entry.xmlUrl}" is not a web address (http:// or https://).`,
          });
        } else {
          const key = normaliseUrlKey(xmlUrl) ?? xmlUrl;
          if (seen.has(key)) {
            skipped.push({
              text: label || xmlUrl,
              reason: 'The same feed is listed more than once; it is added once.',
            });
          } else {
            seen.add(key);
            const htmlUrl = feedUrlFromOpml(entry.htmlUrl, options.url);
            sources.push({
              title: label || xmlUrl,
              xmlUrl,
              ...(htmlUrl ? { htmlUrl } : {}),
              categories: entry.categories,
              ...(folder.length ? { folder: folder.join(' / ') } : {}),
            });
          }
        }
      }
      if (outline.outlines?.length) walk(outline.outlines, entry.text ? [...folder, entry.text] : folder);
    }
  };
  walk(document.body?.outlines, []);

  const head = document.head ?? {};
  const dateCreated = parseFeedDate(head.dateCreated);
  return {
    ok: true,
    opml: {
      ...(clean(head.title) ? { title: clean(head.title) } : {}),
      ...(clean(head.ownerName) ? { ownerName: clean(head.ownerName) } : {}),
      ...(clean(head.ownerEmail) ? { ownerEmail: clean(head.ownerEmail) } : {}),
      ...(dateCreated ? { dateCreated } : {}),
      outlines,
      sources,
      skipped,
    },
  };
}

/** What a hub exports. */
export interface OpmlExport {
  title: string;
  ownerName?: string;
  /** Pass the hub's clock so the same hub gives the same bytes in tests. */
  dateCreated?: Date;
  sources: OpmlSource[];
}

/** Serialises sources as OPML 2.0: top-level outlines, plus one level of folders for sources that have one. */
export function serializeOpml(document: OpmlExport): string {
  const toOutline = (source: OpmlSource): Opml.Outline<Date> => ({
    text: source.title,
    title: source.title,
    type: 'rss',
    xmlUrl: source.xmlUrl,
    ...(source.htmlUrl ? { htmlUrl: source.htmlUrl } : {}),
    ...(source.categories.length ? { category: source.categories.join(',') } : {}),
  });
  const body: Array<Opml.Outline<Date>> = [];
  const folders = new Map<string, Array<Opml.Outline<Date>>>();
  for (const source of document.sources) {
    if (!source.folder) {
      body.push(toOutline(source));
      continue;
    }
    let folder = folders.get(source.folder);
    if (!folder) {
      folder = [];
      folders.set(source.folder, folder);
      body.push({ text: source.folder, outlines: folder });
    }
    folder.push(toOutline(source));
  }
  return generateOpml({
    head: {
      title: document.title,
      ...(document.ownerName ? { ownerName: document.ownerName } : {}),
      ...(document.dateCreated ? { dateCreated: document.dateCreated } : {}),
    },
    body: { outlines: body },
  });
}
