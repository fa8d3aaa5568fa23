/**
 * What search engines read: the sitemap (https://www.sitemaps.org/protocol.html) and robots.txt. Pure serializers;
 * the builder in server/feeds.ts decides which pages are listed (only public work of indexable portfolios).
 */
import { publishedIso } from '../dates.ts';

/** One page in the sitemap. */
export interface SitemapEntry {
  /** Absolute URL on this instance. */
  loc: string;
  lastmod?: Date;
}

/** Most URLs one sitemap file may list (the protocol's limit). */
export const SITEMAP_URL_LIMIT = 50_000;

/** The media type the sitemap is served with. */
export const SITEMAP_CONTENT_TYPE = 'application/xml; charset=utf-8';

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Serializes a sitemap `urlset`; entries past the protocol's limit are left out. */
export function toSitemap(entries: SitemapEntry[]): string {
  const lines = entries.slice(0, SITEMAP_URL_LIMIT).map((e) => {
    const lastmod = e.lastmod ? `<lastmod>${publishedIso(e.lastmod)}</lastmod>` : '';
    return `  <url><loc>${escapeXml(e.loc)}</loc>${lastmod}</url>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...lines,
    '</urlset>',
    '',
  ].join('\n');
}

/** Areas that are never useful to a crawler: personal pages, forms and the API. */
export const ROBOTS_DISALLOWED = ['/workspace', '/account', '/admin', '/api', '/signin', '/signup'] as const;

/**
 * robots.txt: crawlers may read portfolios (`/@…`) and are kept out of the private areas. Portfolios that asked not
 * to be indexed are not named here (that would list them); their pages answer `X-Robots-Tag: noindex`, which a
 * crawler only sees if it is allowed to fetch them.
 */
export function toRobotsTxt(options: { sitemapUrl: string }): string {
  return [
    'User-agent: *',
    'Allow: /@',
    ...ROBOTS_DISALLOWED.map((path) => `Disallow: ${path}`),
    '',
    `Sitemap: ${options.sitemapUrl}`,
    '',
  ].join('\n');
}
