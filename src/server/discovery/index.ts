/**
 * How clients find Potluck's IndieWeb endpoints: the way their specs say, by `Link` headers and `<link rel>` in the
 * page, never at paths a client must guess. Each protocol says which links a page carries (webmention.ts,
 * websub.ts, indieauth.ts); the middleware sends them as one `Link` header on live pages and PublicLayout writes them
 * as `<link>` elements, from the same list.
 */
import type { AppContext } from '../context.ts';
import { indieAuthLinks } from './indieauth.ts';
import { webmentionLinks } from './webmention.ts';
import { websubLinks } from './websub.ts';

/** One link relation: `rel` may hold several space-separated values; `href` is absolute. */
export interface DiscoveryLink {
  rel: string;
  href: string;
  type?: string;
}

/** The page being answered: its path (pathname only) and whether it is a frozen copy for a static export. */
export interface DiscoveryPage {
  path: string;
  static: boolean;
}

/** Every discovery link `page` carries, in a stable order. */
export function discoveryLinks(app: AppContext, page: DiscoveryPage): DiscoveryLink[] {
  return [...webmentionLinks(app, page), ...websubLinks(app, page), ...indieAuthLinks(app, page)];
}

/** The links as one `Link` header value (RFC 8288), or null when there are none. */
export function linkHeader(links: DiscoveryLink[]): string | null {
  if (links.length === 0) return null;
  return links.map((l) => `<${l.href}>; rel="${l.rel}"${l.type ? `; type="${l.type}"` : ''}`).join(', ');
}
