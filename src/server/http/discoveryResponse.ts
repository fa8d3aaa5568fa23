/**
 * The sitemap and robots.txt responses. Both are the same for everyone, so their ETag is a digest of the body:
 * exact, and cheap next to the few queries that build it.
 */
import type { APIContext } from 'astro';
import { SITEMAP_CONTENT_TYPE, toRobotsTxt, toSitemap } from '../../core/feeds/discovery.ts';
import { joinUrl } from '../../core/urls.ts';
import { buildSitemap } from '../feeds.ts';
import { publicHubSitemapEntries } from '../hubs/sitemapEntries.ts';
import { cacheHeaders, conditional, makeEtag, type Validators } from './caching.ts';
import { isPersonal } from './publicCache.ts';

function respond(context: APIContext, body: string, contentType: string, lastModified: Date | null): Response {
  const validators: Validators = { etag: makeEtag([contentType, body]), lastModified };
  const audience = { personal: isPersonal(context) };
  const notModified = conditional(context.request, validators, audience);
  if (notModified) return notModified;
  return new Response(context.request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: { 'content-type': contentType, ...cacheHeaders(validators, audience) },
  });
}

/** `/sitemap.xml`: every public page of every indexable portfolio, and every public hub, with when it last changed. */
export function serveSitemap(context: APIContext): Response {
  const entries = [...buildSitemap(context.locals.app), ...publicHubSitemapEntries(context.locals.app)];
  const latest = entries.reduce((max, e) => Math.max(max, e.lastmod?.getTime() ?? 0), 0);
  return respond(context, toSitemap(entries), SITEMAP_CONTENT_TYPE, latest ? new Date(latest) : null);
}

/** `/robots.txt`. */
export function serveRobotsTxt(context: APIContext): Response {
  const body = toRobotsTxt({ sitemapUrl: joinUrl(context.locals.app.config.siteUrl, '/sitemap.xml') });
  return respond(context, body, 'text/plain; charset=utf-8', null);
}
