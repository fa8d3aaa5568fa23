// plainExcerpt reads only the start of a long text, and replaces nothing in text that is collapsed already; it must give what collapsing the whole text gives, whatever the
// text: long whitespace runs, emoji across the cut, texts just over and under the limits.
import { describe, expect, it } from 'vitest';
import { excerptLength } from '../../../src/core/feeds/excerpt.ts';
import { plainExcerpt } from '../../../src/core/hubs/excerpt.ts';

/** The excerpt as made from the whole text, collapsed at once. */
function reference(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  if (collapsed.length <= excerptLength) return collapsed;
  let end = 0;
  for (let points = 0; points < excerptLength && end < collapsed.length; points++) end += collapsed.codePointAt(end)! > 0xffff ? 2 : 1;
  const cut = collapsed.slice(0, end);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > excerptLength / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.!?–—-]+$/u, '')}…`;
}

/** A small deterministic generator, so a failure can be run again. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const PIECES = ['word', 'évidence', ' ', '  ', '\n\n', '\t', ' '.repeat(700), '😀', '👩🏽‍🏫', 'a', ', ', '. ', '—', '\u00a0', 'x'.repeat(300)];

describe('plainExcerpt', () => {
  it('gives the excerpt of the whole collapsed text for 5,000 generated texts', () => {
    const next = random(42);
    for (let i = 0; i < 5000; i++) {
      const target = Math.floor(next() * 4000);
      let text = '';
      while (text.length < target) text += PIECES[Math.floor(next() * PIECES.length)];
      expect(plainExcerpt(text), JSON.stringify(text.slice(0, 200))).toBe(reference(text));
    }
  });

  it('at the edges: whitespace filling the start, an emoji at the cut, exactly the limit', () => {
    const cases = [
      ' '.repeat(5000) + 'late words '.repeat(100),
      'a'.repeat(excerptLength - 1) + '😀'.repeat(400),
      '😀'.repeat(2000),
      'b'.repeat(excerptLength),
      'b'.repeat(excerptLength + 1),
      ('w '.repeat(560) + ' '.repeat(3000)).repeat(2),
      'end with spaces'.padEnd(5000, ' '),
      // Collapsed already (text from HTML), with a run or a tab or a no-break space only further on, or none.
      'word '.repeat(500),
      ' lead ' + 'word '.repeat(500),
      'word '.repeat(100) + '  ' + 'word '.repeat(300),
      'word '.repeat(100) + '\t' + 'word '.repeat(300),
      'word '.repeat(100) + '\u00a0' + 'word '.repeat(300),
      'word '.repeat(130) + '\n\n' + 'word '.repeat(300),
    ];
    for (const text of cases) expect(plainExcerpt(text)).toBe(reference(text));
  });
});
