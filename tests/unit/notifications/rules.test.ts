import { describe, expect, it } from 'vitest';
import { effectiveEmailMode, inQuietHours } from '../../../src/core/notifications.ts';
import { decide } from '../../../src/core/policy.ts';

describe('quiet hours', () => {
  it('covers a span within a day, end excluded', () => {
    expect([8, 9, 16].map((h) => inQuietHours(h, 9, 17))).toEqual([false, true, true]);
    expect(inQuietHours(17, 9, 17)).toBe(false);
  });
  it('covers a span across midnight', () => {
    expect([21, 22, 23, 0, 6, 7, 12].map((h) => inQuietHours(h, 22, 7))).toEqual([false, true, true, true, true, false, false]);
  });
  it('means none when unset or empty', () => {
    expect(inQuietHours(3, null, 7)).toBe(false);
    expect(inQuietHours(3, 22, null)).toBe(false);
    expect(inQuietHours(3, 5, 5)).toBe(false);
  });
});

describe('the email mode that applies', () => {
  const now = new Date('2026-12-02T10:00:00Z');
  const school = { digestOnlyUnderAge: 18 };
  it('holds a student under the school age, or of unknown age, to digests', () => {
    expect(effectiveEmailMode('immediate', { role: 'student', birthYear: 2012 }, school, now)).toBe('digest');
    expect(effectiveEmailMode('immediate', { role: 'student', birthYear: null }, school, now)).toBe('digest');
  });
  it('lets an adult student, a teacher or a guardian have immediate email', () => {
    expect(effectiveEmailMode('immediate', { role: 'student', birthYear: 2000 }, school, now)).toBe('immediate');
    expect(effectiveEmailMode('immediate', { role: 'teacher', birthYear: null }, school, now)).toBe('immediate');
    expect(effectiveEmailMode('immediate', { role: 'guardian', birthYear: null }, school, now)).toBe('immediate');
  });
  it('never turns off or digest into more email', () => {
    expect(effectiveEmailMode('off', { role: 'student', birthYear: 2000 }, school, now)).toBe('off');
    expect(effectiveEmailMode('digest', { role: 'teacher', birthYear: null }, school, now)).toBe('digest');
  });
});

describe('the feedback rule', () => {
  const owner = { id: 'maya', role: 'student' as const };
  const teacher = { id: 'rivera', role: 'teacher' as const };
  const parent = { id: 'parent', role: 'guardian' as const };
  const base = { type: 'feedback' as const, ownerId: 'maya', readsWork: true, teaches: false, reviewer: false, guardian: false, guardiansSeeFeedback: false, peerReview: false };

  it('lets the owner read, write and (with peer review on) invite', () => {
    expect(decide(owner, 'read', base).allowed).toBe(true);
    expect(decide(owner, 'write', base).allowed).toBe(true);
    expect(decide(owner, 'inviteReviewer', base)).toMatchObject({ allowed: false, as: 'forbidden' });
    expect(decide(owner, 'inviteReviewer', { ...base, peerReview: true }).allowed).toBe(true);
  });
  it('lets a teacher of the student write only on work they may read', () => {
    expect(decide(teacher, 'write', { ...base, teaches: true }).allowed).toBe(true);
    expect(decide(teacher, 'read', { ...base, teaches: true, readsWork: false })).toMatchObject({ allowed: false, as: 'hidden' });
    expect(decide(teacher, 'read', base)).toMatchObject({ allowed: false, as: 'hidden' });
    expect(decide(teacher, 'inviteReviewer', { ...base, teaches: true, peerReview: true })).toMatchObject({ allowed: false, as: 'forbidden' });
  });
  it('lets a guardian read only where the school allows, and never write', () => {
    expect(decide(parent, 'read', { ...base, guardian: true })).toMatchObject({ allowed: false, as: 'hidden' });
    expect(decide(parent, 'read', { ...base, guardian: true, guardiansSeeFeedback: true }).allowed).toBe(true);
    expect(decide(parent, 'write', { ...base, guardian: true, guardiansSeeFeedback: true })).toMatchObject({ allowed: false, as: 'forbidden' });
  });
  it('hides the thread from anyone else, signed in or not', () => {
    expect(decide(null, 'read', { ...base, readsWork: false })).toMatchObject({ allowed: false, as: 'hidden' });
    expect(decide({ id: 'other', role: 'student' }, 'write', base)).toMatchObject({ allowed: false, as: 'hidden' });
  });
});
