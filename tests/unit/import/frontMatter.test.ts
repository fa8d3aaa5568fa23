/** Front matter of foreign Markdown files: YAML, TOML and JSON read as plain data; bombs and huge blocks refused. */
import { describe, expect, it } from 'vitest';
import { PotluckError } from '../../../src/core/errors.ts';
import { MAX_FRONT_MATTER_CHARS, hasFrontMatter, parseToml, readFrontMatter } from '../../../src/server/import/frontMatter.ts';
import { parseSiteDate } from '../../../src/server/import/markdown.ts';

function ok(text: string) {
  const result = readFrontMatter(text, 'post.md');
  if (!result.ok) throw new Error(result.problem);
  return result;
}

describe('readFrontMatter', () => {
  it('reads YAML as plain data: dates stay text, no language tags run, the body follows the fence', () => {
    const r = ok('---\ntitle: Hello\ndate: 2010-01-10 13:07:09 +00:00\npublished: false\nlayout: ~\nevil: !!js/function "function(){}"\n---\n\nThe body.\n');
    expect(r.format).toBe('yaml');
    expect(r.data.title).toBe('Hello');
    expect(r.data.date).toBe('2010-01-10 13:07:09 +00:00');
    expect(r.data.published).toBe(false);
    expect(typeof r.data.evil).not.toBe('function');
    expect(r.body).toBe('The body.\n');
  });

  it('reads an empty YAML block and a file without front matter', () => {
    expect(ok('---\n---\nEmpty YAML.').data).toEqual({});
    expect(ok('---\n---\nEmpty YAML.').body).toBe('Empty YAML.');
    const none = ok('No YAML.');
    expect(none.format).toBe('none');
    expect(none.body).toBe('No YAML.');
  });

  it('refuses a YAML bomb (aliases that multiply) for the whole source', () => {
    const bomb = ['---', 'a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]', '---', 'boom'].join('\n');
    expect(() => readFrontMatter(bomb, '_posts/2020-01-01-bomb.md')).toThrow(PotluckError);
    expect(() => readFrontMatter(bomb, '_posts/2020-01-01-bomb.md')).toThrow(/_posts\/2020-01-01-bomb\.md: .*aliases/);
  });

  it('refuses front matter larger than any real one, and one never closed past the limit', () => {
    const huge = `---\ntitle: x\nfiller: "${'a'.repeat(MAX_FRONT_MATTER_CHARS)}"\n---\nbody`;
    expect(() => readFrontMatter(huge, 'big.md')).toThrow(/big\.md: the front matter is larger than 64 KB/);
    expect(() => readFrontMatter(`---\ntitle: x\n${'b: c\n'.repeat(20_000)}`, 'open.md')).toThrow(/not closed within 64 KB/);
  });

  it('reports a YAML mistake as a problem of that file only', () => {
    const r = readFrontMatter('---\ntitle: [unclosed\n---\nx', 'typo.md');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(/YAML front matter/);
  });

  it('reads Hugo TOML front matter and names the tables it leaves out', () => {
    const r = ok("+++\ntitle = 'Post 1'\ndate = 2023-01-15T09:00:00-07:00\ndraft = true\ntags = ['red', \"green\"]\n[params]\nauthor = 'x'\n+++\n\nText");
    expect(r.format).toBe('toml');
    expect(r.data).toEqual({ title: 'Post 1', date: '2023-01-15T09:00:00-07:00', draft: true, tags: ['red', 'green'] });
    expect(r.warnings).toEqual(['post.md: the front matter table [params] was left out.']);
    expect(r.body).toBe('Text');
  });

  it('reads JSON front matter and keeps a body with braces', () => {
    const r = ok('{\n  "title": "JSON { post }",\n  "tags": ["a"]\n}\n\nBody with {braces}.');
    expect(r.format).toBe('json');
    expect(r.data).toEqual({ title: 'JSON { post }', tags: ['a'] });
    expect(r.body).toBe('Body with {braces}.');
  });

  it('sniffs front matter cheaply', () => {
    expect(hasFrontMatter('---\ntitle: a\n---\n')).toBe(true);
    expect(hasFrontMatter('+++\ntitle = "a"\n+++\n')).toBe(true);
    expect(hasFrontMatter('# Just a heading')).toBe(false);
  });
});

describe('parseToml', () => {
  it('reads strings with escapes, multi-line strings and arrays, numbers, dotted keys and inline tables', () => {
    const { data, skippedTables } = parseToml(
      [
        'title = "Tab\\there \\u00e9"',
        "path = 'C:\\Users\\x'",
        'description = """',
        'Two',
        'lines"""',
        'literal = \'\'\'raw \\n\'\'\'',
        'weight = 1_000',
        'ratio = -0.5e1',
        'hex = 0xff',
        'when = 2009-01-27',
        'tags = [',
        '  "a", # a comment',
        '  "b",',
        ']',
        'nested = [[1, 2], ["x"]]',
        'cover.image = "c.png"',
        'point = { x = 1, y = "two" }',
        '[[resources]]',
        'src = "a.jpg"',
        '[[resources]]',
        'src = "b.jpg"',
      ].join('\n'),
    );
    expect(data.title).toBe('Tab\there é');
    expect(data.path).toBe('C:\\Users\\x');
    expect(data.description).toBe('Two\nlines');
    expect(data.literal).toBe('raw \\n');
    expect([data.weight, data.ratio, data.hex]).toEqual([1000, -5, 255]);
    expect(data.when).toBe('2009-01-27');
    expect(data.tags).toEqual(['a', 'b']);
    expect(data.nested).toEqual([[1, 2], ['x']]);
    expect(data.cover).toEqual({ image: 'c.png' });
    expect(data.point).toEqual({ x: 1, y: 'two' });
    expect(skippedTables).toEqual(['resources']);
  });

  it('refuses what is not TOML, naming the line', () => {
    expect(() => parseToml('title = "open')).toThrow(/line 1: a string is not closed/);
    expect(() => parseToml('a = 1\na = 2')).toThrow(/line 2: a is defined twice/);
    expect(() => parseToml('a = 1 b')).toThrow(/unexpected text/);
    expect(() => parseToml('a = nope')).toThrow(/expected a value/);
    expect(() => parseToml(`a = ${'['.repeat(100)}`)).toThrow(/nested too deeply/);
    const { data } = parseToml('__proto__.polluted = 1\nx = { __proto__ = { polluted = 2 } }');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(data)).toEqual(['__proto__', 'x']);
  });
});

describe('site dates', () => {
  it('reads the dates Jekyll and Hugo write, in their time zones', () => {
    expect(parseSiteDate('2010-01-10 13:07:09 +00:00')?.toISOString()).toBe('2010-01-10T13:07:09.000Z');
    expect(parseSiteDate('2008-10-18 10:20:00 +0530')?.toISOString()).toBe('2008-10-18T04:50:00.000Z');
    expect(parseSiteDate('2023-01-15T09:00:00-07:00')?.toISOString()).toBe('2023-01-15T16:00:00.000Z');
    expect(parseSiteDate('2009-01-27')?.toISOString()).toBe('2009-01-27T00:00:00.000Z');
    expect(parseSiteDate('yesterday')).toBeUndefined();
    expect(parseSiteDate('2009-13-45')).toBeUndefined();
  });
});
