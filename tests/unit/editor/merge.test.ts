import { describe, expect, it } from 'vitest';
import { mergeTexts } from '../../../src/core/editor/merge.ts';

const labels = { mine: 'Your version', theirs: 'Saved version (revision 3)' };

describe('merging two edits of one text', () => {
  const base = ['# Small Weather', '', 'The rain came at noon.', '', 'We stayed in.', '', 'The end.'].join('\n');

  it('applies changes to different paragraphs together', () => {
    const mine = base.replace('The rain came at noon.', 'The rain came at noon, hard.');
    const theirs = base.replace('The end.', 'The end, for now.');
    const result = mergeTexts(base, mine, theirs, labels);
    expect(result.conflicts).toBe(0);
    expect(result.text).toContain('The rain came at noon, hard.');
    expect(result.text).toContain('The end, for now.');
  });

  it('keeps both versions between markers where both changed the same line', () => {
    const mine = base.replace('We stayed in.', 'We went out anyway.');
    const theirs = base.replace('We stayed in.', 'We stayed in and read.');
    const result = mergeTexts(base, mine, theirs, labels);
    expect(result.conflicts).toBe(1);
    expect(result.text).toContain(
      ['<<<<<<< Your version', 'We went out anyway.', '=======', 'We stayed in and read.', '>>>>>>> Saved version (revision 3)'].join('\n'),
    );
    expect(result.text.startsWith('# Small Weather')).toBe(true);
    expect(result.text.endsWith('The end.')).toBe(true);
  });

  it('takes an identical change once', () => {
    const both = base.replace('The end.', 'Fin.');
    expect(mergeTexts(base, both, both, labels)).toEqual({ text: both, conflicts: 0 });
  });

  it('keeps additions at the end from both sides as a conflict, never dropping one', () => {
    const mine = `${base}\n\nMy last line.`;
    const theirs = `${base}\n\nTheir last line.`;
    const result = mergeTexts(base, mine, theirs, labels);
    expect(result.conflicts).toBe(1);
    expect(result.text).toContain('My last line.');
    expect(result.text).toContain('Their last line.');
  });

  it('handles an empty starting text and Windows line endings', () => {
    expect(mergeTexts('', 'a\r\nb', '', labels)).toEqual({ text: 'a\nb', conflicts: 0 });
    const result = mergeTexts('', 'mine', 'theirs', labels);
    expect(result.conflicts).toBe(1);
  });

  it('applies a deletion on one side and an edit elsewhere on the other', () => {
    const mine = base.replace('We stayed in.\n\n', '');
    const theirs = base.replace('# Small Weather', '# Small Weather, revised');
    const result = mergeTexts(base, mine, theirs, labels);
    expect(result).toEqual({ text: ['# Small Weather, revised', '', 'The rain came at noon.', '', 'The end.'].join('\n'), conflicts: 0 });
  });
});
