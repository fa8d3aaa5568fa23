/**
 * Finding a blog's feed from its page: the `<link rel="alternate" type="application/rss+xml|atom+xml|feed+json">`
 * elements every blog engine (WordPress, Blogger, Ghost, Hugo, Jekyll, Mastodon, Medium) puts in its pages, so a
 * teacher or student can paste the address they know — the blog's — instead of hunting for the feed's. Pure.
 */
import { rehypeParseHtml } from '../html/parse.ts';
import { unified } from 'unified';
import type { Element, Root, RootContent } from 'hast';

/** A feed a page announces. */
export interface DiscoveredFeed {
  /** Absolute http(s) URL. */
  url: string;
  type: 'rss' | 'atom' | 'json';
  title: string;
}

const TYPES: Record<string, DiscoveredFeed['type']> = {
  'application/rss+xml': 'rss',
  'application/rdf+xml': 'rss',
  'application/atom+xml': 'atom',
  'application/feed+json': 'json',
  'application/json': 'json',
};

const documentParser = unified().use(rehypeParseHtml, { fragment: false });

function attr(node: Element, name: string): string | undefined {
  const value = node.properties[name];
  if (Array.isArray(value)) return value.join(' ');
  return value === undefined || value === null ? undefined : String(value);
}

function walk(nodes: RootContent[], visit: (node: Element) => void): void {
  for (const node of nodes) {
    if (node.type !== 'element') continue;
    visit(node);
    walk(node.children, visit);
  }
}

/** Whether a response looks like an HTML page rather than a feed (by its type, else its first bytes). */
export function looksLikeHtml(body: string, contentType?: string): boolean {
  if (contentType && /text\/html|application\/xhtml\+xml/i.test(contentType)) return true;
  const start = body.trimStart().slice(0, 512).replace(/^(?:<\?xml[^>]*>\s*|<!--[\s\S]*?-->\s*)*/, '');
  return /^<!doctype\s+html|^<html[\s>]/i.test(start);
}

/**
 * The feeds a page announces, best first: main feeds before comment feeds (WordPress announces both), then in the
 * page's own order. URLs are resolved against `<base href>` when there is one, else the page's address.
 */
export function discoverFeeds(html: string, pageUrl: string): DiscoveredFeed[] {
  const tree = documentParser.parse(html) as Root;
  let base = pageUrl;
  const links: Element[] = [];
  walk(tree.children, (node) => {
    if (node.tagName === 'base' && base === pageUrl) {
      const href = attr(node, 'href');
      if (href) {
        try {
          const resolved = new URL(href, pageUrl);
          if (resolved.protocol === 'http:' || resolved.protocol === 'https:') base = resolved.href;
        } catch {
          // A broken <base> is ignored, as browsers do.
        }
      }
    }
    if (node.tagName === 'link') links.push(node);
  });
  const found: Array<DiscoveredFeed & { comments: boolean; order: number }> = [];
  const seen = new Set<string>();
  links.forEach((link, order) => {
    const rel = (attr(link, 'rel') ?? '').toLowerCase().split(/\s+/);
    if (!rel.includes('alternate')) return;
    const type = TYPES[(attr(link, 'type') ?? '').toLowerCase().split(';')[0]!.trim()];
    const href = attr(link, 'href');
    if (!type || !href) return;
    let url: URL;
    try {
      url = new URL(href.trim(), base);
    } catch {
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    if (seen.has(url.href)) return;
    seen.add(url.href);
    const title = (attr(link, 'title') ?? '').trim();
    const comments = /comment/i.test(title) || /\/comments\/feed\/?$/i.test(url.pathname);
    found.push({ url: url.href, type, title, comments, order });
  });
  found.sort((a, b) => Number(a.comments) - Number(b.comments) || a.order - b.order);
  return found.map(({ url, type, title }) => ({ url, type, title }));
}
