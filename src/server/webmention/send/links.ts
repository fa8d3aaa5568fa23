/**
 * The pages a piece links to, for sending Webmentions: every http(s) `<a href>` of its sanitized HTML (and the
 * thing a link post points at), without fragments, once each. Pages of this Potluck itself are left out: a piece
 * here featuring another is recorded directly, never by HTTP to ourselves.
 */
import { rehypeParseHtml } from '../../../core/html/parse.ts';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import type { Element, Root } from 'hast';

/** Most targets one piece sends to (a long reading list is fine; a link farm is not). */
export const MAX_TARGETS = 100;

/** The distinct http(s) pages `html` (and `linkUrl`) link to, outside `siteUrl`'s origin, in document order. */
export function outboundLinks(html: string, linkUrl: string | null, siteUrl: string): string[] {
  const own = new URL(siteUrl).origin;
  const found: string[] = [];
  const add = (href: string) => {
    let url: URL;
    try {
      url = new URL(href.trim());
    } catch {
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
    if (url.origin === own) return;
    url.hash = '';
    if (!found.includes(url.href) && found.length < MAX_TARGETS) found.push(url.href);
  };
  if (linkUrl) add(linkUrl);
  const tree = unified().use(rehypeParseHtml, { fragment: true }).parse(html) as Root;
  visit(tree, 'element', (node: Element) => {
    if (node.tagName === 'a' && typeof node.properties.href === 'string') add(node.properties.href);
  });
  return found;
}
