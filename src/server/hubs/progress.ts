/**
 * The teacher's view of a hub: per assignment, who has contributed (on time or late) and who has not; and how
 * many contributions each member made per week. Counted over everything the teacher may read in the hub (members
 * work too, marked, since a student who shared with the class did hand it in), hidden pieces included.
 */
import { asc, eq } from 'drizzle-orm';
import { foldTag } from '../../core/hubs/matching.ts';
import { hubShows, type HubStanding } from '../../core/policy.ts';
import { weekIndex, weeksBetween, type Week } from '../../core/hubs/weeks.ts';
import type { AppContext } from '../context.ts';
import { hubAssignments, type Hub, type HubAssignment } from '../db/schema.ts';
import { listContributions, listHubPeople, type Contribution, type HubPerson } from './contributions.ts';

const DAY = 24 * 60 * 60 * 1000;

/** One student's standing on one assignment. */
export interface AssignmentRow {
  person: HubPerson;
  /** Their contributions with the assignment's tag, oldest first. */
  contributions: Contribution[];
  /** Whether the first one came after the due day. */
  late: boolean;
}

/** One assignment with everyone's standing. */
export interface AssignmentProgress {
  assignment: HubAssignment;
  done: AssignmentRow[];
  missing: HubPerson[];
}

/** The contributions chart: weeks and, per member, a count per week. */
export interface WeeklyChart {
  weeks: Week[];
  rows: { person: HubPerson; counts: number[]; total: number }[];
  /** The most contributions any member made in one week (for scaling bars). */
  max: number;
}

/** The hub's assignments, by due date (undated last), then title. */
export function listAssignments(app: AppContext, hubId: string): HubAssignment[] {
  const rows = app.db.select().from(hubAssignments).where(eq(hubAssignments.hubId, hubId)).orderBy(asc(hubAssignments.title)).all();
  return rows.sort((a, b) => (a.dueAt?.getTime() ?? Infinity) - (b.dueAt?.getTime() ?? Infinity) || (a.title < b.title ? -1 : 1));
}

/**
 * Per-assignment progress of the hub's students, and the weekly chart of every member who contributed, as a viewer
 * with `standing` in the hub may read them: class-only work counts only for those in the class (core/policy.ts).
 */
export function hubProgress(app: AppContext, hub: Hub, standing: HubStanding): { assignments: AssignmentProgress[]; chart: WeeklyChart } {
  const people = listHubPeople(app, hub.id);
  const students = people.filter((p) => p.role === 'student');
  const contributions = listContributions(app, hub, hubShows(hub, standing, 'progress').includes('members') ? 'members' : 'public');
  const byAuthor = new Map<string, Contribution[]>();
  for (const c of contributions) if (c.authorId) byAuthor.set(c.authorId, [...(byAuthor.get(c.authorId) ?? []), c]);

  const assignments = listAssignments(app, hub.id).map((assignment): AssignmentProgress => {
    const tag = foldTag(assignment.tag);
    const done: AssignmentRow[] = [];
    const missing: HubPerson[] = [];
    for (const person of students) {
      const theirs = (byAuthor.get(person.id) ?? []).filter((c) => c.tags.includes(tag)).sort((a, b) => a.date.getTime() - b.date.getTime());
      if (theirs.length === 0) missing.push(person);
      else done.push({ person, contributions: theirs, late: assignment.dueAt !== null && theirs[0]!.date.getTime() >= assignment.dueAt.getTime() + DAY });
    }
    return { assignment, done, missing };
  });

  const dates = contributions.map((c) => c.date.getTime());
  const now = app.now();
  const from = hub.termStart ?? (dates.length ? new Date(Math.min(...dates)) : now);
  const to = hub.termEnd && hub.termEnd < now ? hub.termEnd : now;
  const weeks = weeksBetween(from, to < from ? from : to);
  const shown = people.filter((p) => p.role === 'student' || byAuthor.has(p.id));
  let max = 0;
  const rows = shown.map((person) => {
    const counts = weeks.map(() => 0);
    for (const c of byAuthor.get(person.id) ?? []) {
      const i = weekIndex(weeks, c.date);
      if (i >= 0) counts[i]! += 1;
    }
    for (const n of counts) max = Math.max(max, n);
    return { person, counts, total: counts.reduce((a, b) => a + b, 0) };
  });
  return { assignments, chart: { weeks, rows, max } };
}
