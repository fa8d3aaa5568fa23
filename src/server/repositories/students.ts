/**
 * "My students" (/workspace/students): for each hub a teacher teaches, its active students (consented enrolment,
 * disabled accounts left out) with the work they share with the class, as the teacher may read it.
 */
import { inArray } from 'drizzle-orm';
import type { Viewer } from '../../core/visibility.ts';
import type { AppContext } from '../context.ts';
import { users, type Artifact } from '../db/schema.ts';
import { listVisibleArtifacts } from './portfolio.ts';
import { listTaughtStudents } from './search.ts';

/** One student on the page: who, how many pieces the teacher can read, and the newest few. */
export interface StudentListing {
  id: string;
  handle: string;
  name: string;
  shared: number;
  recent: Pick<Artifact, 'id' | 'slug' | 'title' | 'visibility'>[];
}

/** Each taught hub with its students, by the portfolio's own listing rule for this teacher. */
export function listMyStudents(
  app: AppContext,
  teacher: Viewer,
  options: { recent?: number } = {},
): { hubs: { id: string; title: string; slug: string; students: StudentListing[] }[] } {
  const recent = options.recent ?? 5;
  const { hubs, students } = listTaughtStudents(app, teacher);
  const ids = [...new Set(students.map((s) => s.id))];
  const accounts = new Map(ids.length ? app.db.select().from(users).where(inArray(users.id, ids)).all().map((u) => [u.id, u]) : []);
  const work = new Map(
    [...accounts.values()].filter((u) => u.disabledAt === null).map((u) => [u.id, listVisibleArtifacts(app, teacher, u)]),
  );
  return {
    hubs: hubs.map((hub) => ({
      ...hub,
      students: students
        .filter((s) => s.hubId === hub.id && work.has(s.id))
        .map((s) => {
          const theirs = work.get(s.id)!;
          return { id: s.id, handle: s.handle, name: s.name, shared: theirs.length, recent: theirs.slice(0, recent).map(({ id, slug, title, visibility }) => ({ id, slug, title, visibility })) };
        }),
    })),
  };
}
