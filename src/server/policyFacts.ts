/**
 * The facts the policy (core/policy.ts) decides on, loaded from the database: one function per kind of subject.
 * Each loads only what its rule reads (a class-only piece asks about shared hubs; a public one does not).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Actor, Subject } from '../core/policy.ts';
import type { Visibility } from '../core/visibility.ts';
import type { AppContext } from './context.ts';
import { hubMembers, hubs, users, type Hub } from './db/schema.ts';
import { hubRoleOf } from './hubs/access.ts';
import { consentedMembership } from './hubs/enrolment.ts';
import { getPolicy } from './policy.ts';

type SubjectOf<T extends Subject['type']> = Extract<Subject, { type: T }>;

/**
 * Whether two people belong to a common hub (either as teacher or member), both by consented enrolment: a hub a
 * teacher added someone to alone (an invitation not accepted) makes nobody their "member".
 */
export function sharesHub(app: AppContext, a: string, b: string): boolean {
  if (a === b) return true;
  const row = app.db
    .select({ one: sql<number>`1` })
    .from(hubMembers)
    .where(
      and(
        eq(hubMembers.userId, a),
        consentedMembership(),
        inArray(
          hubMembers.hubId,
          app.db.select({ id: hubMembers.hubId }).from(hubMembers).where(and(eq(hubMembers.userId, b), consentedMembership())),
        ),
      ),
    )
    .get();
  return row !== undefined;
}


/** A piece of work (artifact, showcase, revision, media) as `actor` stands to it. */
export function workSubject(app: AppContext, actor: Actor | null, work: { ownerId: string; visibility: Visibility }): SubjectOf<'work'> {
  // Only class-only work asks whether the reader shares a hub (by consented enrolment) with its owner.
  const sharesClass = actor !== null && work.visibility === 'members' && actor.id !== work.ownerId && sharesHub(app, actor.id, work.ownerId);
  return { type: 'work', ownerId: work.ownerId, visibility: work.visibility, sharesClass };
}

/** A hub as `actor` stands to it (their consented role; an open invitation is none). */
export function hubSubject(app: AppContext, actor: Actor | null, hub: Pick<Hub, 'id' | 'ownerId' | 'visibility'>): SubjectOf<'hub'> {
  return { type: 'hub', ownerId: hub.ownerId, visibility: hub.visibility, standing: actor ? hubRoleOf(app, hub.id, actor.id) : null };
}

/** The school as a whole. */
export const schoolSubject: SubjectOf<'school'> = { type: 'school' };

/** Making an owner's work public: the school's consent rule and their recorded consent (read unless given). */
export function publicSharingSubject(app: AppContext, owner: string | { id: string; publicConsentAt: Date | null }): SubjectOf<'publicSharing'> {
  const row =
    typeof owner === 'string'
      ? { id: owner, publicConsentAt: app.db.select({ at: users.publicConsentAt }).from(users).where(eq(users.id, owner)).get()?.at ?? null }
      : owner;
  return { type: 'publicSharing', ownerId: row.id, publicRequiresConsent: getPolicy(app).publicRequiresConsent, consentedAt: row.publicConsentAt };
}

/** Another account. */
export function accountSubject(account: { id: string; role: Actor['role'] }): SubjectOf<'account'> {
  return { type: 'account', id: account.id, role: account.role };
}

/** A join code (to create or to revoke) as `actor` stands to its hub. */
export function joinCodeSubject(
  app: AppContext,
  actor: Actor | null,
  code: { role: Actor['role']; hubId: string | null; createdBy: string | null },
): SubjectOf<'joinCode'> {
  const teaches = actor !== null && code.hubId !== null && teachesHub(app, actor.id, code.hubId);
  return { type: 'joinCode', role: code.role, hubId: code.hubId, teachesHub: teaches, createdBy: code.createdBy };
}

/** Whether `userId` teaches `hubId`: owns it, or is a teacher member by consented enrolment. */
export function teachesHub(app: AppContext, userId: string, hubId: string): boolean {
  const hub = app.db.select({ ownerId: hubs.ownerId }).from(hubs).where(eq(hubs.id, hubId)).get();
  if (!hub) return false;
  return hub.ownerId === userId || hubRoleOf(app, hubId, userId) === 'teacher';
}
