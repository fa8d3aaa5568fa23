/**
 * Families: the links between guardians and students (table guardian_links). A guardian reads their child's public
 * and class-only work (policyFacts.sharesHub counts the link) and, where the school allows, its feedback; nothing of
 * any other child.
 */
import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { recordAudit } from '../audit/auditLog.ts';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { guardianLinks, users } from '../db/schema.ts';
import { sql } from 'drizzle-orm';

/** Whether `guardianId` is a guardian of `studentId`. */
export function isGuardianOf(app: AppContext, guardianId: string, studentId: string): boolean {
  const statement = prepared(app.db, 'families.isGuardianOf', (db) =>
    db
      .select({ one: sql<number>`1` })
      .from(guardianLinks)
      .where(and(eq(guardianLinks.guardianId, sql.placeholder('guardian')), eq(guardianLinks.studentId, sql.placeholder('student'))))
      .prepare(),
  );
  return statement.get({ guardian: guardianId, student: studentId }) !== undefined;
}

export interface LinkedPerson {
  id: string;
  handle: string;
  name: string;
  linkedAt: Date;
}

/** A guardian's children (active accounts), by name. */
export function childrenOf(app: AppContext, guardianId: string): LinkedPerson[] {
  return app.db
    .select({ id: users.id, handle: users.handle, name: users.name, linkedAt: guardianLinks.createdAt })
    .from(guardianLinks)
    .innerJoin(users, eq(users.id, guardianLinks.studentId))
    .where(and(eq(guardianLinks.guardianId, guardianId), isNull(users.disabledAt)))
    .orderBy(asc(users.name))
    .all();
}

/** A student's guardians (active accounts), by name: shown to the student on their account page. */
export function guardiansOf(app: AppContext, studentId: string): LinkedPerson[] {
  return app.db
    .select({ id: users.id, handle: users.handle, name: users.name, linkedAt: guardianLinks.createdAt })
    .from(guardianLinks)
    .innerJoin(users, eq(users.id, guardianLinks.guardianId))
    .where(and(eq(guardianLinks.studentId, studentId), isNull(users.disabledAt)))
    .orderBy(asc(users.name))
    .all();
}

/**
 * Records that `guardianId` is a guardian of `studentId` (made by `linkedBy`, the guardian code's creator), with its
 * audit event. Runs inside the caller's transaction; a link that exists already is left as it is (returns false).
 */
export function insertGuardianLink(
  app: AppContext,
  link: { guardian: { id: string; handle: string }; studentId: string; linkedBy: string | null },
): boolean {
  const row = app.db
    .insert(guardianLinks)
    .values({ guardianId: link.guardian.id, studentId: link.studentId, linkedBy: link.linkedBy, createdAt: app.now() })
    .onConflictDoNothing()
    .returning({ guardianId: guardianLinks.guardianId })
    .get();
  if (!row) return false;
  recordAudit(app, {
    action: 'guardian.linked',
    actor: { id: link.guardian.id, handle: link.guardian.handle },
    subject: { type: 'user', id: link.studentId },
    subjectUser: { id: link.studentId },
    details: { guardian: link.guardian.handle, linkedBy: link.linkedBy },
  });
  return true;
}

export interface GuardianLinkRow {
  guardian: { id: string; handle: string; name: string };
  student: { id: string; handle: string; name: string };
  linkedBy: { id: string; handle: string } | null;
  createdAt: Date;
}

/**
 * Every link, for the admin page and `potluck guardians list`: newest first, optionally only one student's, or those
 * whose guardian or student handle or name contains `search`.
 */
export function listGuardianLinks(app: AppContext, filter: { studentId?: string; search?: string } = {}): GuardianLinkRow[] {
  const guardian = alias(users, 'guardian');
  const student = alias(users, 'student');
  const linker = alias(users, 'linker');
  const rows = app.db
    .select({
      guardian: { id: guardian.id, handle: guardian.handle, name: guardian.name },
      student: { id: student.id, handle: student.handle, name: student.name },
      linkerId: linker.id,
      linkerHandle: linker.handle,
      createdAt: guardianLinks.createdAt,
    })
    .from(guardianLinks)
    .innerJoin(guardian, eq(guardian.id, guardianLinks.guardianId))
    .innerJoin(student, eq(student.id, guardianLinks.studentId))
    .leftJoin(linker, eq(linker.id, guardianLinks.linkedBy))
    .where(filter.studentId ? eq(guardianLinks.studentId, filter.studentId) : undefined)
    .orderBy(desc(guardianLinks.createdAt))
    .all();
  const needle = filter.search?.trim().toLowerCase().replace(/^@/, '') ?? '';
  return rows
    .map((r) => ({
      guardian: r.guardian,
      student: r.student,
      linkedBy: r.linkerId && r.linkerHandle ? { id: r.linkerId, handle: r.linkerHandle } : null,
      createdAt: r.createdAt,
    }))
    .filter(
      (r) =>
        needle === '' ||
        [r.guardian.handle, r.guardian.name, r.student.handle, r.student.name].some((text) => text.toLowerCase().includes(needle)),
    );
}
