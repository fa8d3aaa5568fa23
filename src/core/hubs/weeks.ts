/**
 * Weeks for the contributions chart: Monday-to-Sunday weeks in UTC (ISO 8601), spanning the hub's term when it has
 * one, else from the first contribution to now (every week of it: a hub without term dates never drops its early
 * weeks). Each week is named with its year, `2025-W36`, so that a chart over New Year reads right. Pure.
 */

const DAY = 24 * 60 * 60 * 1000;

/** The most weeks a chart shows (a school year is about 40). */
export const MAX_WEEKS = 53;

/** One column of the chart. */
export interface Week {
  /** Monday 00:00 UTC. */
  start: Date;
  /** The next Monday 00:00 UTC (exclusive). */
  end: Date;
  /** `2025-09-01`, the Monday. */
  label: string;
  /** `2025-W36`, the ISO 8601 week (its year is the year of its Thursday). Valid in `<time datetime>`. */
  isoWeek: string;
}

/** The ISO 8601 week of the week starting on `monday`: `2026-W01` for the week of Monday 29 Dec 2025. */
export function isoWeekOf(monday: Date): string {
  const thursday = new Date(monday.getTime() + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const ordinal = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY);
  return `${year}-W${String(Math.floor(ordinal / 7) + 1).padStart(2, '0')}`;
}

/** Monday 00:00 UTC of the week holding `date`. */
export function weekStart(date: Date): Date {
  const day = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * DAY);
}

/**
 * The weeks from the one holding `from` to the one holding `to`. With `keep: 'latest'` (a term, whose end is what
 * matters now) only the latest MAX_WEEKS when there are more; with `keep: 'all'` every week.
 */
export function weeksBetween(from: Date, to: Date, keep: 'latest' | 'all' = 'latest'): Week[] {
  const first = weekStart(from <= to ? from : to);
  const last = weekStart(from <= to ? to : from);
  const weeks: Week[] = [];
  for (let t = first.getTime(); t <= last.getTime(); t += 7 * DAY) {
    const start = new Date(t);
    weeks.push({ start, end: new Date(t + 7 * DAY), label: start.toISOString().slice(0, 10), isoWeek: isoWeekOf(start) });
  }
  return keep === 'all' ? weeks : weeks.slice(-MAX_WEEKS);
}

/** The index of the week holding `date`, or -1 outside the weeks. */
export function weekIndex(weeks: readonly Week[], date: Date): number {
  if (weeks.length === 0) return -1;
  const t = date.getTime();
  if (t < weeks[0]!.start.getTime() || t >= weeks.at(-1)!.end.getTime()) return -1;
  return Math.floor((t - weeks[0]!.start.getTime()) / (7 * DAY));
}
