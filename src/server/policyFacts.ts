/**
 * The facts the policy (core/policy.ts) decides on, loaded from the database: one function per kind of subject.
 * Each loads only what its rule reads (a class-only piece asks about shared hubs; a public one does not).
 */
import { and, eq, sql } from 'drizzle-orm';
import { can, type Actor, type Subject } from '../core/policy.ts';
import type { Visibility } from '../core/visibility.ts';
import type { AppContext } from './context.ts';
import { remembered } from './db/changes.ts';
import { prepared } from './db/prepared.ts';
import { feedbackReviewers, guardianLinks, hubMembers, hubs, users, type Hub } from './db/schema.ts';
import { isGuardianOf } from './families/guardians.ts';
import { hubRoleOf } from './hubs/access.ts';
import { consentedMembership } from './hubs/enrolment.ts';
import { getPolicy } from './policy.ts';

type SubjectOf<T extends Subject['type']> = Extract<Subject, { type: T }>;

/**
 * Whether two people belong to a common hub (either as teacher or member), both by consented enrolment: a hub a
 * teacher added someone to alone (an invitation not accepted) makes nobody their "member". A guardian and their
 * child count too (in either order): class-only work is for the student's class and family (DESIGN.md).
 */
export function sharesHub(app: AppContext, a: string, b: string): boolean {
  if (a === b) return true;
  // Remembered until the database changes: a hub page asks it for every entry (db/changes.ts).
  return remembered(app.db, `sharesHub\u0000${a}\u0000${b}`, () => sharesHubNow(app, a, b));
}

function sharesHubNow(app: AppContext, a: string, b: string): boolean {
  // One query: portfolio pages ask it for every signed-in reader.
  const row = app.db.get<{ shares: number }>(sql`
    select exists (
      select 1 from ${guardianLinks}
      where (${guardianLinks.guardianId} = ${a} and ${guardianLinks.studentId} = ${b})
         or (${guardianLinks.guardianId} = ${b} and ${guardianLinks.studentId} = ${a})
    ) or exists (
      select 1 from ${hubMembers}
      where ${hubMembers.userId} = ${a} and ${consentedMembership()}
        and ${hubMembers.hubId} in (select ${hubMembers.hubId} from ${hubMembers} where ${hubMembers.userId} = ${b} and ${consentedMembership()})
    ) as shares`);
  return Boolean(row?.shares);
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
  code: { role: Actor['role']; hubId: string | null; createdBy: string | null; studentId?: string | null },
): SubjectOf<'joinCode'> {
  const teaches = actor !== null && code.hubId !== null && teachesHub(app, actor.id, code.hubId);
  const teachesStudent = actor !== null && code.studentId != null && teachesStudentOf(app, actor.id, code.studentId);
  return { type: 'joinCode', role: code.role, hubId: code.hubId, teachesHub: teaches, createdBy: code.createdBy, teachesStudent };
}

/**
 * Whether `teacherId` teaches `studentId`: both are in one hub by consent, the teacher as its owner or a teacher
 * member and the student as a student member.
 */
export function teachesStudentOf(app: AppContext, teacherId: string, studentId: string): boolean {
  if (teacherId === studentId) return false;
  return remembered(app.db, `teachesStudentOf\u0000${teacherId}\u0000${studentId}`, () => teachesStudentOfNow(app, teacherId, studentId));
}

function teachesStudentOfNow(app: AppContext, teacherId: string, studentId: string): boolean {
  const taught = app.db
    .select({ hubId: hubMembers.hubId })
    .from(hubMembers)
    .where(and(eq(hubMembers.userId, studentId), eq(hubMembers.role, 'student'), consentedMembership()))
    .all()
    .map((r) => r.hubId);
  return taught.some((hubId) => teachesHub(app, teacherId, hubId));
}

/** The feedback thread on `work` (an artifact) as `actor` stands to it. */
export function feedbackSubject(
  app: AppContext,
  actor: Actor | null,
  work: { id: string; ownerId: string; visibility: Visibility },
): SubjectOf<'feedback'> {
  const policy = getPolicy(app);
  const base = { type: 'feedback' as const, ownerId: work.ownerId, guardiansSeeFeedback: policy.guardiansSeeFeedback, peerReview: policy.peerReview };
  if (actor === null || actor.id === work.ownerId) {
    return { ...base, readsWork: actor !== null, teaches: false, reviewer: false, guardian: false };
  }
  const readsWork = can(actor, 'read', workSubject(app, actor, work));
  const reviewer = policy.peerReview && isReviewerOf(app, actor.id, work.id);
  return {
    ...base,
    readsWork,
    teaches: actor.role !== 'guardian' && teachesStudentOf(app, actor.id, work.ownerId),
    reviewer,
    guardian: actor.role === 'guardian' && isGuardianOf(app, actor.id, work.ownerId),
  };
}

/** Whether `userId` was invited to review the piece `artifactId`. */
function isReviewerOf(app: AppContext, userId: string, artifactId: string): boolean {
  const statement = prepared(app.db, 'policyFacts.isReviewer', (db) =>
    db
      .select({ one: sql<number>`1` })
      .from(feedbackReviewers)
      .where(and(eq(feedbackReviewers.artifactId, sql.placeholder('artifact')), eq(feedbackReviewers.userId, sql.placeholder('user'))))
      .prepare(),
  );
  return statement.get({ artifact: artifactId, user: userId }) !== undefined;
}

/** Whether `userId` teaches `hubId`: owns it, or is a teacher member by consented enrolment. */
export function teachesHub(app: AppContext, userId: string, hubId: string): boolean {
  const hub = app.db.select({ ownerId: hubs.ownerId }).from(hubs).where(eq(hubs.id, hubId)).get();
  if (!hub) return false;
  return hub.ownerId === userId || hubRoleOf(app, hubId, userId) === 'teacher';
}
