/**
 * How clients find Potluck's IndieWeb endpoints: the way their specs say, by `Link` headers and `<link rel>` in the
 * page, never at paths a client must guess. Each protocol says which links a page carries (webmention.ts,
 * websub.ts, indieauth.ts); the middleware sends them as one `Link` header on live pages and PublicLayout writes them
 * as `<link>` elements, from the same list.
 */
import type { AppContext } from '../context.ts';
import { remembered } from '../db/changes.ts';
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

/**
 * Every discovery link `page` carries, in a stable order. A live page asks twice (its `<link>` elements and its Link
 * header): the list is worked out once and remembered until the database changes (db/changes.ts), unchangeable.
 */
export function discoveryLinks(app: AppContext, page: DiscoveryPage): readonly DiscoveryLink[] {
  return remembered(app.db, `discovery.links\u0000${page.static}\u0000${page.path}`, () =>
    Object.freeze([...webmentionLinks(app, page), ...websubLinks(app, page), ...indieAuthLinks(app, page)].map((link) => Object.freeze(link))),
  );
}

/** The links as one `Link` header value (RFC 8288), or null when there are none. */
export function linkHeader(links: readonly DiscoveryLink[]): string | null {
  if (links.length === 0) return null;
  return links.map((l) => `<${l.href}>; rel="${l.rel}"${l.type ? `; type="${l.type}"` : ''}`).join(', ');
}
