/**
 * How a viewer stands to a hub, from the database; the rules themselves (who sees it, who manages it, which
 * visibilities its river shows) are core/policy.ts's. Teachers of the hub (its owner, teacher members) and admins
 * manage it; nobody manages a student's work through it.
 */
import { and, eq } from 'drizzle-orm';
import { notFound } from '../../core/errors.ts';
import { authorize, can, hubShows, type Subject } from '../../core/policy.ts';
import type { Viewer } from '../../core/visibility.ts';
import type { AppContext } from '../context.ts';
import { hubMembers, hubs, type Hub } from '../db/schema.ts';
import type { HubEnrolment } from '../../core/policy.ts';
import { consentedMembership } from './enrolment.ts';

/** A hub member's role, or null for everyone else. */
export type HubRole = 'teacher' | 'student' | null;

/** How one viewer stands to one hub. */
export interface HubAccess {
  hub: Hub;
  role: HubRole;
  /** Teacher of the hub (owner or teacher member) or an admin: settings, members, sources, hiding, progress. */
  canManage: boolean;
  /** Its owner or an admin: deleting it when the course is over. */
  canDelete: boolean;
  /** Which work the river shows this viewer: public only, or public and members. */
  scope: 'public' | 'members';
}

/** A hub by slug, or null. */
export function findHub(app: AppContext, slug: string): Hub | null {
  return app.db.select().from(hubs).where(eq(hubs.slug, slug.trim().toLowerCase())).get() ?? null;
}

/** A viewer's membership role in a hub (null when not a member, or only invited: an invitation grants nothing). */
export function hubRoleOf(app: AppContext, hubId: string, userId: string): HubRole {
  const row = app.db
    .select({ role: hubMembers.role })
    .from(hubMembers)
    .where(and(eq(hubMembers.hubId, hubId), eq(hubMembers.userId, userId), consentedMembership()))
    .get();
  return row?.role ?? null;
}

/** Someone's row in a hub, whatever its enrolment (open invitations included), or null. */
export function membershipOf(app: AppContext, hubId: string, userId: string): { role: 'teacher' | 'student'; enrolment: HubEnrolment } | null {
  return (
    app.db
      .select({ role: hubMembers.role, enrolment: hubMembers.enrolment })
      .from(hubMembers)
      .where(and(eq(hubMembers.hubId, hubId), eq(hubMembers.userId, userId)))
      .get() ?? null
  );
}

/** The policy's subject for `hub` as a viewer with `role` in it stands to it. */
export function hubPolicySubject(hub: Hub, role: HubRole): Extract<Subject, { type: 'hub' }> {
  return { type: 'hub', ownerId: hub.ownerId, visibility: hub.visibility, standing: role };
}

/** How `viewer` (null: the public) stands to `hub`. */
export function hubAccess(app: AppContext, viewer: Viewer | null, hub: Hub): HubAccess {
  const role = viewer ? hubRoleOf(app, hub.id, viewer.id) : null;
  const subject = hubPolicySubject(hub, role);
  const scope = hubShows(hub, role).includes('members') ? 'members' : 'public';
  return { hub, role, canManage: can(viewer, 'manage', subject), canDelete: can(viewer, 'delete', subject), scope };
}

/** Which river a viewer reads: the plain one, or the members' view its teachers may ask for (`?view=members`). */
export interface RiverView {
  /** The members' view shows this viewer more than the river does (a public hub, to its teachers): offer it. */
  offered: boolean;
  /** They asked for it and may have it. */
  members: boolean;
  /** Which work the river they read shows. */
  scope: 'public' | 'members';
}

/** The river `access`'s viewer reads when they ask for `requested` (core/policy `hubShows`, river or members). */
export function riverView(access: HubAccess, requested: string | null | undefined): RiverView {
  const wider = hubShows(access.hub, access.role, 'members');
  const offered = wider.length > hubShows(access.hub, access.role, 'river').length;
  const members = offered && requested === 'members';
  return { offered, members, scope: members && wider.includes('members') ? 'members' : access.scope };
}

/** Whether the viewer may open the hub's pages (river, feeds, OPML). */
export function canSeeHub(access: HubAccess, viewer: Viewer | null = null): boolean {
  return access.canManage || can(viewer, 'read', hubPolicySubject(access.hub, access.role));
}

/**
 * The hub at `slug` as this viewer may see it; the same 404 for "no such hub" and "members only", so that the
 * names of members-only hubs cannot be probed.
 */
export function readHub(app: AppContext, viewer: Viewer | null, slug: string): HubAccess {
  const hub = findHub(app, slug);
  if (!hub) throw notFound('That hub');
  const access = hubAccess(app, viewer, hub);
  if (!canSeeHub(access, viewer)) throw notFound('That hub');
  return access;
}

/** The hub at `slug` for a teacher's page or command; 403 for members who do not teach it, 404 for others. */
export function manageHub(app: AppContext, viewer: Viewer | null, slug: string): HubAccess {
  const access = readHub(app, viewer, slug);
  authorize(viewer, 'manage', hubPolicySubject(access.hub, access.role));
  return access;
}

/**
 * For commands: the actor (null: the operator at a shell, who may do anything) must teach the hub or be an admin.
 * Members who do not teach get a 403 that says what they can do instead; everyone else the hub's 404.
 */
export function assertCanManage(app: AppContext, actor: Viewer | null, hub: Hub): void {
  if (actor === null) return;
  authorize(actor, 'manage', hubPolicySubject(hub, hubRoleOf(app, hub.id, actor.id)));
}

/** A hub by id, or the 404 commands answer. */
export function getHubById(app: AppContext, hubId: string): Hub {
  const hub = app.db.select().from(hubs).where(eq(hubs.id, hubId)).get();
  if (!hub) throw notFound('That hub');
  return hub;
}

/** The ids of a hub's members (for marking their portfolios changed). */
export function hubMemberIds(app: AppContext, hubId: string): string[] {
  return app.db.select({ id: hubMembers.userId }).from(hubMembers).where(eq(hubMembers.hubId, hubId)).all().map((r) => r.id);
}
