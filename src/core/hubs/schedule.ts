/**
 * When a hub's external feed is fetched next. A healthy feed is read once per hub interval; a failing one is
 * retried with exponential back-off (so a dead blog is not hammered) but never dropped: after a few failures in a
 * row it is flagged for the teacher. A server's `Retry-After` is a floor nobody goes under, "poll now" included.
 * Pure: dates in, dates out.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Failures in a row after which a feed is flagged for the teacher. */
export const FLAG_AFTER_FAILURES = 3;

/** The longest back-off between two attempts. */
export const MAX_BACKOFF_MS = 24 * HOUR;

/** The longest a Retry-After is honoured (a server asking for a month is treated as asking for a week). */
export const MAX_RETRY_AFTER_MS = 7 * 24 * HOUR;

/** Default, smallest and largest polling interval of a hub, in minutes. */
export const POLL_INTERVAL = { default: 30, min: 5, max: 24 * 60 } as const;

/** The next fetch after a success: one hub interval later. */
export function nextAfterSuccess(now: Date, intervalMinutes: number): Date {
  return new Date(now.getTime() + intervalMinutes * MINUTE);
}

/** The wait after the n-th failure in a row (n ≥ 1): the interval doubled per failure, at most a day. */
export function backoffMs(failures: number, intervalMinutes: number): number {
  const exponent = Math.min(Math.max(failures, 1), 16);
  return Math.min(intervalMinutes * MINUTE * 2 ** exponent, MAX_BACKOFF_MS);
}

/** What the poller records after a failed fetch. */
export interface FailureSchedule {
  nextFetchAt: Date;
  /** Set when the server asked (Retry-After): no fetch before it. */
  holdUntil: Date | null;
  flag: boolean;
}

/** Schedules the retry after the n-th failure in a row, honouring a Retry-After (seconds) when there is one. */
export function scheduleAfterFailure(
  now: Date,
  props: { failures: number; intervalMinutes: number; retryAfterSeconds?: number },
): FailureSchedule {
  const backoff = now.getTime() + backoffMs(props.failures, props.intervalMinutes);
  const holdUntil =
    props.retryAfterSeconds === undefined
      ? null
      : new Date(now.getTime() + Math.min(props.retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS));
  return {
    nextFetchAt: new Date(Math.max(backoff, holdUntil?.getTime() ?? 0)),
    holdUntil,
    flag: props.failures >= FLAG_AFTER_FAILURES,
  };
}
