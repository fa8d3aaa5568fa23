// When a failing feed is tried again: back-off that doubles, a day at most, Retry-After as a floor, flagged at 3.
import { describe, expect, it } from 'vitest';
import { FLAG_AFTER_FAILURES, MAX_BACKOFF_MS, backoffMs, nextAfterSuccess, scheduleAfterFailure } from '../../../src/core/hubs/schedule.ts';

const now = new Date('2025-03-01T12:00:00Z');
const MINUTE = 60_000;

describe('schedule', () => {
  it('fetches a healthy feed once per hub interval', () => {
    expect(nextAfterSuccess(now, 30).toISOString()).toBe('2025-03-01T12:30:00.000Z');
  });

  it('doubles the wait after each failure, up to a day', () => {
    expect(backoffMs(1, 30)).toBe(60 * MINUTE);
    expect(backoffMs(2, 30)).toBe(120 * MINUTE);
    expect(backoffMs(3, 30)).toBe(240 * MINUTE);
    expect(backoffMs(20, 30)).toBe(MAX_BACKOFF_MS);
  });

  it('never fetches before a Retry-After, even when back-off is shorter', () => {
    const s = scheduleAfterFailure(now, { failures: 1, intervalMinutes: 5, retryAfterSeconds: 7200 });
    expect(s.holdUntil?.toISOString()).toBe('2025-03-01T14:00:00.000Z');
    expect(s.nextFetchAt.toISOString()).toBe('2025-03-01T14:00:00.000Z');
  });

  it('caps an absurd Retry-After at a week', () => {
    const s = scheduleAfterFailure(now, { failures: 1, intervalMinutes: 30, retryAfterSeconds: 365 * 24 * 3600 });
    expect(s.holdUntil?.toISOString()).toBe('2025-03-08T12:00:00.000Z');
  });

  it(`flags a feed after ${FLAG_AFTER_FAILURES} failures in a row`, () => {
    expect(scheduleAfterFailure(now, { failures: FLAG_AFTER_FAILURES - 1, intervalMinutes: 30 }).flag).toBe(false);
    expect(scheduleAfterFailure(now, { failures: FLAG_AFTER_FAILURES, intervalMinutes: 30 }).flag).toBe(true);
  });
});
