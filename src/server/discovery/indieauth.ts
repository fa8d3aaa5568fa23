/**
 * The IndieAuth and Micropub links a page carries (see ./index.ts): a portfolio's pages name Potluck as the
 * authorization server of the member whose address it is (the metadata endpoint, and the older
 * authorization_endpoint and token_endpoint relations for clients that predate it) and the Micropub endpoint. A
 * static copy on another host carries none: its address is not the member's Potluck profile.
 */
import type { AppContext } from '../context.ts';
import { indieAuthUrls } from '../indieauth/urls.ts';
import type { DiscoveryLink, DiscoveryPage } from './index.ts';

export function indieAuthLinks(app: AppContext, page: DiscoveryPage): DiscoveryLink[] {
  if (page.static || !/^\/@[a-z0-9][a-z0-9-]{0,39}(\/|$)/i.test(page.path)) return [];
  const urls = indieAuthUrls(app);
  return [
    { rel: 'indieauth-metadata', href: urls.metadata },
    { rel: 'authorization_endpoint', href: urls.authorization },
    { rel: 'token_endpoint', href: urls.token },
    { rel: 'micropub', href: urls.micropub },
  ];
}
