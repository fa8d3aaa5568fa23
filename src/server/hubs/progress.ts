/**
 * The teacher's view of a hub: per assignment, who has contributed (on time or late), with the review status a
 * teacher gave it, and who has not; and how many contributions each member made per week. Counted over everything
 * the teacher may read in the hub (members work too, marked, since a student who shared with the class did hand it
 * in), hidden pieces included.
 */
import { asc, eq } from 'drizzle-orm';
import type { ContributionStatusName } from '../../core/notifications.ts';
import { foldTag } from '../../core/hubs/matching.ts';
import { hubShows, type HubStanding } from '../../core/policy.ts';
import { weekIndex, weeksBetween, type Week } from '../../core/hubs/weeks.ts';
import type { AppContext } from '../context.ts';
import { contributionStatuses, hubAssignments, type Hub, type HubAssignment } from '../db/schema.ts';
import { listContributions, listHubPeople, type Contribution, type HubPerson } from './contributions.ts';

const DAY = 24 * 60 * 60 * 1000;

/** One student's standing on one assignment. */
export interface AssignmentRow {
  person: HubPerson;
  /** Their contributions with the assignment's tag, oldest first. */
  contributions: Contribution[];
  /** Whether the first one came after the due day. */
  late: boolean;
  /** The review status most recently set on one of them in this hub (null: not reviewed yet). */
  status: ContributionStatusName | null;
}

/** What the progress view can be narrowed to: a review status, contributed but not reviewed yet, or not yet. */
export const PROGRESS_FILTERS = ['reviewed', 'needs_revision', 'resubmitted', 'unreviewed', 'missing'] as const;
export type ProgressFilter = (typeof PROGRESS_FILTERS)[number];

/** Reads `?status=`; null for anything else (everyone). */
export function parseProgressFilter(value: string | null | undefined): ProgressFilter | null {
  return PROGRESS_FILTERS.includes(value as ProgressFilter) ? (value as ProgressFilter) : null;
}

/** One assignment with everyone's standing. */
export interface AssignmentProgress {
  assignment: HubAssignment;
  done: AssignmentRow[];
  missing: HubPerson[];
}

/** The contributions chart: weeks, everyone's count per week, and per member a count per week. */
export interface WeeklyChart {
  weeks: Week[];
  /** All members' contributions in each week. */
  totals: number[];
  rows: { person: HubPerson; counts: number[]; total: number }[];
  /** The most contributions any member made in one week (for scaling bars). */
  max: number;
}

/** The hub's assignments, by due date (undated last), then title. */
export function listAssignments(app: AppContext, hubId: string): HubAssignment[] {
  const rows = app.db.select().from(hubAssignments).where(eq(hubAssignments.hubId, hubId)).orderBy(asc(hubAssignments.title)).all();
  return rows.sort((a, b) => (a.dueAt?.getTime() ?? Infinity) - (b.dueAt?.getTime() ?? Infinity) || (a.title < b.title ? -1 : 1));
}

/** The review statuses set in a hub, by artifact. One query. */
function statusesOf(app: AppContext, hubId: string): Map<string, { status: ContributionStatusName; setAt: Date }> {
  const rows = app.db
    .select({ artifactId: contributionStatuses.artifactId, status: contributionStatuses.status, setAt: contributionStatuses.setAt })
    .from(contributionStatuses)
    .where(eq(contributionStatuses.hubId, hubId))
    .all();
  return new Map(rows.map((r) => [r.artifactId, { status: r.status, setAt: r.setAt }]));
}

/** Whether an assignment row belongs in the view narrowed to `filter`. */
function rowMatches(row: AssignmentRow, filter: ProgressFilter | null): boolean {
  if (filter === null) return true;
  if (filter === 'missing') return false;
  if (filter === 'unreviewed') return row.status === null;
  return row.status === filter;
}

/**
 * Per-assignment progress of the hub's students, and the weekly chart of every member who contributed, as a viewer
 * with `standing` in the hub may read them: class-only work counts only for those in the class (core/policy.ts).
 * `filter` narrows the assignments' lists (a status, not reviewed yet, or not yet contributed); the chart counts all.
 */
export function hubProgress(
  app: AppContext,
  hub: Hub,
  standing: HubStanding,
  filter: ProgressFilter | null = null,
): { assignments: AssignmentProgress[]; chart: WeeklyChart } {
  const people = listHubPeople(app, hub.id);
  const students = people.filter((p) => p.role === 'student');
  const contributions = listContributions(app, hub, hubShows(hub, standing, 'progress').includes('members') ? 'members' : 'public');
  const byAuthor = new Map<string, Contribution[]>();
  for (const c of contributions) {
    if (!c.authorId) continue;
    const theirs = byAuthor.get(c.authorId);
    if (theirs) theirs.push(c);
    else byAuthor.set(c.authorId, [c]);
  }
  const statuses = statusesOf(app, hub.id);

  const assignments = listAssignments(app, hub.id).map((assignment): AssignmentProgress => {
    const tag = foldTag(assignment.tag);
    const done: AssignmentRow[] = [];
    const missing: HubPerson[] = [];
    for (const person of students) {
      const theirs = (byAuthor.get(person.id) ?? []).filter((c) => c.tags.includes(tag)).sort((a, b) => a.date.getTime() - b.date.getTime());
      if (theirs.length === 0) {
        if (filter === null || filter === 'missing') missing.push(person);
        continue;
      }
      // Statuses are set on a piece of work (artifacts); the latest one set on any of the student's pieces counts.
      let latest: { status: ContributionStatusName; setAt: Date } | null = null;
      for (const c of theirs) {
        const s = c.kind === 'artifact' ? statuses.get(c.id) : undefined;
        if (s && (!latest || s.setAt > latest.setAt)) latest = s;
      }
      const row: AssignmentRow = {
        person,
        contributions: theirs,
        late: assignment.dueAt !== null && theirs[0]!.date.getTime() >= assignment.dueAt.getTime() + DAY,
        status: latest?.status ?? null,
      };
      if (rowMatches(row, filter)) done.push(row);
    }
    return { assignment, done, missing };
  });

  const now = app.now();
  // Without a term the chart starts at the first contribution and keeps every week from there (contributions are
  // newest first, so the first one is the last in the list).
  const first = contributions.at(-1)?.date ?? now;
  const from = hub.termStart ?? first;
  const to = hub.termEnd && hub.termEnd < now ? hub.termEnd : now;
  const weeks = weeksBetween(from, to < from ? from : to, hub.termStart ? 'latest' : 'all');
  const totals = weeks.map(() => 0);
  const shown = people.filter((p) => p.role === 'student' || byAuthor.has(p.id));
  let max = 0;
  const rows = shown.map((person) => {
    const counts = weeks.map(() => 0);
    for (const c of byAuthor.get(person.id) ?? []) {
      const i = weekIndex(weeks, c.date);
      if (i >= 0) {
        counts[i]! += 1;
        totals[i]! += 1;
      }
    }
    for (const n of counts) max = Math.max(max, n);
    return { person, counts, total: counts.reduce((a, b) => a + b, 0) };
  });
  return { assignments, chart: { weeks, totals, rows, max } };
}
