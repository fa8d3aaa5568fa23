/**
 * The lists the hub pages and the CLI show besides the river: hubs for a person, members, sources with their
 * health, hidden entries. Each a fixed number of queries.
 */
import { and, asc, count, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { HubEnrolment } from '../../core/policy.ts';
import type { Viewer } from '../../core/visibility.ts';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { artifacts, hubHides, hubItems, hubMembers, hubSources, hubs, users, type Hub, type HubHide, type HubSource } from '../db/schema.ts';
import { canReadArtifact } from '../access.ts';
import { hubAccess, type HubAccess } from './access.ts';
import { can } from '../../core/policy.ts';
import { schoolSubject } from '../policyFacts.ts';
import { consentedMembership } from './enrolment.ts';
import { attentionCounts } from './poller.ts';

/** A hub in a list, with how the viewer stands to it. */
export interface HubListing {
  access: HubAccess;
  members: number;
  /** Feeds that need the teacher (flagged or stopped); counted for those who manage the hub. */
  attention: number;
}

/** The hubs a person belongs to (all hubs for an admin), then the public hubs they do not; by title. */
export function listHubsFor(app: AppContext, viewer: Viewer | null): HubListing[] {
  const mine = viewer
    ? app.db.select({ hubId: hubMembers.hubId }).from(hubMembers).where(and(eq(hubMembers.userId, viewer.id), consentedMembership())).all().map((r) => r.hubId)
    : [];
  const rows = app.db
    .select()
    .from(hubs)
    .where(can(viewer, 'administer', schoolSubject) ? undefined : or(eq(hubs.visibility, 'public'), mine.length ? inArray(hubs.id, mine) : sql`false`))
    .orderBy(asc(hubs.title))
    .all();
  const counts = new Map(
    rows.length
      ? app.db
          .select({ hubId: hubMembers.hubId, n: count() })
          .from(hubMembers)
          .where(and(inArray(hubMembers.hubId, rows.map((h) => h.id)), consentedMembership()))
          .groupBy(hubMembers.hubId)
          .all()
          .map((r) => [r.hubId, r.n])
      : [],
  );
  const listings = rows.map((hub) => ({ access: hubAccess(app, viewer, hub), members: counts.get(hub.id) ?? 0, attention: 0 }));
  const managed = listings.filter((l) => l.access.canManage).map((l) => l.access.hub.id);
  const attention = attentionCounts(app, managed);
  for (const l of listings) l.attention = attention.get(l.access.hub.id) ?? 0;
  return listings.sort((a, b) => Number(b.access.role !== null) - Number(a.access.role !== null));
}

/** A member as the members page lists them. */
export interface MemberListing {
  id: string;
  handle: string;
  name: string;
  role: 'teacher' | 'student';
  joinedAt: Date;
  /** How they came in; `invited` means they have not accepted yet, and nothing of theirs is shown to the hub. */
  enrolment: HubEnrolment;
  disabled: boolean;
  isOwner: boolean;
  feeds: number;
}

/** The hub's members and open invitations, teachers first, then by name. */
export function listMembers(app: AppContext, hub: Hub): MemberListing[] {
  const feeds = new Map(
    app.db
      .select({ memberId: hubSources.memberId, n: count() })
      .from(hubSources)
      .where(eq(hubSources.hubId, hub.id))
      .groupBy(hubSources.memberId)
      .all()
      .map((r) => [r.memberId, r.n]),
  );
  return app.db
    .select({ id: users.id, handle: users.handle, name: users.name, role: hubMembers.role, joinedAt: hubMembers.joinedAt, enrolment: hubMembers.enrolment, disabledAt: users.disabledAt })
    .from(hubMembers)
    .innerJoin(users, eq(users.id, hubMembers.userId))
    .where(eq(hubMembers.hubId, hub.id))
    .orderBy(desc(hubMembers.role), asc(users.name))
    .all()
    .map((m) => ({ id: m.id, handle: m.handle, name: m.name, role: m.role, joinedAt: m.joinedAt, enrolment: m.enrolment, disabled: m.disabledAt !== null, isOwner: hub.ownerId === m.id, feeds: feeds.get(m.id) ?? 0 }));
}

/** A source with its health, as the sources page shows it. */
export interface SourceListing {
  source: HubSource;
  member: { id: string; handle: string; name: string } | null;
  /** Items of this feed in the hub now. */
  items: number;
  health: 'ok' | 'new' | 'failing' | 'flagged' | 'stopped';
}

/** Sources of a hub (only one member's when `memberId` is given), those needing attention first. */
export function listSources(app: AppContext, hubId: string, options: { memberId?: string } = {}): SourceListing[] {
  const items = new Map(
    app.db
      .select({ sourceId: hubItems.sourceId, n: count() })
      .from(hubItems)
      .where(eq(hubItems.hubId, hubId))
      .groupBy(hubItems.sourceId)
      .all()
      .map((r) => [r.sourceId, r.n]),
  );
  const rows = app.db
    .select({ source: hubSources, memberHandle: users.handle, memberName: users.name })
    .from(hubSources)
    .leftJoin(users, eq(users.id, hubSources.memberId))
    .where(and(eq(hubSources.hubId, hubId), options.memberId ? eq(hubSources.memberId, options.memberId) : undefined))
    .orderBy(asc(hubSources.title), asc(hubSources.url))
    .all();
  const rank = { stopped: 0, flagged: 1, failing: 2, new: 3, ok: 4 } as const;
  return rows
    .map(({ source, memberHandle, memberName }) => ({
      source,
      member: source.memberId && memberHandle ? { id: source.memberId, handle: memberHandle, name: memberName ?? memberHandle } : null,
      items: items.get(source.id) ?? 0,
      health: source.stoppedAt
        ? ('stopped' as const)
        : source.flaggedAt
          ? ('flagged' as const)
          : source.consecutiveFailures > 0
            ? ('failing' as const)
            : source.lastFetchAt === null
              ? ('new' as const)
              : ('ok' as const),
    }))
    .sort((a, b) => rank[a.health] - rank[b.health]);
}

/** The hub's hidden entries, newest hide first. */
export function listHides(app: AppContext, hubId: string, viewer: Viewer): (HubHide & { hiddenByHandle: string | null; readable: boolean })[] {
  return app.db
    .select({ hide: hubHides, handle: users.handle, ownerId: artifacts.ownerId, visibility: artifacts.visibility })
    .from(hubHides)
    .leftJoin(users, eq(users.id, hubHides.hiddenBy))
    .leftJoin(artifacts, eq(artifacts.id, hubHides.artifactId))
    .where(eq(hubHides.hubId, hubId))
    .orderBy(desc(hubHides.hiddenAt))
    .all()
    .map((r) => {
      // A piece's title as it was hidden is shown only to someone who may read the piece today (an admin who is not
      // in the class, or a piece made private since, shows none).
      const readable = r.ownerId === null || r.visibility === null || canReadArtifact(app, viewer, { ownerId: r.ownerId, visibility: r.visibility });
      return { ...r.hide, title: readable ? r.hide.title : '', hiddenByHandle: r.handle, readable };
    });
}

/** Sources still waiting for their first fetch (added by OPML import). */
export function countUnfetched(app: AppContext, hubId: string): number {
  return app.db.select({ n: count() }).from(hubSources).where(and(eq(hubSources.hubId, hubId), isNull(hubSources.lastFetchAt))).get()?.n ?? 0;
}

/** An open invitation to a hub, as the invitee's workspace shows it. */
export interface HubInvitation {
  hub: { id: string; slug: string; title: string };
  role: 'teacher' | 'student';
  invitedAt: Date;
  /** Who runs the hub (its owner), so the invitee knows who asks. */
  owner: { handle: string; name: string } | null;
}

/** The invitations `userId` has not answered yet, newest first. */
export function listHubInvitations(app: AppContext, userId: string): HubInvitation[] {
  // On every workspace page: built once per database.
  const statement = prepared(app.db, 'hubs.invitations', (db) =>
    db
      .select({ id: hubs.id, slug: hubs.slug, title: hubs.title, role: hubMembers.role, invitedAt: hubMembers.joinedAt, ownerHandle: users.handle, ownerName: users.name })
      .from(hubMembers)
      .innerJoin(hubs, eq(hubs.id, hubMembers.hubId))
      .leftJoin(users, eq(users.id, hubs.ownerId))
      .where(and(eq(hubMembers.userId, sql.placeholder('user')), eq(hubMembers.enrolment, 'invited')))
      .orderBy(desc(hubMembers.joinedAt))
      .prepare(),
  );
  return statement
    .all({ user: userId })
    .map((r) => ({
      hub: { id: r.id, slug: r.slug, title: r.title },
      role: r.role,
      invitedAt: r.invitedAt,
      owner: r.ownerHandle ? { handle: r.ownerHandle, name: r.ownerName ?? r.ownerHandle } : null,
    }));
}
