// Which items belong to a hub: tags compared without case, accents or '#', from categories and #hashtags.
import { describe, expect, it } from 'vitest';
import { foldTag, foldedSet, itemTags, matchesAny, textForHashtags } from '../../../src/core/hubs/matching.ts';

describe('foldTag', () => {
  it('ignores case, accents and a leading #', () => {
    expect(foldTag('#Café')).toBe('cafe');
    expect(foldTag('CAFÉ')).toBe('cafe');
    expect(foldTag('cafe\u0301')).toBe('cafe');
    expect(foldTag('  #ENG10 ')).toBe('eng10');
    expect(foldTag('Ελληνικά')).toBe('ελληνικα');
  });

  it('keeps letters of scripts without accents as they are', () => {
    expect(foldTag('日本語')).toBe('日本語');
  });
});

describe('itemTags', () => {
  it('reads categories, also with their spaces made hyphens', () => {
    expect(itemTags({ categories: ['Week 3', 'ENG10'] })).toEqual(expect.arrayContaining(['week 3', 'week-3', 'eng10']));
  });

  it('finds #hashtags in the title and the text, but not fragments of URLs', () => {
    const tags = itemTags({ title: 'My essay #Eng10', text: 'See https://blog.example/page#anchor and #Première-semaine.' });
    expect(tags).toContain('eng10');
    expect(tags).toContain('premiere-semaine');
    expect(tags).not.toContain('anchor');
  });

  it('reads hashtags out of sanitized HTML', () => {
    const text = textForHashtags('<p>Done!<br><a href="https://x.example/#frag">link</a> <strong>#week-3</strong> &amp; more</p>');
    expect(itemTags({ text })).toEqual(['week-3']);
  });
});

describe('matchesAny', () => {
  const hub = foldedSet(['eng10', 'Café']);

  it('matches any spelling of a hub tag', () => {
    expect(matchesAny(itemTags({ categories: ['#ENG10'] }), hub)).toBe(true);
    expect(matchesAny(itemTags({ title: 'Notes from the #CAFE' }), hub)).toBe(true);
  });

  it('does not match other tags, or a hub tag inside a longer one', () => {
    expect(matchesAny(itemTags({ categories: ['eng101'], title: 'about eng10 without a hash' }), hub)).toBe(false);
  });
});

describe('plainExcerpt', () => {
  it('keeps short text whole and cuts long text at a word, never inside an emoji', async () => {
    const { plainExcerpt } = await import('../../../src/core/hubs/excerpt.ts');
    expect(plainExcerpt('  A short\n\nnote. ')).toBe('A short note.');
    const long = `${'word '.repeat(70)}🙂🙂🙂`;
    const cut = plainExcerpt(long);
    expect(cut.endsWith('word…')).toBe(true);
    expect(Array.from(cut).length).toBeLessThanOrEqual(281);
  });
});
