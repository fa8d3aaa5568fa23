/** Where Potluck's WebSub hub listens (its own module, so the feed builders can name it without the hub's code). */
import { joinUrl } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';

/** The hub endpoint's path. */
export const WEBSUB_HUB_PATH = '/websub';

/** Where subscribers send `hub.mode=subscribe|unsubscribe`. */
export function websubHubUrl(app: Pick<AppContext, 'config'>): string {
  return joinUrl(app.config.siteUrl, WEBSUB_HUB_PATH);
}
