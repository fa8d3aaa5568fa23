/**
 * Stored artifact HTML uses site-relative addresses (`/media/ID/`, `/@maya/poem/`, `#user-content-fn-1`), which
 * mean nothing once the HTML leaves the page: in a feed reader, a hub, an email. This rewrites every address in it
 * (links, image sources, srcset candidates, quotation sources) through a resolver the caller supplies, and leaves
 * every other byte as it was. Pure.
 */
import { applyEdits, findUrlAttributes, rewriteAttributes } from '../html/urlAttributes.ts';
import { htmlExcerpt } from './excerpt.ts';

/** Turns one address as written in the HTML into an absolute URL. */
export type UrlResolver = (url: string) => string;

/** Whether a URL is already absolute (`https:`, `mailto:`): it has a scheme. Protocol-relative `//x` is not. */
export function hasScheme(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(url.trim());
}

/** The HTML with every address passed through `resolve`; HTML without elements comes back unchanged. */
export function absolutizeHtml(html: string, resolve: UrlResolver): string {
  if (!html.includes('<')) return html;
  return applyEdits(html, rewriteAttributes(findUrlAttributes(html), resolve));
}

/**
 * What a feed item needs from stored HTML: the HTML with absolute addresses and, when asked, its plain-text excerpt
 * (see excerpt.ts; artifacts keep theirs from the last save, so only older rows need it made here).
 */
export function feedContent(html: string, resolve: UrlResolver, options: { excerpt: boolean }): { html: string; excerpt: string } {
  return { html: absolutizeHtml(html, resolve), excerpt: options.excerpt ? htmlExcerpt(html) : '' };
}
