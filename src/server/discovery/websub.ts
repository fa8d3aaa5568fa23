/**
 * The WebSub links a page carries (see ./index.ts): every live feed names Potluck's hub (`rel=hub`) and its own
 * address (`rel=self`, spelled as the feed writes it), so a reader can subscribe for pushed updates. Other pages,
 * and frozen copies for a static export (which have no hub), carry none.
 */
import { joinUrl } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { websubHubUrl } from '../websub/hubUrl.ts';
import { parseTopicPath, topicPathOf } from '../websub/topics.ts';
import type { DiscoveryLink, DiscoveryPage } from './index.ts';

export function websubLinks(app: AppContext, page: DiscoveryPage): DiscoveryLink[] {
  if (!app.config.websub || page.static) return [];
  const topic = parseTopicPath(page.path);
  if (!topic) return [];
  return [
    { rel: 'hub', href: websubHubUrl(app) },
    { rel: 'self', href: joinUrl(app.config.siteUrl, topicPathOf(topic)) },
  ];
}
