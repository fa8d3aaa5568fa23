import { describe, expect, it } from 'vitest';
import { isSafeSlug, slugify } from '../../../src/core/archive/slug.ts';

describe('slugify', () => {
  it('makes lowercase ASCII words joined by hyphens', () => {
    expect(slugify('Why I Write Poems on the Bus')).toBe('why-i-write-poems-on-the-bus');
    expect(slugify('  Argument Essay: Should School Start Later?  ')).toBe('argument-essay-should-school-start-later');
    expect(slugify("Don't Stop — Believin'")).toBe('dont-stop-believin');
  });

  it('folds diacritics and letters that have no decomposition', () => {
    expect(slugify('Crème brûlée à la Zoë')).toBe('creme-brulee-a-la-zoe');
    expect(slugify('Straße, Ærø, Łódź, Þór')).toBe('strasse-aero-lodz-thor');
  });

  it('keeps at most 80 characters and cuts at a word boundary', () => {
    const slug = slugify('word '.repeat(40));
    expect(slug.length).toBeLessThanOrEqual(80);
    expect(slug).toMatch(/^(word-)*word$/);
    expect(slugify('x'.repeat(100))).toBe('x'.repeat(80));
  });

  it('never returns an empty or reserved slug', () => {
    expect(slugify('日本語のタイトル')).toBe('untitled');
    expect(slugify('!!!')).toBe('untitled');
    expect(slugify('Tags')).toBe('tags-1');
  });

  it('always returns a slug isSafeSlug accepts', () => {
    for (const title of ['Hello', 'A -- B', 'Ünïcödé', '42', 'tags', '—', 'a'.repeat(200)]) {
      expect(isSafeSlug(slugify(title)), title).toBe(true);
    }
  });
});

describe('isSafeSlug', () => {
  it('accepts archive folder names and refuses anything a URL or file system could misread', () => {
    for (const ok of ['my-first-poem', 'a', 'week-3', '2025']) expect(isSafeSlug(ok), ok).toBe(true);
    for (const bad of ['', 'My Poem', '-lead', 'trail-', 'double--hyphen', '..', 'a/b', 'café', 'tags', 'x'.repeat(81)]) {
      expect(isSafeSlug(bad), bad).toBe(false);
    }
  });
});
