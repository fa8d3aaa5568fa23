/** Reading a search box: words, phrases, #tags, and text that would be FTS5 syntax if it were passed on as it is. */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isSearching, MAX_QUERY_TERMS, parseSearchQuery } from '../../../src/core/search.ts';

// A real FTS5 table with the index's tokenizer: every parsed query must run against it (a core test, but the
// syntax being guarded against is SQLite's, so the check is SQLite itself).
const db = new Database(':memory:');
db.exec(`create virtual table t using fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')`);
db.prepare('insert into t (title, body) values (?, ?)').run('Élève du jour', 'Photosynthesis needs light. The e-mail came at 10:42, AND (then) col:x NEAR the end.');
db.prepare('insert into t (title, body) values (?, ?)').run('Rivers', 'We walked by the river and measured its depth.');
afterAll(() => db.close());

function run(input: string): number {
  const { match } = parseSearchQuery(input);
  if (match === null) return -1;
  return db.prepare('select count(*) as n from t where t match ?').pluck().get(match) as number;
}

describe('parseSearchQuery', () => {
  it('turns words into prefix terms that must all match', () => {
    expect(parseSearchQuery('photo light')).toMatchObject({ match: '"photo"* "light"*', tags: [] });
    expect(run('photo')).toBe(1);
    expect(run('photo river')).toBe(0);
    expect(run('river')).toBe(1);
  });

  it('keeps a quoted phrase as an exact phrase, and an unclosed quote runs to the end', () => {
    expect(parseSearchQuery('"needs light" walk').match).toBe('"needs light" "walk"*');
    expect(run('"needs light"')).toBe(1);
    expect(run('"light needs"')).toBe(0);
    expect(run('"needs lig')).toBe(0);
    expect(parseSearchQuery('"needs lig').match).toBe('"needs lig"');
  });

  it('finds accented words without the accents and in any case, as the index folds them', () => {
    expect(run('eleve')).toBe(1);
    expect(run('ÉLÈVE')).toBe(1);
    expect(run('élève')).toBe(1);
  });

  it('splits words where the index does, so a hyphenated or timed word still matches', () => {
    expect(parseSearchQuery('e-mail').match).toBe('"e mail"*');
    expect(run('e-mail')).toBe(1);
    expect(run('10:42')).toBe(1);
  });

  it('keeps #tag terms as tag filters, normalised like stored tags, and not as words', () => {
    const query = parseSearchQuery('#Poetry river #ÉTÉ #poetry');
    expect(query.tags).toEqual(['poetry', 'été']);
    expect(query.match).toBe('"river"*');
    expect(parseSearchQuery('#').tags).toEqual([]);
    expect(isSearching(parseSearchQuery('#poetry'))).toBe(true);
  });

  it('never produces an FTS5 syntax error, whatever the box holds', () => {
    const hostile = [
      '"', '""', '"""', 'AND (', 'OR', 'NOT', 'a OR b', 'col:x', 'title:river', '*', '**', '^photo', 'photo*', '-photo',
      'NEAR(a b, 2)', '(', ')', '{title body}: x', '+', "'; drop table t; --", '\\', '\u0000', '\u0002x\u0003', '#',
      'a AND', 'photo + light', '.', ':', '“smart quotes”', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '🍲 potluck', 'x'.repeat(500),
    ];
    for (const input of hostile) expect(() => run(input), input).not.toThrow();
    // Operators typed as words are looked for as words: "AND (" finds the piece with "AND (then)" in it.
    expect(run('AND (')).toBe(2);
    expect(run('col:x')).toBe(1);
    expect(run('title:river')).toBe(0);
  });

  it('asks nothing of the index when there is no word to look for', () => {
    for (const input of ['', '   ', '"', '*', '()', '---', ':']) {
      const query = parseSearchQuery(input);
      expect(query, input).toEqual({ match: null, tags: [], terms: [] });
      expect(isSearching(query)).toBe(false);
    }
  });

  it('uses at most a dozen terms and reads at most 200 characters', () => {
    const many = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    expect(parseSearchQuery(many).terms).toHaveLength(MAX_QUERY_TERMS);
    expect(parseSearchQuery(`${'a'.repeat(199)} tail`).match).toBe(`"${'a'.repeat(199)}"*`);
  });

  it('matches a single letter exactly rather than as the start of every word', () => {
    expect(parseSearchQuery('a').match).toBe('"a"');
    expect(parseSearchQuery('vitamin c').match).toBe('"vitamin"* "c"');
  });
});
