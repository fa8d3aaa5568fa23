/** The WebSub links a page carries (see ./index.ts). */
import type { AppContext } from '../context.ts';
import type { DiscoveryLink, DiscoveryPage } from './index.ts';

export function websubLinks(_app: AppContext, _page: DiscoveryPage): DiscoveryLink[] {
  return [];
}
