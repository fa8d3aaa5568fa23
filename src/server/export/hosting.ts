/**
 * The files a web host reads besides the pages: `404.html` (GitHub Pages, Netlify and most static hosts answer it
 * for a missing address), `sitemap.xml` and `robots.txt` for search engines, `.nojekyll` (GitHub Pages would
 * otherwise run the site through Jekyll, which drops folders starting with "_", like `_astro/`), and `CNAME` for a
 * custom domain. Every export writes them, so a folder, a zip and a GitHub Pages publish hold the same files.
 */
import { z } from 'zod';
import { toSitemap, type SitemapEntry } from '../../core/feeds/discovery.ts';
import { applyEdits, findUrlAttributes, rewriteAttributes } from '../../core/html/urlAttributes.ts';
import { invalid } from '../../core/errors.ts';
import { domainPattern } from '../github/targets.ts';
import { cleanAddress, type SiteFile } from './crawler.ts';
import { livePathOfExportPath } from './paths.ts';
import type { ExportScope } from './scope.ts';

/** A custom domain for `CNAME`: a bare host name such as `maya.example.org`. */
export const siteDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => !/^[a-z][a-z0-9+.-]*:\/\//.test(v) && !v.includes('/'), 'Give the domain alone, like “maya.example.org”: no https://, no path.')
  .refine((v) => !/:\d+$/.test(v), 'Give the domain without a port, like “maya.example.org”.')
  .refine((v) => domainPattern.test(v), 'Give a domain name like “maya.example.org”: letters, digits and dashes between dots.');

/** The domain for `CNAME`, checked; a clear validation error otherwise. */
export function parseSiteDomain(value: string): string {
  const parsed = siteDomainSchema.safeParse(value);
  if (!parsed.success) throw invalid([{ field: 'domain', message: parsed.error.issues[0].message }]);
  return parsed.data;
}

function text(path: string, body: string, kind: SiteFile['kind'] = 'asset'): SiteFile {
  const data = Buffer.from(body, 'utf8');
  return { path, kind, data, bytes: data.byteLength };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * The not-found page: the portfolio's own front page (its header, styles and footer) with the content replaced by a
 * short message and a link home. A host answers it at any depth (`/poem/missing/deeper`), so its links are absolute
 * under the base instead of relative.
 */
export function notFoundPage(index: string | null, base: string, siteTitle: string): string {
  const title = escapeHtml(siteTitle);
  const message =
    `<h1>Page not found</h1>\n<p>There is nothing at this address. The page may have moved, or it may no longer be public.</p>\n` +
    `<p><a href="${escapeHtml(base)}">Go to the home page of ${title}</a></p>`;
  const main = index ? /<main\b[^>]*>/i.exec(index) : null;
  const close = index ? index.lastIndexOf('</main>') : -1;
  if (!index || !main || close < main.index) {
    return `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>Page not found · ${title}</title></head>\n<body><main>${message}</main></body>\n</html>\n`;
  }
  let page = index.slice(0, main.index + main[0].length) + '\n' + message + '\n' + index.slice(close);
  const absolute = (url: string): string | null => {
    if (url.startsWith('#')) return null;
    try {
      const absolute = new URL(url, base);
      // On a host, a folder address is the page: `…/archive/`, not `…/archive/index.html`.
      if (!absolute.search && !absolute.hash) absolute.pathname = absolute.pathname.replace(/\/index\.html$/, '/');
      return absolute.href;
    } catch {
      return null;
    }
  };
  page = applyEdits(page, rewriteAttributes(findUrlAttributes(page), absolute));
  return page
    .replace(/<title>[^<]*<\/title>/i, `<title>Page not found · ${title}</title><meta name="robots" content="noindex">`)
    .replace(/<link rel="(?:canonical|next|prev)"[^>]*>/gi, '')
    .replace(/ aria-current="page"/g, '');
}

/**
 * The page left at a piece's old address after it was renamed: a static host cannot answer 301, so the page sends the
 * reader on at once (a refresh, and a link for whoever has refreshes turned off) and names the new address as
 * canonical, which search engines treat as a move. It is in no sitemap and asks not to be indexed.
 */
export function movedPage(base: string, to: string): string {
  const target = escapeHtml(`../${to}/index.html`);
  const canonical = escapeHtml(new URL(`${to}/`, base).href);
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex"><meta http-equiv="refresh" content="0; url=${target}"><link rel="canonical" href="${canonical}">` +
    `<title>This page has moved</title></head>\n<body><main><p>This page has moved to <a href="${target}">${canonical}</a>.</p></main></body>\n</html>\n`
  );
}

/**
 * The hosting files of an export whose pages are `files`; `moved` are the old addresses of public pieces that were
 * renamed (`from` and `to` are slugs), each of which gets a page that sends the reader on.
 */
export function hostingFiles(props: {
  scope: ExportScope;
  base: string;
  files: SiteFile[];
  domain?: string | null;
  moved?: { from: string; to: string }[];
}): SiteFile[] {
  const { scope, base, files } = props;
  const handle = scope.owner.handle;
  const pages = files.filter((f) => f.kind === 'page');
  const index = pages.find((f) => f.path === 'index.html')?.data?.toString('utf8') ?? null;
  // Only what a search engine may list: the export holds public work only, and a portfolio that asked not to be
  // indexed lists nothing.
  const entries: SitemapEntry[] = scope.owner.noindex
    ? []
    : pages.map((f) => {
        const live = livePathOfExportPath(handle, f.path.replace(/(^|\/)index\.html$/, '$1')).toLowerCase();
        return { loc: cleanAddress(base, f.path), lastmod: scope.lastModified.get(live) };
      });
  const out = [
    text('404.html', notFoundPage(index, base, scope.owner.siteTitle || scope.owner.name), 'page'),
    text('sitemap.xml', toSitemap(entries)),
    text('robots.txt', `User-agent: *\nAllow: /\n\nSitemap: ${base}sitemap.xml\n`),
    // Its presence is what counts; a line of text keeps it from being an empty file, which some zip readers refuse.
    text('.nojekyll', 'Serve these files as they are (no Jekyll).\n'),
  ];
  if (props.domain) out.push(text('CNAME', `${props.domain}\n`));
  const taken = new Set(files.map((f) => f.path));
  for (const { from, to } of props.moved ?? []) {
    const path = `${from}/index.html`;
    // Only where nothing else is, and only to a page the export holds.
    if (!taken.has(path) && taken.has(`${to}/index.html`)) out.push(text(path, movedPage(base, to), 'page'));
    taken.add(path);
  }
  return out;
}
