/**
 * A crawler for the privacy tests: from a few addresses, follows every same-origin link of every page, feed, OPML
 * and sitemap (GET only, as a visitor or a signed-in browser would), and keeps the text of everything it read.
 */
import { findUrlAttributes, urlsOf } from '../../../src/core/html/urlAttributes.ts';
import type { Browser } from '../../helpers/http.ts';

export interface Crawled {
  /** Path (with query) -> status and text. */
  pages: Map<string, { status: number; type: string; text: string }>;
}

/** Addresses the crawl does not follow: leaving (sign-out), going to GitHub, JSON APIs, bytes of pictures. */
const SKIP = [/^\/signout/, /^\/workspace\/publish\/github\/start/, /^\/api\//, /^\/media\//, /^\/hubs\/[^/]+\/thumbnails\//, /^\/_astro\//, /\.(css|js|png|jpe?g|webp|gif|avif|pdf|svg|ico)$/];

const TEXTUAL = /text\/|xml|json|opml/;

/** Every URL a text mentions: attributes of HTML, anything URL-like in feeds, OPML and sitemaps. */
function linksIn(type: string, text: string): string[] {
  if (type.includes('html')) return findUrlAttributes(text).flatMap(urlsOf);
  return [...text.matchAll(/(?:https?:\/\/[^\s"'<>]+|(?<=["'>])\/[^\s"'<>]*)/g)].map((m) => m[0].replace(/&amp;/g, '&'));
}

/** Crawls from `starts` as `browser`, at most `limit` addresses. */
export async function crawl(browser: Browser, starts: string[], limit = 1500): Promise<Crawled> {
  const origin = new URL(browser.base).origin;
  const pages: Crawled['pages'] = new Map();
  const queue = [...starts];
  const seen = new Set(queue);
  while (queue.length > 0 && pages.size < limit) {
    const next = queue.shift()!;
    const response = await browser.get(next);
    const type = response.headers.get('content-type') ?? '';
    const text = TEXTUAL.test(type) ? await response.text() : (await response.arrayBuffer(), '');
    pages.set(next, { status: response.status, type, text });
    const found = linksIn(type, text);
    const location = response.headers.get('location');
    if (location) found.push(location);
    for (const raw of found) {
      let url: URL;
      try {
        url = new URL(raw, new URL(next, origin));
      } catch {
        continue;
      }
      if (url.origin !== origin) continue;
      const key = `${url.pathname}${url.search}`;
      if (seen.has(key) || SKIP.some((r) => r.test(url.pathname))) continue;
      seen.add(key);
      queue.push(key);
    }
  }
  if (queue.length > 0) throw new Error(`The crawl stopped at ${limit} addresses with ${queue.length} left; raise the limit.`);
  return { pages };
}

/** The addresses (and statuses) where any of `needles` appears. */
export function whereFound(crawled: Crawled, needles: string[]): string[] {
  const hits: string[] = [];
  for (const [url, page] of crawled.pages) {
    for (const needle of needles) if (page.text.includes(needle) || url.includes(needle)) hits.push(`${url} (${page.status}): ${needle}`);
  }
  return hits;
}
