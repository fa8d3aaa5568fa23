// What a valid hub is: the messages a teacher sees for each mistake.
import { describe, expect, it } from 'vitest';
import { assignmentsFromForm, hubInputSchema, sourceUrlSchema } from '../../../src/core/hubs/input.ts';
import { weekIndex, weekStart, weeksBetween } from '../../../src/core/hubs/weeks.ts';

const base = { slug: 'english-10', title: 'English 10', tags: 'eng10' };

function issues(input: Record<string, unknown>) {
  const result = hubInputSchema.safeParse({ ...base, ...input });
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('hubInputSchema', () => {
  it('normalises tags typed with #, commas and capitals, and fills defaults', () => {
    const hub = hubInputSchema.parse({ ...base, tags: '#ENG10, Café  eng10', termStart: '2025-09-01', termEnd: '' });
    expect(hub.tags).toEqual(['eng10', 'café']);
    expect(hub.visibility).toBe('members');
    expect(hub.pollIntervalMinutes).toBe(30);
    expect(hub.termStart?.toISOString()).toBe('2025-09-01T00:00:00.000Z');
    expect(hub.termEnd).toBeNull();
  });

  it('explains each mistake', () => {
    expect(issues({ slug: 'New' })).toEqual([expect.stringContaining('used by the site')]);
    expect(issues({ slug: 'a b' })).toEqual([expect.stringContaining('a–z, 0–9')]);
    expect(issues({ tags: '  ' })).toEqual([expect.stringContaining('at least one hashtag')]);
    expect(issues({ tags: '3d' })).toEqual([expect.stringContaining('starts with a letter')]);
    expect(issues({ termStart: '2025-09-01', termEnd: '2025-08-01' })).toEqual(['termEnd: The term cannot end before it starts.']);
    expect(issues({ termStart: '2025-02-30' })).toEqual([expect.stringContaining('YYYY-MM-DD')]);
    expect(issues({ pollIntervalMinutes: '1' })).toEqual([expect.stringContaining('every 5 to 1440 minutes')]);
    expect(issues({ assignments: [{ title: 'A', tag: 'essay' }, { title: 'B', tag: '#Essay' }] })).toEqual([expect.stringContaining('Two assignments use #essay')]);
  });

  it('reads assignment rows from the form, skipping empty ones', () => {
    const form = { 'assignment-0-title': 'Essay', 'assignment-0-tag': 'essay', 'assignment-0-due': '2025-10-01', 'assignment-2-title': 'Talk', 'assignment-2-tag': 'talk' };
    expect(assignmentsFromForm(form, 4)).toEqual([
      { title: 'Essay', tag: 'essay', dueAt: '2025-10-01' },
      { title: 'Talk', tag: 'talk', dueAt: '' },
    ]);
  });
});

describe('sourceUrlSchema', () => {
  it('accepts what people paste', () => {
    expect(sourceUrlSchema.parse('maya.example/feed')).toBe('https://maya.example/feed');
    expect(sourceUrlSchema.parse('feed://maya.example/rss')).toBe('http://maya.example/rss');
    expect(sourceUrlSchema.parse(' http://maya.example/ ')).toBe('http://maya.example/');
  });

  it('refuses what is not a web address', () => {
    expect(sourceUrlSchema.safeParse('javascript:alert(1)').success).toBe(false);
    expect(sourceUrlSchema.safeParse('ftp://maya.example/').success).toBe(false);
  });
});

describe('weeks', () => {
  it('starts weeks on Monday (UTC) and places dates in them', () => {
    expect(weekStart(new Date('2025-09-07T23:00:00Z')).toISOString()).toBe('2025-09-01T00:00:00.000Z');
    const weeks = weeksBetween(new Date('2025-09-03T00:00:00Z'), new Date('2025-09-20T00:00:00Z'));
    expect(weeks.map((w) => w.label)).toEqual(['2025-09-01', '2025-09-08', '2025-09-15']);
    expect(weekIndex(weeks, new Date('2025-09-14T23:59:59Z'))).toBe(1);
    expect(weekIndex(weeks, new Date('2025-09-22T00:00:00Z'))).toBe(-1);
  });
});
