/**
 * What a Webmention's source page says about a piece: whether it links to the piece at all, and, read from its
 * microformats2 (h-entry), whether it is a reply, like, repost, bookmark or plain mention, who wrote it, when, and
 * what it says. Pure: the fetching and storing live in src/server/webmention/receive.
 */
import type { Element, ElementContent, Root } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { mf2 } from 'microformats-parser';
import { rehypeParseHtml } from '../html/parse.ts';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { sanitizeHtml } from '../markdown/sanitize.ts';

/** The kinds of mention, in the order their properties are looked for (a reply that also likes is a reply). */
export const MENTION_KINDS = ['reply', 'like', 'repost', 'bookmark', 'mention'] as const;
export type MentionKind = (typeof MENTION_KINDS)[number];

const KIND_PROPERTIES: [MentionKind, string][] = [
  ['reply', 'in-reply-to'],
  ['like', 'like-of'],
  ['repost', 'repost-of'],
  ['bookmark', 'bookmark-of'],
];

/** The longest reply text kept, in characters of HTML: a reply, not a whole article copied under the piece. */
export const MAX_CONTENT_HTML = 5_000;

/** What one source says about one target. */
export interface Interpretation {
  kind: MentionKind;
  authorName: string | null;
  authorUrl: string | null;
  /** The address of the author's picture (h-card u-photo): for making a local copy, never for a page. */
  authorPhotoUrl: string | null;
  url: string | null;
  published: Date | null;
  /** Sanitized HTML (replies and mentions only), or null. */
  contentHtml: string | null;
}

/** The same URL, for comparing: no fragment, a lower-case scheme and host (URL does that), a bare path ending in '/'. */
export function comparableUrl(value: string, base?: string): string | null {
  try {
    const url = new URL(value.trim(), base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    url.hash = '';
    if (url.pathname === '') url.pathname = '/';
    return url.href;
  } catch {
    return null;
  }
}

/** Whether two URLs name the same page (a trailing slash on the path does not count). */
function samePage(a: string | null, b: string | null): boolean {
  if (!a || !b) return false;
  const strip = (u: string) => u.replace(/\/(\?|$)/, '$1');
  return a === b || strip(a) === strip(b);
}

/**
 * Whether the source links to the target: an `<a href>` a reader can follow
 * in HTML, resolved against the page's address; for any other type, the target's exact URL in the text.
 */
export function sourceLinksTo(body: string, contentType: string, sourceUrl: string, target: string): boolean {
  const wanted = comparableUrl(target);
  if (!wanted) return false;
  if (!/html/i.test(contentType)) return body.includes(target);
  const tree = unified().use(rehypeParseHtml).parse(body) as Root;
  let base = sourceUrl;
  visit(tree, 'element', (node: Element) => {
    if (node.tagName !== 'base' || typeof node.properties.href !== 'string') return;
    // A <base> that is not an address is ignored, as browsers ignore it.
    try {
      base = new URL(node.properties.href, sourceUrl).href;
    } catch {
      /* keep the page's own address */
    }
  });
  let found = false;
  visit(tree, 'element', (node: Element) => {
    if (found || node.tagName !== 'a' || typeof node.properties.href !== 'string') return;
    if (samePage(comparableUrl(node.properties.href, base), wanted)) found = true;
  });
  return found;
}

type Props = Record<string, unknown[]>;
interface Item {
  type?: string[];
  properties: Props;
  children?: Item[];
  value?: unknown;
}

function isItem(v: unknown): v is Item {
  return typeof v === 'object' && v !== null && 'properties' in v;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim() || null;
  if (isItem(v)) return typeof v.value === 'string' ? v.value.trim() || null : null;
  if (typeof v === 'object' && v !== null && 'value' in v && typeof (v as { value: unknown }).value === 'string') {
    return ((v as { value: string }).value).trim() || null;
  }
  return null;
}

function first(props: Props, name: string): unknown {
  return props[name]?.[0];
}

function httpUrl(v: string | null, base: string): string | null {
  if (!v) return null;
  return comparableUrl(v, base);
}

/** Every URL a property names (a plain URL, or an embedded h-cite's url or value). */
function urlsOf(props: Props, name: string, base: string): string[] {
  const out: string[] = [];
  for (const v of props[name] ?? []) {
    if (isItem(v)) {
      for (const u of v.properties.url ?? []) {
        const s = httpUrl(text(u), base);
        if (s) out.push(s);
      }
      const s = httpUrl(text(v), base);
      if (s) out.push(s);
    } else {
      const s = httpUrl(text(v), base);
      if (s) out.push(s);
    }
  }
  return out;
}

function allItems(items: Item[]): Item[] {
  return items.flatMap((i) => [i, ...allItems(i.children ?? []), ...allItems(Object.values(i.properties).flat().filter(isItem))]);
}

/** The h-entry that speaks about the target: the one whose properties name it, else the page's first h-entry. */
function pickEntry(items: Item[], target: string, base: string): Item | null {
  const entries = allItems(items).filter((i) => i.type?.includes('h-entry'));
  const naming = entries.find((e) => KIND_PROPERTIES.some(([, p]) => urlsOf(e.properties, p, base).some((u) => samePage(u, target))));
  return naming ?? entries[0] ?? null;
}

function author(entry: Item | null, base: string): { name: string | null; url: string | null; photo: string | null } {
  const a = entry ? first(entry.properties, 'author') : undefined;
  if (isItem(a)) {
    const name = text(first(a.properties, 'name')) ?? text(a);
    const url = httpUrl(text(first(a.properties, 'url')), base);
    const photo = httpUrl(text(first(a.properties, 'photo')), base);
    return { name: name?.slice(0, 200) ?? null, url, photo };
  }
  const s = text(a);
  if (!s) return { name: null, url: null, photo: null };
  const url = httpUrl(s, base);
  return url && /^https?:/i.test(s) ? { name: null, url, photo: null } : { name: s.slice(0, 200), url: null, photo: null };
}

function date(v: string | null): Date | null {
  if (!v) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Reads what `html` (served at `sourceUrl`) says about `target`; a page with no h-entry is a plain mention. */
export function interpretSource(html: string, sourceUrl: string, target: string): Interpretation {
  const wanted = comparableUrl(target) ?? target;
  let items: Item[] = [];
  try {
    items = mf2(html, { baseUrl: sourceUrl }).items as unknown as Item[];
  } catch {
    items = [];
  }
  const entry = pickEntry(items, wanted, sourceUrl);
  let kind: MentionKind = 'mention';
  if (entry) {
    for (const [k, prop] of KIND_PROPERTIES) {
      if (urlsOf(entry.properties, prop, sourceUrl).some((u) => samePage(u, wanted))) {
        kind = k;
        break;
      }
    }
  }
  const who = author(entry, sourceUrl);
  let contentHtml: string | null = null;
  if (entry && (kind === 'reply' || kind === 'mention')) {
    const content = first(entry.properties, 'content');
    const raw =
      typeof content === 'object' && content !== null && 'html' in content && typeof (content as { html: unknown }).html === 'string'
        ? (content as { html: string }).html
        : text(content)
          ? escapeHtml(text(content)!)
          : null;
    if (raw) contentHtml = mentionContent(raw, sourceUrl);
  }
  return {
    kind,
    authorName: who.name,
    authorUrl: who.url,
    authorPhotoUrl: who.photo,
    url: entry ? httpUrl(text(first(entry.properties, 'url')), sourceUrl) : null,
    published: entry ? date(text(first(entry.properties, 'published'))) : null,
    contentHtml,
  };
}

/**
 * A reply's HTML as it may show under a piece: the project's sanitizer (the same allowlist as hub items), then no
 * picture at all (an image would make every reader's browser call the other site: it becomes its alt text), and
 * links resolved against the source so they lead where the writer meant, marked external.
 */
export function mentionContent(raw: string, sourceUrl: string): string | null {
  const safe = sanitizeHtml(raw.length > MAX_CONTENT_HTML * 4 ? raw.slice(0, MAX_CONTENT_HTML * 4) : raw);
  const tree = unified().use(rehypeParseHtml, { fragment: true }).parse(safe) as Root;
  const walk = (parent: Root | Element): void => {
    parent.children = (parent.children as ElementContent[]).flatMap((node): ElementContent[] => {
      if (node.type !== 'element') return [node];
      if (node.tagName === 'img') {
        const alt = typeof node.properties.alt === 'string' ? node.properties.alt.trim() : '';
        return alt ? [{ type: 'text' as const, value: `[${alt}]` }] : [];
      }
      if (node.tagName === 'a' && typeof node.properties.href === 'string') {
        const href = comparableUrl(node.properties.href, sourceUrl);
        if (href) {
          node.properties.href = href;
          node.properties.rel = ['noopener', 'noreferrer', 'nofollow', 'ugc'];
        } else delete node.properties.href;
      }
      walk(node);
      return [node];
    });
  };
  walk(tree);
  let html = toHtml(tree).trim();
  // Cut long replies on a whole-tree boundary: sanitizing the cut text closes what the cut left open.
  if (html.length > MAX_CONTENT_HTML) html = sanitizeHtml(html.slice(0, MAX_CONTENT_HTML).replace(/<[^>]*$/, '') + '…').trim();
  return html || null;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
