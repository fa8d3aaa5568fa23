// The pure parts of feedback threads: what a message may be, and the compact "what changed since" of a thread.
import { describe, expect, it } from 'vitest';
import { diffText } from '../../src/core/diff.ts';
import { FEEDBACK_MAX_CHARS, compactDiff, feedbackTextSchema, teacherStatusSchema } from '../../src/core/feedback.ts';
import { decide, type Subject } from '../../src/core/policy.ts';

describe('a feedback message', () => {
  it('is refused when empty or blank, with words that say what to do', () => {
    for (const text of ['', '   \n\t ']) {
      const parsed = feedbackTextSchema.safeParse(text);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0].message).toBe('Write your feedback in the box first.');
    }
  });

  it('may be exactly the limit long, not one character more; line endings are normalised first', () => {
    expect(feedbackTextSchema.safeParse('a'.repeat(FEEDBACK_MAX_CHARS)).success).toBe(true);
    const over = feedbackTextSchema.safeParse('a'.repeat(FEEDBACK_MAX_CHARS + 1));
    expect(over.success).toBe(false);
    expect(over.error?.issues[0].message).toContain('10,001 characters; the most is 10,000');
    // CRLF from a browser's textarea counts as one character per line break.
    expect(feedbackTextSchema.safeParse('a\r\n'.repeat(FEEDBACK_MAX_CHARS / 2)).success).toBe(true);
    expect(feedbackTextSchema.parse('one\r\ntwo')).toBe('one\ntwo');
  });

  it('a teacher sets reviewed or needs revision; resubmitted only comes from a save', () => {
    expect(teacherStatusSchema.safeParse('reviewed').success).toBe(true);
    expect(teacherStatusSchema.safeParse('needs_revision').success).toBe(true);
    expect(teacherStatusSchema.safeParse('resubmitted').success).toBe(false);
  });
});

describe('what changed since', () => {
  it('keeps changed lines with one line around them and counts the rest as gaps', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].join('\n');
    const after = ['a', 'b', 'c', 'D', 'e', 'f', 'g'].join('\n');
    expect(compactDiff(diffText(before, after))).toEqual([
      { type: 'gap', count: 2 },
      { type: 'same', text: 'c' },
      { type: 'removed', text: 'd' },
      { type: 'added', text: 'D' },
      { type: 'same', text: 'e' },
      { type: 'gap', count: 2 },
    ]);
  });

  it('is empty when nothing changed', () => {
    expect(compactDiff(diffText('same\ntext', 'same\ntext'))).toEqual([]);
  });
});

describe('who reads a thread (core/policy `feedback`)', () => {
  const subject = (over: Partial<Extract<Subject, { type: 'feedback' }>> = {}): Extract<Subject, { type: 'feedback' }> => ({
    type: 'feedback',
    ownerId: 'maya',
    readsWork: true,
    teaches: false,
    reviewer: false,
    guardian: false,
    guardiansSeeFeedback: true,
    peerReview: true,
    ...over,
  });
  const mum = { id: 'mum', role: 'guardian' as const };

  it('a guardian reads the feedback on work they may read, where the school allows, and never writes', () => {
    expect(decide(mum, 'read', subject({ guardian: true }))).toEqual({ allowed: true });
    expect(decide(mum, 'write', subject({ guardian: true }))).toMatchObject({ allowed: false, as: 'forbidden' });
  });

  it('not when the school says no, and not on a piece they may not read (a private one)', () => {
    expect(decide(mum, 'read', subject({ guardian: true, guardiansSeeFeedback: false }))).toMatchObject({ allowed: false, as: 'hidden' });
    expect(decide(mum, 'read', subject({ guardian: true, readsWork: false }))).toMatchObject({ allowed: false, as: 'hidden' });
    expect(decide(mum, 'write', subject({ guardian: true, readsWork: false }))).toMatchObject({ allowed: false, as: 'hidden' });
  });
});
