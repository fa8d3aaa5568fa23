/**
 * The absolute addresses a public page prints (canonical link, `u-url`/`u-uid`, feed links), for the live site and
 * for the static export. Links between pages stay `sitePaths` paths (the exporter rewrites those); only addresses
 * that must survive being copied elsewhere are absolute. Pure.
 */
import { canonicalUrl } from './urls.ts';

/** What decides where a portfolio's addresses point. */
export interface PublicLinkContext {
  /** This instance's public base URL. */
  siteUrl: string;
  handle: string;
  /** The student's chosen home ("where your static site lives"), if any. */
  canonicalBaseUrl: string | null;
  /** The request's render mode (server/http/renderMode.ts). */
  render: { static: boolean; staticBase: string | null };
}

/** Absolute addresses for one portfolio in one rendering. */
export interface PublicLinks {
  /** The canonical URL of a portfolio path: the student's home, else this instance; under `staticBase` when frozen. */
  canonical(path: string): string;
  /** The address to print for a feed path: the path itself live, absolute in the static export (feeds are read elsewhere). */
  feed(path: string): string;
}

/** Builds the absolute addresses for one portfolio page. */
export function publicLinks(ctx: PublicLinkContext): PublicLinks {
  // Frozen for export, the site is about to live at staticBase: that is where its addresses must point.
  const home = ctx.render.static ? (ctx.render.staticBase ?? ctx.canonicalBaseUrl) : ctx.canonicalBaseUrl;
  const canonical = (path: string) => canonicalUrl({ siteUrl: ctx.siteUrl, handle: ctx.handle, canonicalBaseUrl: home }, path);
  return {
    canonical,
    feed: (path) => (ctx.render.static ? canonical(path) : path),
  };
}
