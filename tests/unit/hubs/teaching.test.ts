// The pure rules of a teacher's day: weeks named with their ISO year, a chart that keeps every week when asked, the
// members' view in core/policy `hubShows`, and which assignment is the current one.
import { describe, expect, it } from 'vitest';
import { hubShows } from '../../../src/core/policy.ts';
import { isoWeekOf, MAX_WEEKS, weekStart, weeksBetween } from '../../../src/core/hubs/weeks.ts';
import { currentAssignment } from '../../../src/server/hubs/teaching.ts';
import type { HubAssignment } from '../../../src/server/db/schema.ts';

describe('ISO weeks', () => {
  it('names a week by the year of its Thursday', () => {
    expect(isoWeekOf(weekStart(new Date('2025-09-03T12:00:00Z')))).toBe('2025-W36');
    expect(isoWeekOf(weekStart(new Date('2025-12-31T12:00:00Z')))).toBe('2026-W01');
    expect(isoWeekOf(weekStart(new Date('2021-01-03T12:00:00Z')))).toBe('2020-W53');
    expect(isoWeekOf(weekStart(new Date('2021-01-04T00:00:00Z')))).toBe('2021-W01');
    expect(isoWeekOf(weekStart(new Date('2026-12-31T00:00:00Z')))).toBe('2026-W53');
  });

  it('keeps the latest weeks of a long term, or every week from the first contribution', () => {
    const from = new Date('2024-01-03T00:00:00Z');
    const to = new Date('2026-01-07T00:00:00Z');
    const latest = weeksBetween(from, to);
    expect(latest).toHaveLength(MAX_WEEKS);
    expect(latest.at(-1)!.isoWeek).toBe('2026-W02');
    const all = weeksBetween(from, to, 'all');
    expect(all[0]!.isoWeek).toBe('2024-W01');
    expect(all.at(-1)!.isoWeek).toBe('2026-W02');
    expect(all.length).toBeGreaterThan(MAX_WEEKS);
  });
});

describe('the members’ view of a river', () => {
  it('shows class-only work to the hub’s teachers only, and nowhere else than a river already does', () => {
    const pub = { visibility: 'public' as const };
    const members = { visibility: 'members' as const };
    expect(hubShows(pub, 'teacher', 'members')).toEqual(['public', 'members']);
    expect(hubShows(pub, 'student', 'members')).toEqual(['public']);
    expect(hubShows(pub, null, 'members')).toEqual(['public']);
    expect(hubShows(members, 'student', 'members')).toEqual(hubShows(members, 'student', 'river'));
    expect(hubShows(members, null, 'members')).toEqual(['public']);
    // The feeds are unchanged: public work only, to everyone.
    for (const standing of ['teacher', 'student', null] as const) expect(hubShows(pub, standing, 'feed')).toEqual(['public']);
  });
});

describe('the current assignment', () => {
  const now = new Date('2025-10-10T12:00:00Z');
  const a = (title: string, dueAt: string | null, createdAt = '2025-09-01T00:00:00Z'): HubAssignment =>
    ({ id: title, hubId: 'h', title, tag: title.toLowerCase(), dueAt: dueAt ? new Date(dueAt) : null, createdAt: new Date(createdAt) }) as HubAssignment;

  it('is the next one due, a due day lasting to its end', () => {
    const list = [a('Past', '2025-10-01'), a('Today', '2025-10-10'), a('Later', '2025-10-20'), a('Undated', null)];
    expect(currentAssignment(list, now)).toMatchObject({ assignment: { title: 'Today' }, upcoming: true });
    expect(currentAssignment(list, new Date('2025-10-11T00:00:00Z'))).toMatchObject({ assignment: { title: 'Later' }, upcoming: true });
  });

  it('else the latest one due, else the newest undated one, else none', () => {
    expect(currentAssignment([a('First', '2025-09-01'), a('Second', '2025-10-01')], now)).toMatchObject({ assignment: { title: 'Second' }, upcoming: false });
    expect(currentAssignment([a('Old', null, '2025-09-01T00:00:00Z'), a('New', null, '2025-10-01T00:00:00Z')], now)).toMatchObject({ assignment: { title: 'New' } });
    expect(currentAssignment([], now)).toBeNull();
  });
});
