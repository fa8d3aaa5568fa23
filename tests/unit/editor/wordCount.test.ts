import { describe, expect, it } from 'vitest';
import { countWords, describeLength } from '../../../src/core/editor/wordCount.ts';

describe('word count', () => {
  it('counts words, not markup', () => {
    expect(countWords('## Morning\n\nThe **bus** is _late_ again. #eng10\n\n- one\n- two')).toBe(9);
    expect(countWords('See [the map](https://example.org/a-b-c) here.')).toBe(4);
    expect(countWords('![A blue bus stop](media:abc-123)')).toBe(4);
    expect(countWords('')).toBe(0);
  });
  it('counts words in any script and keeps contractions whole', () => {
    expect(countWords("Élève don't stop — 学生 مرحبا")).toBe(5);
  });
  it('says how long a read it is', () => {
    expect(describeLength(1)).toBe('1 word · under a minute to read');
    expect(describeLength(1482)).toBe('1,482 words · 7 min read');
    expect(describeLength(0)).toBe('0 words');
  });
});
