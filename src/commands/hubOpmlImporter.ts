/**
 * Importing a class's list of blogs from OPML (a feed reader's export, the FeedWordPress site a course used
 * before, another hub's members.opml) instead of adding thirty feeds by hand. Nothing is fetched here: the feeds
 * are added as sources due at once, and the next poll (or "poll now") reads them, each failure shown per feed on
 * the health view. Feeds already in the hub, and this site's own portfolios, are skipped with the reason.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { normaliseUrlKey } from '../core/feeds/parse.ts';
import { parseOpml, type OpmlSkipped } from '../core/feeds/opml.ts';
import { PotluckError } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, hubSources, users } from '../server/db/schema.ts';
import { consentedMembership } from '../server/hubs/enrolment.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertCanManage, getHubById } from '../server/hubs/access.ts';
import { OPML_EVERYTHING, OPML_MEMBER_PREFIX } from '../server/hubs/opml.ts';
import { ownPortfolioHandle } from './hubSourceAdder.ts';

/** Most feeds one import adds (a class, not a directory of the web). */
export const MAX_OPML_SOURCES = 1000;

/** What an import did. */
export interface OpmlImportResult {
  added: number;
  skipped: OpmlSkipped[];
}

/** Adds the feeds of an OPML document to a hub. */
export function importHubOpml(app: AppContext, props: { actor: Viewer | null; hubId: string; opml: string | Uint8Array }): OpmlImportResult {
  const parsed = parseOpml(props.opml);
  if (!parsed.ok) throw new PotluckError('VALIDATION', parsed.message, { issues: [{ field: 'opml', message: parsed.message }] });
  const { sources } = parsed.opml;
  if (sources.length === 0) {
    const message = 'This OPML file lists no feeds (no outline has an xmlUrl). Export the subscriptions themselves from your feed reader.';
    throw new PotluckError('VALIDATION', message, { issues: [{ field: 'opml', message }] });
  }
  if (sources.length > MAX_OPML_SOURCES) {
    const message = `This OPML file lists ${sources.length} feeds; a hub imports at most ${MAX_OPML_SOURCES} at once.`;
    throw new PotluckError('VALIDATION', message, { issues: [{ field: 'opml', message }] });
  }
  return inTransaction(app, () => {
    const hub = getHubById(app, props.hubId);
    assertCanManage(app, props.actor, hub);
    const skipped = [...parsed.opml.skipped];
    const members = new Map(
      app.db
        .select({ id: users.id, handle: users.handle })
        .from(hubMembers)
        .innerJoin(users, eq(users.id, hubMembers.userId))
        .where(and(eq(hubMembers.hubId, hub.id), consentedMembership()))
        .all()
        .map((m) => [m.handle, m.id]),
    );
    const keys = sources.map((s) => normaliseUrlKey(s.xmlUrl) ?? s.xmlUrl);
    const existing = new Set(
      app.db
        .select({ urlKey: hubSources.urlKey })
        .from(hubSources)
        .where(and(eq(hubSources.hubId, hub.id), inArray(hubSources.urlKey, keys)))
        .all()
        .map((r) => r.urlKey),
    );
    const now = app.now();
    let added = 0;
    sources.forEach((source, i) => {
      const label = source.title || source.xmlUrl;
      const handle = ownPortfolioHandle(app, source.xmlUrl);
      if (handle) {
        skipped.push({
          text: label,
          reason: members.has(handle)
            ? `@${handle} is a member: their tagged Potluck work arrives without polling.`
            : `This is @${handle}’s Potluck portfolio on this site: add @${handle} as a member instead.`,
        });
        return;
      }
      if (existing.has(keys[i]!)) {
        skipped.push({ text: label, reason: 'This hub already has this feed.' });
        return;
      }
      existing.add(keys[i]!);
      const memberHandle = source.categories.find((c) => c.startsWith(OPML_MEMBER_PREFIX))?.slice(OPML_MEMBER_PREFIX.length).toLowerCase();
      app.db
        .insert(hubSources)
        .values({
          id: app.newId(),
          hubId: hub.id,
          memberId: memberHandle ? (members.get(memberHandle) ?? null) : null,
          addedBy: props.actor?.id ?? null,
          url: source.xmlUrl,
          urlKey: keys[i]!,
          siteUrl: source.htmlUrl ?? null,
          title: source.title === source.xmlUrl ? '' : source.title,
          matchAll: source.categories.includes(OPML_EVERYTHING),
          nextFetchAt: now,
          createdAt: now,
        })
        .run();
      added++;
    });
    return { added, skipped };
  });
}
