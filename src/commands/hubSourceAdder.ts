/**
 * Adding an external feed to a hub: a teacher for any member (or for the whole course), a student for their own
 * blog in a hub they joined. A feed address or a blog's page address works (the page's `<link rel=alternate>`
 * feed is found). The feed is fetched once, now, so a mistyped address is caught while the person is still
 * there, and its matching items arrive at once; after that the poller keeps it fresh. A teacher can also follow a
 * hashtag on a Mastodon-compatible server (its public tag feed): everything on the tag belongs to the hub, but posts
 * by accounts not marked as members' wait for approval (server/hubs/held.ts).
 */
import { and, eq } from 'drizzle-orm';
import { normaliseUrlKey } from '../core/feeds/parse.ts';
import { PotluckError, forbidden, invalid, issuesFromZod } from '../core/errors.ts';
import { sourceUrlSchema } from '../core/hubs/input.ts';
import { FediverseInputError, fediverseTagTitle, parseFediverseTag, type FediverseTag } from '../core/hubs/fediverse.ts';
import { nextAfterSuccess } from '../core/hubs/schedule.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubSources, hubTagSources, hubs, type HubSource } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { getHubById, hubAccess, hubPolicySubject, hubRoleOf } from '../server/hubs/access.ts';
import { authorize } from '../core/policy.ts';
import { fetchFeed, type FetchedFeed } from '../server/hubs/fetching.ts';
import { mergeSourceFeed, type MergeCounts } from '../server/hubs/poller.ts';
import { notifyHeldPosts } from '../server/hubs/held.ts';
import { subscribeIfAdvertised } from '../server/websub/subscriber.ts';
import type { SafeFetchOptions } from '../server/net/safeFetch.ts';

export interface AddHubSourceProps {
  /** null: the operator at a shell. */
  actor: Viewer | null;
  hubId: string;
  /** A feed's address or a blog page's (ignored when `tag` is given). */
  url?: string;
  /**
   * A hashtag on a Mastodon-compatible server instead (teachers only): a server and a tag, or a pasted tag address
   * (`https://SERVER/tags/TAG`, `#TAG@SERVER`) in either field. Form fields `tagServer` and `tagName` carry the errors.
   */
  tag?: { server?: string | null; tag?: string | null };
  /** Whose blog it is (a member's id); students may only name themselves, and do by default. */
  memberId?: string | null;
  /** Take every item, tagged or not. */
  matchAll?: boolean;
  /** Overrides for safeFetch (tests). */
  fetch?: Partial<SafeFetchOptions>;
}

/** The handle of this instance's portfolio an address points into, if it does. */
export function ownPortfolioHandle(app: AppContext, url: string): string | null {
  try {
    const target = new URL(url);
    if (target.origin !== new URL(app.config.siteUrl).origin) return null;
    return /^\/@([^/]+)/.exec(target.pathname)?.[1]?.toLowerCase() ?? null;
  } catch {
    return null;
  }
}

/** Who the source belongs to, after checking that the actor may add it. */
function resolveMember(app: AppContext, props: AddHubSourceProps, hubId: string): string | null {
  const hub = getHubById(app, hubId);
  const wanted = props.memberId || null;
  if (props.actor !== null) {
    const access = hubAccess(app, props.actor, hub);
    if (!access.canManage) {
      authorize(props.actor, 'addSource', hubPolicySubject(hub, access.role));
      if (wanted !== null && wanted !== props.actor.id) throw forbidden('You can add your own blog only; your teacher adds feeds for others.');
      if (props.matchAll) throw forbidden('Only teachers can make a feed count everything it posts; tag your course posts instead.');
      return props.actor.id;
    }
  }
  if (wanted !== null && !hubRoleOf(app, hubId, wanted)) {
    throw invalid([{ field: 'memberId', message: 'That person is not a member of this hub; add them as a member first.' }]);
  }
  return wanted;
}

/** The hashtag a teacher asked for, checked: who may follow one, and what they wrote. */
function resolveTag(app: AppContext, props: AddHubSourceProps): FediverseTag {
  if (props.actor !== null && !hubAccess(app, props.actor, getHubById(app, props.hubId)).canManage) {
    throw forbidden('Only the hub’s teachers can follow a hashtag: a public tag carries anyone’s posts.');
  }
  if (props.memberId) throw invalid([{ field: 'memberId', message: 'A hashtag belongs to the whole course; mark members’ accounts on the approval page instead.' }]);
  try {
    return parseFediverseTag(props.tag!);
  } catch (error) {
    if (error instanceof FediverseInputError) throw invalid([{ field: error.field === 'server' ? 'tagServer' : 'tagName', message: error.message }]);
    throw error;
  }
}

/** Adds the source, with the matching items of its first fetch; returns it with what was added (and held). */
export async function addHubSource(app: AppContext, props: AddHubSourceProps): Promise<{ source: HubSource; counts: MergeCounts & { held: number }; feedTitle: string }> {
  const tag = props.tag ? resolveTag(app, props) : null;
  const field = tag ? 'tagName' : 'url';
  const urlIssue = (message: string) => new PotluckError('VALIDATION', message, { issues: [{ field, message }] });
  const parsed = sourceUrlSchema.safeParse(tag ? tag.feedUrl : (props.url ?? ''));
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error).map((i) => ({ ...i, field })));
  resolveMember(app, props, props.hubId);
  const handle = ownPortfolioHandle(app, parsed.data);
  if (handle) {
    throw urlIssue(`That is @${handle}’s Potluck portfolio on this site: add @${handle} as a member instead, and their tagged work arrives without polling.`);
  }
  const duplicate = (urlKey: string) =>
    app.db.select({ id: hubSources.id }).from(hubSources).where(and(eq(hubSources.hubId, props.hubId), eq(hubSources.urlKey, urlKey))).get();
  const already = tag ? `This hub already follows #${tag.tag} on ${tag.server}.` : 'This hub already has that feed.';
  if (duplicate(normaliseUrlKey(parsed.data) ?? parsed.data)) throw urlIssue(already);

  const fetched = await fetchFeed(app, parsed.data, { discover: !tag, fetch: props.fetch });
  if (!fetched.ok) {
    throw urlIssue(tag && fetched.status === 404 ? `${tag.server} has no public page for #${tag.tag} (404): check the server and the tag, or the server may not publish tag feeds.` : fetched.message);
  }
  if (!('feed' in fetched)) throw urlIssue('The site answered "not modified" to a first request; try again.');
  const found = fetched as FetchedFeed;
  // Keep the address the feed answers at for good: after a permanent redirect, the new one.
  const feedUrl = found.permanentUrl;
  const urlKey = normaliseUrlKey(feedUrl) ?? feedUrl;

  const added = inTransaction(app, () => {
    // Checked again inside the transaction: the hub, membership and duplicates may have changed during the fetch.
    const memberId = resolveMember(app, props, props.hubId);
    if (duplicate(urlKey)) throw urlIssue(already);
    const hub = getHubById(app, props.hubId);
    const now = app.now();
    const source = app.db
      .insert(hubSources)
      .values({
        id: app.newId(),
        hubId: hub.id,
        memberId,
        addedBy: props.actor?.id ?? null,
        url: feedUrl,
        urlKey,
        pageUrl: found.discoveredFrom,
        siteUrl: found.feed.link ?? null,
        title: tag ? fediverseTagTitle(tag) : found.feed.title || new URL(feedUrl).hostname,
        matchAll: tag !== null || props.matchAll === true,
        etag: found.etag,
        lastModified: found.lastModified,
        nextFetchAt: nextAfterSuccess(now, hub.pollIntervalMinutes),
        lastFetchAt: now,
        lastSuccessAt: now,
        lastStatus: found.status,
        lastOutcome: 'updated',
        itemsFound: found.feed.items.length,
        createdAt: now,
      })
      .returning()
      .get();
    if (tag) app.db.insert(hubTagSources).values({ sourceId: source.id, hubId: hub.id, server: tag.server, tag: tag.tag }).run();
    const counts = mergeSourceFeed(app, hub, source, found.feed);
    if (counts.held) notifyHeldPosts(app, [hub.id], props.actor?.id ?? null);
    if (counts.added) app.db.update(hubs).set({ updatedAt: now }).where(eq(hubs.id, hub.id)).run();
    return { source, counts, feedTitle: found.feed.title };
  });
  // A feed that names a WebSub hub is subscribed to from the start (src/server/websub/subscriber.ts).
  await subscribeIfAdvertised(app, added.source, found.websub, props.fetch);
  return added;
}
