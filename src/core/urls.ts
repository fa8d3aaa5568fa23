/**
 * Every public address of a portfolio, in one place: the live site (`/@handle/...`), the static export (the same
 * paths without the `/@handle/` prefix) and canonical links all come from here.
 */

export type FeedFormat = 'xml' | 'json';

/** Paths on the live site, each ending in '/' (pages) or a file name (feeds). */
export const sitePaths = {
  portfolio: (handle: string) => `/@${handle}/`,
  page: (handle: string, n: number) => (n <= 1 ? `/@${handle}/` : `/@${handle}/page/${n}/`),
  artifact: (handle: string, slug: string) => `/@${handle}/${slug}/`,
  tags: (handle: string) => `/@${handle}/tags/`,
  tag: (handle: string, tag: string) => `/@${handle}/tags/${encodeURIComponent(tag)}/`,
  tagFeed: (handle: string, tag: string, format: FeedFormat) => `/@${handle}/tags/${encodeURIComponent(tag)}/feed.${format}`,
  feed: (handle: string, format: FeedFormat) => `/@${handle}/feed.${format}`,
  showcases: (handle: string) => `/@${handle}/showcases/`,
  showcase: (handle: string, slug: string) => `/@${handle}/showcases/${slug}/`,
  archive: (handle: string) => `/@${handle}/archive/`,
  year: (handle: string, year: number) => `/@${handle}/archive/${year}/`,
};

/** The part of a live path below the portfolio root (`/@maya/poem/` -> `poem/`), or null for other paths. */
export function portfolioRelative(handle: string, path: string): string | null {
  const root = `/@${handle}/`;
  return path.startsWith(root) ? path.slice(root.length) : path === `/@${handle}` ? '' : null;
}

/** Joins a base URL (with or without a trailing slash) and a relative path. */
export function joinUrl(base: string, relative: string): string {
  return `${base.replace(/\/+$/, '')}/${relative.replace(/^\/+/, '')}`;
}

/**
 * The canonical URL of a portfolio path: under the student's chosen home (a static host, GitHub Pages) when they
 * set one, else on this instance.
 */
export function canonicalUrl(options: { siteUrl: string; handle: string; canonicalBaseUrl: string | null }, path: string): string {
  const relative = portfolioRelative(options.handle, path);
  if (options.canonicalBaseUrl && relative !== null) return joinUrl(options.canonicalBaseUrl, relative);
  return joinUrl(options.siteUrl, path);
}
