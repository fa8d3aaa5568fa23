/**
 * The hub's files: RSS and JSON Feed (public hubs only: a feed reader has no session, and a members-only hub's
 * river is not for it) and the OPML of its sources. Each answers 304 when the reader's copy is current; the ETag
 * is a hash of the bytes, so it is exactly as fresh as the live river (which changes on any member's save).
 */
import type { APIContext } from 'astro';
import { notFound } from '../../core/errors.ts';
import { JSON_FEED_CONTENT_TYPE, toJsonFeed } from '../../core/feeds/jsonFeed.ts';
import { toRss } from '../../core/feeds/rss.ts';
import fs from 'node:fs';
import { exportHubOpml } from './opml.ts';
import { thumbnailPath, thumbnailsDir } from './thumbnails.ts';
import { cacheHeaders, conditional, makeEtag, type Validators } from '../http/caching.ts';
import { readHub } from './access.ts';
import { findRiverItem } from './contributions.ts';
import { buildHubFeed } from './feed.ts';
import { rssHeaders, withFeedStylesheet } from '../http/feedResponse.ts';

function respond(context: APIContext, body: string | Uint8Array<ArrayBuffer>, contentType: string, validators: Validators, personal: boolean, vary?: string): Response {
  const audience = { personal };
  const notModified = conditional(context.request, validators, audience);
  if (notModified) {
    if (vary) notModified.headers.set('vary', vary);
    return notModified;
  }
  return new Response(context.request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: { 'content-type': contentType, 'access-control-allow-origin': '*', ...cacheHeaders(validators, audience), ...(vary ? { vary } : {}) },
  });
}

/** `/hubs/<slug>/feed.xml|json`. */
export function hubFeedResponse(context: APIContext, kind: 'rss' | 'json'): Response {
  const { app } = context.locals;
  // Feeds are the same for everyone, so they are read as the public reads them.
  const access = readHub(app, null, context.params.slug ?? '');
  if (access.hub.visibility !== 'public') throw notFound('That hub');
  const feed = buildHubFeed(app, access.hub);
  // RSS names the feed stylesheet, and a browser gets it as XML so that it is shown as a page (http/feedResponse.ts).
  const rss = kind === 'rss' ? rssHeaders(context.request) : null;
  const body = rss ? withFeedStylesheet(toRss(feed)) : toJsonFeed(feed);
  const validators = { etag: makeEtag(['hub-feed/2', rss?.variant ?? kind, body]), lastModified: feed.updated };
  const personal = context.locals.user !== null;
  return rss ? respond(context, body, rss.contentType, validators, personal, rss.vary) : respond(context, body, JSON_FEED_CONTENT_TYPE, validators, personal);
}

/**
 * `/hubs/<slug>/thumbnails/<item>`: the stored picture of an external item (thumbnails.ts), for whoever may see the
 * item in the river: the hub's 404 for others, and a hidden item's picture only for the hub's teachers.
 */
export function hubThumbnailResponse(context: APIContext): Response {
  const { app, user } = context.locals;
  const access = readHub(app, user, context.params.slug ?? '');
  const item = findRiverItem(app, access.hub, context.params.item ?? '', { includeHidden: access.canManage });
  const stored = item?.thumbnail?.file && item.thumbnail.image === item.image ? thumbnailPath(thumbnailsDir(app.config), item.thumbnail.file) : null;
  if (!item || !stored) throw notFound('That picture');
  // The file is named by the picture's address, and made once: its name is a fine validator.
  const validators = { etag: `"${item.thumbnail!.file!.slice(0, 27)}"` };
  // Shared caches only for what anyone sees the same: a public hub's picture, asked for without a session.
  const personal = access.hub.visibility !== 'public' || user !== null;
  const notModified = conditional(context.request, validators, { personal });
  if (notModified) return notModified;
  let body: Buffer;
  try {
    body = fs.readFileSync(stored);
  } catch {
    throw notFound('That picture');
  }
  return respond(context, new Uint8Array(body), 'image/webp', validators, personal);
}

/** `/hubs/<slug>/members.opml`: every source for the hub's members and teachers; for others, what the river shows them. */
export function hubOpmlResponse(context: APIContext): Response {
  const { app, user } = context.locals;
  const access = readHub(app, user, context.params.slug ?? '');
  const body = exportHubOpml(app, { hub: access.hub, fullMembership: access.role !== null || access.canManage });
  const validators = { etag: makeEtag(['hub-opml/1', body]) };
  return respond(context, body, 'text/x-opml; charset=utf-8', validators, user !== null);
}
