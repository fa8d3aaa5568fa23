/**
 * The hubs a piece of work is in, for its page's "Also published on" list (u-syndication). Read live, like the
 * river, so it can never disagree with it: a re-tag, a new hub tag, a hide or a student leaving a hub shows at
 * once, and there are no rows to keep in step. Each viewer sees only hubs whose river shows them the piece: a
 * members-only hub is named to its members only.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { foldTag, foldedSet } from '../../core/hubs/matching.ts';
import { joinUrl } from '../../core/urls.ts';
import { hubShows, type HubStanding } from '../../core/policy.ts';
import type { Viewer } from '../../core/visibility.ts';
import type { AppContext } from '../context.ts';
import { remembered } from '../db/changes.ts';
import { prepared } from '../db/prepared.ts';
import { hubHides, hubMembers, hubs, type Artifact } from '../db/schema.ts';
import { consentedMembership } from './enrolment.ts';

/** Where a hub's river lives, absolute (hub links leave a static export for the live instance). */
export function hubUrl(app: AppContext, slug: string): string {
  return joinUrl(app.config.siteUrl, `/hubs/${slug}/`);
}

/** The hub's own page for one entry (a member's piece by its id, or an external item by its id), absolute. */
export function hubItemUrl(app: AppContext, slug: string, id: string): string {
  return joinUrl(app.config.siteUrl, `/hubs/${slug}/items/${id}`);
}

/**
 * The hubs whose river shows `artifact` to `viewer` (null: the public), as syndication links to the hub's page for
 * the piece (`/hubs/<slug>/items/<id>`), the copy in the hub.
 */
export function artifactHubSyndications(
  app: AppContext,
  viewer: Viewer | null,
  artifact: Pick<Artifact, 'id' | 'ownerId' | 'visibility' | 'tags'>,
): { url: string; name: string }[] {
  return hubsShowingArtifact(app, viewer, artifact).map((hub) => ({ url: hubItemUrl(app, hub.slug, artifact.id), name: hub.title }));
}

/** The hubs whose river shows `artifact` to `viewer` (null: the public). Three queries. */
export function hubsShowingArtifact(
  app: AppContext,
  viewer: Viewer | null,
  artifact: Pick<Artifact, 'id' | 'ownerId' | 'visibility' | 'tags'>,
): { id: string; slug: string; title: string; visibility: 'public' | 'members' }[] {
  if (artifact.visibility !== 'public' && artifact.visibility !== 'members') return [];
  // Prepared once: every public artifact page asks.
  const hubsOf = prepared(app.db, 'hubs.ofMember', (db) =>
    db
      .select({ id: hubs.id, slug: hubs.slug, title: hubs.title, tags: hubs.tags, visibility: hubs.visibility })
      .from(hubMembers)
      .innerJoin(hubs, eq(hubs.id, hubMembers.hubId))
      .where(and(eq(hubMembers.userId, sql.placeholder('user')), consentedMembership()))
      .orderBy(hubs.title)
      .prepare(),
  );
  // The same for every piece of one student (a static export asks for each of them): read once until the next write.
  const candidates = remembered(app.db, `hubs.ofMember\u0000${artifact.ownerId}`, () => {
    const rows = hubsOf.all({ user: artifact.ownerId });
    for (const row of rows) {
      Object.freeze(row.tags);
      Object.freeze(row);
    }
    return Object.freeze(rows);
  });
  const own = new Set(artifact.tags.map(foldTag));
  const matching = candidates.filter((hub) => {
    const tags = foldedSet(hub.tags);
    // Whether the hub shows it to anyone at all (its members, at most): the viewer's own standing is checked below.
    return [...own].some((t) => tags.has(t)) && hubShows(hub, 'student').includes(artifact.visibility);
  });
  if (matching.length === 0) return [];
  const ids = matching.map((h) => h.id);
  const hidden = new Set(
    app.db
      .select({ hubId: hubHides.hubId })
      .from(hubHides)
      .where(and(eq(hubHides.artifactId, artifact.id), inArray(hubHides.hubId, ids)))
      .all()
      .map((r) => r.hubId),
  );
  const membersHubs = matching.filter((h) => h.visibility === 'members').map((h) => h.id);
  const standing = new Map<string, HubStanding>(
    viewer && membersHubs.length
      ? app.db
          .select({ hubId: hubMembers.hubId, role: hubMembers.role })
          .from(hubMembers)
          .where(and(eq(hubMembers.userId, viewer.id), inArray(hubMembers.hubId, membersHubs), consentedMembership()))
          .all()
          .map((r) => [r.hubId, r.role])
      : [],
  );
  // Named only where this viewer's river of that hub shows the piece (core/policy `hubShows`).
  return matching
    .filter((hub) => !hidden.has(hub.id) && hubShows(hub, standing.get(hub.id) ?? null).includes(artifact.visibility))
    .filter((hub) => hub.visibility === 'public' || standing.has(hub.id))
    .map((hub) => ({ id: hub.id, slug: hub.slug, title: hub.title, visibility: hub.visibility }));
}
