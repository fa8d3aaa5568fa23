/** Tags from other platforms as every importer cleans them: lists or strings, words joined, what cannot be a tag named. */
import { describe, expect, it } from 'vitest';
import { MAX_PIECE_TAGS, importableTags, readTagList, tagWarnings } from '../../../src/server/import/tags.ts';

describe('importer tags', () => {
  it('reads tags as lists or as strings split by commas or spaces', () => {
    expect(readTagList(['food', 'cooking', 2013])).toEqual(['food', 'cooking', '2013']);
    expect(readTagList('foo bar baz')).toEqual(['foo', 'bar', 'baz']);
    expect(readTagList('Creative writing, Poetry')).toEqual(['Creative writing', 'Poetry']);
    expect(readTagList(null)).toEqual([]);
    expect(readTagList(2013)).toEqual(['2013']);
  });

  it('joins words and punctuation with -, keeps letters of any script, and drops repeats', () => {
    const result = importableTags(['Creative writing', 'Ünïcode Tag', '#hashed', 'C++ / Java', 'content περιεχόμενο', 'creative-WRITING', '  ']);
    expect(result.tags).toEqual(['Creative-writing', 'Ünïcode-Tag', 'hashed', 'C-Java', 'content-περιεχόμενο']);
    expect(result.dropped).toEqual([]);
  });

  it('leaves out what cannot start with a letter, and more than a piece carries, and says so', () => {
    const result = importableTags(['2013', '6.1', ...Array.from({ length: MAX_PIECE_TAGS + 2 }, (_, i) => `t${i}`)]);
    expect(result.tags).toHaveLength(MAX_PIECE_TAGS);
    expect(result.dropped).toEqual(['2013', '6.1']);
    expect(result.overLimit).toEqual([`t${MAX_PIECE_TAGS}`, `t${MAX_PIECE_TAGS + 1}`]);
    expect(tagWarnings('posts/a.md', result)).toEqual([
      'posts/a.md: the tags "2013", "6.1" were left out, because a tag must start with a letter.',
      `posts/a.md: 2 of its tags were left out, because a piece carries at most ${MAX_PIECE_TAGS} (the first ${MAX_PIECE_TAGS} were kept).`,
    ]);
    expect(tagWarnings('"A post"', importableTags(['ok']))).toEqual([]);
  });
});
