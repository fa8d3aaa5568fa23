/**
 * A hub's sources as OPML 2.0 (`/hubs/<slug>/members.opml`, `potluck hub opml export`): every external feed, and
 * the portfolio feed of each member. Categories keep what a re-import needs (whose blog it is, whether it counts
 * everything it posts), so exporting from one hub and importing into another loses nothing. People who are not
 * members of the hub see only the portfolios of members whose public work is in it: membership of a class is
 * not announced for students who have shown nothing publicly.
 */
import { eq } from 'drizzle-orm';
import { serializeOpml, type OpmlSource } from '../../core/feeds/opml.ts';
import { joinUrl, sitePaths } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { hubSources, users, type Hub } from '../db/schema.ts';
import { listContributions, listHubPeople } from './contributions.ts';

/** Category marking the member a feed belongs to: `/potluck/member/<handle>`. */
export const OPML_MEMBER_PREFIX = '/potluck/member/';
/** Category marking a feed whose every item belongs to the hub. */
export const OPML_EVERYTHING = '/potluck/everything';

/** The hub's sources as OPML text; `fullMembership` lists every member's portfolio (members and teachers). */
export function exportHubOpml(app: AppContext, props: { hub: Hub; fullMembership: boolean }): string {
  const { hub } = props;
  const site = (path: string) => joinUrl(app.config.siteUrl, path);
  const feeds = app.db
    .select({ source: hubSources, handle: users.handle })
    .from(hubSources)
    .leftJoin(users, eq(users.id, hubSources.memberId))
    .where(eq(hubSources.hubId, hub.id))
    .orderBy(hubSources.title, hubSources.url)
    .all();
  const people = listHubPeople(app, hub.id);
  const shown = props.fullMembership
    ? people
    : (() => {
        const authors = new Set(listContributions(app, hub, 'public').filter((c) => c.kind === 'artifact' && !c.hidden).map((c) => c.authorId));
        return people.filter((p) => authors.has(p.id));
      })();
  const sources: OpmlSource[] = [
    ...shown.map((p) => ({
      title: `${p.name} (@${p.handle})`,
      xmlUrl: site(sitePaths.feed(p.handle, 'xml')),
      htmlUrl: site(sitePaths.portfolio(p.handle)),
      categories: [`${OPML_MEMBER_PREFIX}${p.handle}`],
      folder: 'Potluck portfolios',
    })),
    ...feeds
      .filter(({ source }) => props.fullMembership || !source.memberId || shown.some((p) => p.id === source.memberId))
      .map(({ source, handle }) => ({
        title: source.title || source.url,
        xmlUrl: source.url,
        ...(source.siteUrl ? { htmlUrl: source.siteUrl } : {}),
        categories: [...(handle ? [`${OPML_MEMBER_PREFIX}${handle}`] : []), ...(source.matchAll ? [OPML_EVERYTHING] : [])],
        folder: 'External feeds',
      })),
  ];
  return serializeOpml({ title: `${hub.title}: sources`, dateCreated: hub.updatedAt ?? hub.createdAt, sources });
}
