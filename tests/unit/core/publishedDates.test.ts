import { describe, expect, it } from 'vitest';
import { isCalendarDay, publishedIso, publishedMoment } from '../../../src/core/dates.ts';

const dayIn = (timeZone: string, date: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);

describe('the moment a date is published as', () => {
  it('publishes a calendar day as 10:00 UTC: the same day from Hawaii to New Zealand in summer', () => {
    const day = new Date('2025-03-21T00:00:00Z');
    expect(isCalendarDay(day)).toBe(true);
    expect(publishedIso(day)).toBe('2025-03-21T10:00:00.000Z');
    for (const zone of ['Pacific/Honolulu', 'America/Los_Angeles', 'America/Sao_Paulo', 'UTC', 'Asia/Tokyo', 'Pacific/Auckland', 'Pacific/Tongatapu', 'Pacific/Chatham']) {
      expect(dayIn(zone, publishedMoment(day)), zone).toBe('2025-03-21');
    }
  });

  it('keeps a real moment as it is', () => {
    const saved = new Date('2026-12-01T21:19:00Z');
    expect(isCalendarDay(saved)).toBe(false);
    expect(publishedMoment(saved)).toBe(saved);
  });

  it('takes noon in another site time zone when one is named', () => {
    expect(publishedIso(new Date('2026-07-04T00:00:00Z'), 'America/New_York')).toBe('2026-07-04T16:00:00.000Z');
    expect(publishedIso(new Date('2026-01-15T00:00:00Z'), 'Pacific/Auckland')).toBe('2026-01-14T23:00:00.000Z');
  });
});
