// How dates read on Potluck's pages: `dateFormats.medium.format(date)`. Dates are shown in UTC, as stored, so a
// page reads the same wherever it is rendered or exported. The formatters are made once: building an
// Intl.DateTimeFormat costs far more than using one, and a page of cards formats dozens of dates.

export const dateFormats = {
  /** "March 4, 2026": the date at the top of an artifact. */
  long: new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }),
  /** "Mar 4, 2026": dates in lists and tables. */
  medium: new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }),
  /** "Mar 4, 2026, 3:05 PM": when something happened (polls, sessions, jobs). */
  dateTime: new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
  /** "Mar 4": inside a year or a week that is already named. */
  dayMonth: new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' }),
} as const;
