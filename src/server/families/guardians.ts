/**
 * Families: the links between guardians and students (table guardian_links). A guardian reads their child's public
 * and class-only work (policyFacts.sharesHub counts the link) and, where the school allows, its feedback; nothing of
 * any other child.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
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
