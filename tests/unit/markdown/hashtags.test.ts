import { describe, expect, it } from 'vitest';
import { extractHashtags, maxTagLength, normalizeTag } from '../../../src/core/markdown/hashtags.ts';

describe('normalizeTag', () => {
  it('trims, strips one leading #, lowercases and composes to NFC', () => {
    expect(normalizeTag('  #Week-3 ')).toEqual({ ok: true, tag: 'week-3' });
    expect(normalizeTag('Cafe\u0301')).toEqual({ ok: true, tag: 'café' });
    expect(normalizeTag('#ΒΙΟΛΟΓΊΑ')).toEqual({ ok: true, tag: 'βιολογία' });
  });

  it('treats a tag typed with or without # as the same tag', () => {
    expect(normalizeTag('#Poetry')).toEqual(normalizeTag('poetry'));
  });

  it('refuses empty tags with a message', () => {
    for (const value of ['', '   ', '#']) {
      const result = normalizeTag(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/cannot be empty/);
    }
  });

  it('refuses tags longer than 64 characters, counting characters not UTF-16 units', () => {
    expect(normalizeTag('a'.repeat(maxTagLength)).ok).toBe(true);
    expect(normalizeTag('a'.repeat(maxTagLength + 1))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/at most 64/),
    });
    // 64 characters outside the Basic Multilingual Plane are 128 UTF-16 units, and still fine.
    expect(normalizeTag('𝒜'.repeat(maxTagLength)).ok).toBe(true);
  });

  it('refuses tags that could not be written as a #hashtag in text', () => {
    for (const value of ['week 3', '2024', '-draft', 'a/b', 'tag!']) {
      expect(normalizeTag(value)).toMatchObject({ ok: false, message: expect.stringMatching(/starts with a letter/) });
    }
  });
});

describe('extractHashtags', () => {
  it('finds tags after whitespace, at the start and after punctuation', () => {
    expect(extractHashtags('#first then (#second), "#third" and “#fourth”; ok #fifth.')).toEqual([
      'first',
      'second',
      'third',
      'fourth',
      'fifth',
    ]);
  });

  it('does not find tags inside words, URLs or entities', () => {
    expect(extractHashtags('page#anchor https://x.org/#frag ?a=#b &#35; C# C##')).toEqual([]);
  });

  it('drops a trailing separator that ends the sentence', () => {
    expect(extractHashtags('Done with #week-3- and #lab_')).toEqual(['week-3', 'lab']);
  });

  it('deduplicates across case and Unicode normalisation, keeping first-use order', () => {
    expect(extractHashtags('#Zeta #alpha #ZETA #Cafe\u0301 #café')).toEqual(['zeta', 'alpha', 'café']);
  });

  it('ignores tags that are too long', () => {
    expect(extractHashtags(`#${'a'.repeat(maxTagLength + 1)} #ok`)).toEqual(['ok']);
  });
});
