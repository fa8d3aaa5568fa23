/**
 * A hub's sources as OPML 2.0 (`/hubs/<slug>/members.opml`, `potluck hub opml export`): every external feed, and
 * each member's feed of the hub's tags: their tag feed (`/@handle/tags/<tag>/feed.xml`) for each of the hub's tags,
 * so a reader subscribed to the list gets what the hub gathers and not everything else the student writes. A
 * member who spells a hub tag their own way (`Café` for the hub's `cafe`: the hub matches either) gets the feed of
 * their spelling too, since a tag feed matches its tag exactly. Categories keep what a re-import needs (whose blog it is, whether it counts
 * everything it posts), so exporting from one hub and importing into another loses nothing. People who are not
 * members of the hub see only the portfolios of members whose public work is in it: membership of a class is
 * not announced for students who have shown nothing publicly.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { foldTag, foldedSet } from '../../core/hubs/matching.ts';
import { normalizeTag } from '../../core/markdown/hashtags.ts';
import { listedVisibilities } from '../../core/visibility.ts';
import { serializeOpml, type OpmlSource } from '../../core/feeds/opml.ts';
import { joinUrl, sitePaths } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { artifactTags, artifacts, hubSources, users, type Hub } from '../db/schema.ts';
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
  const tagsOf = memberTagFeeds(app, hub, shown.map((p) => p.id));
  const sources: OpmlSource[] = [
    ...shown.flatMap((p) =>
      (tagsOf.get(p.id) ?? []).map((tag, _, all) => ({
        // A member with one feed here is named as themselves; with several, each feed says its tag.
        title: all.length > 1 ? `${p.name} (@${p.handle}): #${tag}` : `${p.name} (@${p.handle})`,
        xmlUrl: site(sitePaths.tagFeed(p.handle, tag, 'xml')),
        htmlUrl: site(sitePaths.tag(p.handle, tag)),
        categories: [`${OPML_MEMBER_PREFIX}${p.handle}`],
        folder: 'Potluck portfolios',
      })),
    ),
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

/**
 * For each member, the tags whose feeds carry their work in this hub: the hub's own tags (as tag addresses write
 * them), then any other spelling of them on the member's public work. Only public work is looked at, so the list
 * says nothing about class-only or private pieces. One query.
 */
function memberTagFeeds(app: AppContext, hub: Hub, memberIds: string[]): Map<string, string[]> {
  const hubTags = [...new Set(hub.tags.map((t) => normalizeTag(t)).flatMap((r) => (r.ok ? [r.tag] : [])))];
  const wanted = foldedSet(hub.tags);
  const out = new Map(memberIds.map((id) => [id, [...hubTags]]));
  if (memberIds.length === 0) return out;
  const spelled = app.db
    .selectDistinct({ ownerId: artifacts.ownerId, tag: artifactTags.tag })
    .from(artifactTags)
    .innerJoin(artifacts, eq(artifacts.id, artifactTags.artifactId))
    .where(and(inArray(artifacts.ownerId, memberIds), inArray(artifacts.visibility, listedVisibilities('public'))))
    .orderBy(artifactTags.tag)
    .all();
  for (const { ownerId, tag } of spelled) {
    const tags = out.get(ownerId)!;
    if (wanted.has(foldTag(tag)) && !tags.includes(tag)) tags.push(tag);
  }
  return out;
}
