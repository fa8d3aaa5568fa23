/** Join codes and the hubs they can point at, as the admin page, the teacher page and the CLI show them. */
import { and, asc, desc, eq, or, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { joinCodeState, type JoinCodeState } from '../core/accounts.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, hubs, joinCodes, users, type Role } from '../server/db/schema.ts';
import { consentedMembership } from '../server/hubs/enrolment.ts';
import { can } from '../core/policy.ts';
import { schoolSubject } from '../server/policyFacts.ts';

export interface JoinCodeSummary {
  code: string;
  role: Role;
  hub: { id: string; slug: string; title: string } | null;
  /** For a family (guardian) code: the student it links to. */
  student: { handle: string; name: string } | null;
  createdByHandle: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  maxUses: number | null;
  uses: number;
  state: JoinCodeState;
}

type Actor = Pick<SessionUser, 'id' | 'role'> | null;

/**
 * Codes the actor may manage (admins and the shell: all; teachers: the ones they issued), newest first.
 * Only usable ones unless `includeInactive`.
 */
export function listJoinCodes(app: AppContext, props: { actor: Actor; includeInactive?: boolean }): JoinCodeSummary[] {
  const { actor } = props;
  if (actor && !can(actor, 'teach', schoolSubject)) return [];
  const student = alias(users, 'student');
  const rows = app.db
    .select({
      code: joinCodes,
      hub: { id: hubs.id, slug: hubs.slug, title: hubs.title },
      createdByHandle: users.handle,
      studentHandle: student.handle,
      studentName: student.name,
    })
    .from(joinCodes)
    .leftJoin(hubs, eq(hubs.id, joinCodes.hubId))
    .leftJoin(users, eq(users.id, joinCodes.createdBy))
    .leftJoin(student, eq(student.id, joinCodes.studentId))
    // Teachers manage the codes they issued; admins (and the shell) every code.
    .where(actor && !can(actor, 'administer', schoolSubject) ? eq(joinCodes.createdBy, actor.id) : undefined)
    .orderBy(desc(joinCodes.createdAt))
    .all();
  const now = app.now();
  return rows
    .map(({ code, hub, createdByHandle, studentHandle, studentName }) => ({
      code: code.code,
      role: code.role,
      hub: hub && hub.id ? hub : null,
      student: studentHandle && studentName ? { handle: studentHandle, name: studentName } : null,
      createdByHandle,
      createdAt: code.createdAt,
      expiresAt: code.expiresAt,
      maxUses: code.maxUses,
      uses: code.uses,
      state: joinCodeState(code, now),
    }))
    .filter((c) => props.includeInactive || c.state === 'active');
}

/** Hubs a join code from this actor may point at: every hub for admins, the hubs they teach for teachers. */
export function joinCodeHubChoices(app: AppContext, actor: Actor): { id: string; slug: string; title: string }[] {
  const columns = { id: hubs.id, slug: hubs.slug, title: hubs.title };
  if (actor === null || can(actor, 'administer', schoolSubject)) return app.db.select(columns).from(hubs).orderBy(asc(hubs.title)).all();
  if (!can(actor, 'teach', schoolSubject)) return [];
  const taught = app.db
    .select({ id: hubMembers.hubId })
    .from(hubMembers)
    .where(and(eq(hubMembers.userId, actor.id), eq(hubMembers.role, 'teacher'), consentedMembership()));
  return app.db
    .select(columns)
    .from(hubs)
    .where(or(eq(hubs.ownerId, actor.id), inArray(hubs.id, taught)))
    .orderBy(asc(hubs.title))
    .all();
}
