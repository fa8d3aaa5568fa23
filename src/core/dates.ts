// How dates read on Potluck's pages: `dateFormats.medium.format(date)`. Dates are shown in UTC, as stored, so a
// page reads the same wherever it is rendered or exported. The formatters are made once: building an
// Intl.DateTimeFormat costs far more than using one, and a page of cards formats dozens of dates.

/** The time zone the site's pages name their days in. */
export const SITE_TIME_ZONE = 'UTC';

export const dateFormats = {
  /** "March 4, 2026": the date at the top of an artifact. */
  long: new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: SITE_TIME_ZONE }),
  /** "Mar 4, 2026": dates in lists and tables. */
  medium: new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: SITE_TIME_ZONE }),
  /** "Mar 4, 2026, 3:05 PM": when something happened (polls, sessions, jobs). */
  dateTime: new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: SITE_TIME_ZONE }),
  /** "Mar 4": inside a year or a week that is already named. */
  dayMonth: new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: SITE_TIME_ZONE }),
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a stored date is a calendar day rather than a moment. Days (typed in the editor as YYYY-MM-DD, or a date
 * without a time in an archive's front matter) are stored as midnight UTC; a moment Potluck records itself (a save,
 * a Micropub post) is practically never exactly on it.
 */
export function isCalendarDay(date: Date): boolean {
  return date.getTime() % DAY_MS === 0;
}

/** The offset of `timeZone` from UTC at `at`, in milliseconds (positive east of Greenwich). */
function zoneOffset(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

/**
 * When a calendar day is published on a UTC site: 10:00 UTC is that same day on every clock from UTC−10 (Hawaii)
 * to UTC+13:45 (New Zealand's summer, Tonga, the Chatham Islands). Noon UTC would already be the next day in
 * Auckland from October to April; midnight UTC is the day before everywhere in the Americas.
 */
export const CALENDAR_DAY_HOUR_UTC = 10;

/**
 * The moment a date is published as, in feeds, `<time datetime>`, `dt-published` and sitemaps: a calendar day
 * becomes 10:00 UTC of that day (CALENDAR_DAY_HOUR_UTC), or noon of it in a site time zone other than UTC; a real
 * moment is kept as it is.
 */
export function publishedMoment(date: Date, timeZone: string = SITE_TIME_ZONE): Date {
  if (!isCalendarDay(date)) return date;
  if (timeZone === 'UTC') return new Date(date.getTime() + CALENDAR_DAY_HOUR_UTC * 60 * 60 * 1000);
  const noonUtc = date.getTime() + DAY_MS / 2;
  return new Date(noonUtc - zoneOffset(new Date(noonUtc), timeZone));
}

/** The ISO 8601 text of `publishedMoment(date)`: the value of a `<time datetime>` or a feed's date field. */
export function publishedIso(date: Date, timeZone: string = SITE_TIME_ZONE): string {
  return publishedMoment(date, timeZone).toISOString();
}
