/**
 * The Webmention links a page carries (see ./index.ts): the endpoint, as an absolute URL, on the live pages of a
 * portfolio that the public may read — its lists, feeds and the pages of public pieces. Never on a class-only,
 * private or unlisted piece (it could not receive one), on the workspace, or in a static copy (hosted elsewhere,
 * its pages are not addresses this endpoint accepts).
 */
import type { AppContext } from '../context.ts';
import { isPublicPiece, pieceOfPath } from '../webmention/receive/targets.ts';
import type { DiscoveryLink, DiscoveryPage } from './index.ts';

/** The endpoint's path (the route src/pages/webmention/index.ts). */
export const WEBMENTION_ENDPOINT_PATH = '/webmention';

export function webmentionLinks(app: AppContext, page: DiscoveryPage): DiscoveryLink[] {
  if (!app.config.webmentions || page.static || !page.path.startsWith('/@')) return [];
  const piece = pieceOfPath(page.path);
  if (piece && !isPublicPiece(app, piece.handle, piece.slug)) return [];
  return [{ rel: 'webmention', href: new URL(WEBMENTION_ENDPOINT_PATH, app.config.siteUrl).href }];
}
