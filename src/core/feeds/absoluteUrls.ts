/**
 * Stored artifact HTML uses site-relative addresses (`/media/ID/`, `/@maya/poem/`, `#user-content-fn-1`), which
 * mean nothing once the HTML leaves the page: in a feed reader, a hub, an email. This rewrites every address in it
 * (links, image sources, srcset candidates, quotation sources) through a resolver the caller supplies. Pure.
 */
import { toHtml } from 'hast-util-to-html';
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';
import { treeExcerpt } from './excerpt.ts';
import type { Element, Root } from 'hast';

/** Turns one address as written in the HTML into an absolute URL. */
export type UrlResolver = (url: string) => string;

const parser = unified().use(rehypeParse, { fragment: true }).freeze();

// hast property names of the attributes that hold one address.
const SINGLE_URL = ['href', 'src', 'cite', 'poster', 'longDesc'] as const;

/** Whether a URL is already absolute (`https:`, `mailto:`): it has a scheme. Protocol-relative `//x` is not. */
export function hasScheme(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(url.trim());
}

/** The HTML with every address passed through `resolve`; HTML without elements comes back unchanged. */
export function absolutizeHtml(html: string, resolve: UrlResolver): string {
  return feedContent(html, resolve, { excerpt: false }).html;
}

/**
 * What a feed item needs from stored HTML, from one parse: the HTML with absolute addresses and, when asked, its
 * plain-text excerpt (see excerpt.ts).
 */
export function feedContent(html: string, resolve: UrlResolver, options: { excerpt: boolean }): { html: string; excerpt: string } {
  if (!html.includes('<') && !options.excerpt) return { html, excerpt: '' };
  const tree = parser.parse(html) as Root;
  const excerpt = options.excerpt ? treeExcerpt(tree) : '';
  rewrite(tree, resolve);
  return { html: toHtml(tree), excerpt };
}

function rewrite(parent: Root | Element, resolve: UrlResolver): void {
  for (const node of parent.children) {
    if (node.type !== 'element') continue;
    const props = node.properties;
    for (const name of SINGLE_URL) {
      const value = props[name];
      if (typeof value === 'string') props[name] = resolve(value);
    }
    const srcset = props.srcSet;
    if (typeof srcset === 'string' || Array.isArray(srcset)) props.srcSet = resolveSrcset(srcset, resolve);
    rewrite(node, resolve);
  }
}

// A srcset is a comma-separated list of "URL [descriptor]"; hast keeps it as one string or as the list.
function resolveSrcset(value: string | (string | number)[], resolve: UrlResolver): string {
  const candidates = typeof value === 'string' ? value.split(/,\s+/) : value.map(String);
  return candidates
    .map((candidate) => {
      const [url = '', ...descriptor] = candidate.trim().split(/\s+/);
      return [resolve(url), ...descriptor].join(' ');
    })
    .join(', ');
}
