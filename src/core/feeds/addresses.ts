/**
 * Absolute addresses for everything a feed names, in one rendering: live (this instance, or the student's canonical
 * home when they set one) or the static export (everything of the portfolio under its export base). Pure; built on
 * the path helpers of core/urls.ts, which stay the one description of the site's paths.
 */
import { canonicalUrl, joinUrl, portfolioRelative } from '../urls.ts';
import { hasScheme, type UrlResolver } from './absoluteUrls.ts';

/** What decides the addresses of one portfolio in one rendering. */
export interface AddressContext {
  /** This instance's public base URL (config.siteUrl), without a trailing slash. */
  siteUrl: string;
  handle: string;
  /** The student's canonical home (users.canonicalBaseUrl), if they set one. */
  canonicalBaseUrl: string | null;
  /** The portfolio's base in the static export; null when rendering live. */
  staticBase: string | null;
}

/** Address helpers for one portfolio: see each method. */
export interface PortfolioAddresses {
  /** Where readers should go for a live portfolio path (`/@maya/poem/`): the canonical address. */
  page(path: string): string;
  /** Where this rendering serves a live portfolio path (a feed's own address). */
  served(path: string): string;
  /** A site path outside the portfolio (`/media/…`, another portfolio, a hub). */
  site(path: string): string;
  /** Resolves addresses written in HTML that lives at the live path `pagePath`. */
  resolverFor(pagePath: string): UrlResolver;
}

// Relative addresses are resolved against the live path first; this origin only carries them through `URL`.
const PLACEHOLDER_ORIGIN = 'http://potluck.invalid';

/** The address helpers for a portfolio in a rendering. */
export function portfolioAddresses(ctx: AddressContext): PortfolioAddresses {
  const inExport = (path: string): string | null => {
    if (ctx.staticBase === null) return null;
    const relative = portfolioRelative(ctx.handle, path);
    return relative === null ? null : joinUrl(ctx.staticBase, relative);
  };
  const page = (path: string) =>
    inExport(path) ?? canonicalUrl({ siteUrl: ctx.siteUrl, handle: ctx.handle, canonicalBaseUrl: ctx.canonicalBaseUrl }, path);
  const served = (path: string) => inExport(path) ?? joinUrl(ctx.siteUrl, path);
  // TODO(assumes the static exporter copies media to `<base>/media/<id>/…`, beside the portfolio's pages): media
  // addresses in an exported feed point there, so the export works with no server. Live feeds use this instance.
  const site = (path: string) =>
    ctx.staticBase !== null && path.startsWith('/media/') ? joinUrl(ctx.staticBase, path) : joinUrl(ctx.siteUrl, path);

  const resolverFor = (pagePath: string): UrlResolver => (raw) => {
    const url = raw.trim();
    if (hasScheme(url)) return url;
    if (url.startsWith('//')) return new URL(url, ctx.siteUrl).href;
    let parsed: URL;
    try {
      parsed = new URL(url, PLACEHOLDER_ORIGIN + pagePath);
    } catch {
      return url;
    }
    const suffix = parsed.search + parsed.hash;
    return portfolioRelative(ctx.handle, parsed.pathname) !== null
      ? page(parsed.pathname) + suffix
      : site(parsed.pathname) + suffix;
  };

  return { page, served, site, resolverFor };
}
