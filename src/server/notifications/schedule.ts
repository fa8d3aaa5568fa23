/** When the daily digest goes out: pure rules shared by the sender (email.ts) and the settings page. */

/** The hour (the instance's time zone) from which the day's digest goes out. */
export const DIGEST_HOUR = 7;

/** The start of the current digest day: today at DIGEST_HOUR (local time), or yesterday's before that hour. */
export function digestDayStart(now: Date): Date {
  const start = new Date(now);
  start.setHours(DIGEST_HOUR, 0, 0, 0);
  if (start > now) start.setDate(start.getDate() - 1);
  return start;
}

/** Whether a digest is due for someone whose last one went at `last` (once per digest day). */
export function digestDue(now: Date, last: Date | null): boolean {
  return last === null || last < digestDayStart(now);
}
