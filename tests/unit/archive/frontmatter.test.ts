import { describe, expect, it } from 'vitest';
import { formatArchiveDate, parseFrontmatter, stringifyFrontmatter } from '../../../src/core/archive/frontmatter.ts';
import { PotluckError } from '../../../src/core/errors.ts';

/** The error parseFrontmatter throws for `text`, or a failure when it does not throw. */
function refusal(text: string, file = 'artifacts/poem/index.md'): PotluckError {
  try {
    parseFrontmatter(text, file);
  } catch (error) {
    if (error instanceof PotluckError) return error;
    throw error;
  }
  throw new Error('expected parseFrontmatter to refuse the file');
}

describe('parseFrontmatter', () => {
  it('splits YAML data from the Markdown body and drops the one blank line between them', () => {
    const parsed = parseFrontmatter('---\ntitle: A poem\ntags: [poetry, eng10]\n---\n\nFirst line.\n\nSecond.\n');
    expect(parsed.data).toEqual({ title: 'A poem', tags: ['poetry', 'eng10'] });
    expect(parsed.body).toBe('First line.\n\nSecond.\n');
    expect(parsed.bodyLine).toBe(6);
  });

  it('reads YAML 1.2: dates and yes/no stay text, so nothing is guessed', () => {
    const { data } = parseFrontmatter('---\ndate: 2024-09-12\nanswer: yes\nzip: 01234\n---\n');
    expect(data).toEqual({ date: '2024-09-12', answer: 'yes', zip: 1234 });
  });

  it('accepts Windows line endings and a byte-order mark', () => {
    const parsed = parseFrontmatter('\uFEFF---\r\ntitle: Hi\r\n---\r\n\r\nBody\r\n');
    expect(parsed).toMatchObject({ data: { title: 'Hi' }, body: 'Body\n' });
  });

  it('refuses ---js frontmatter instead of running it, naming the file', () => {
    const error = refusal('---js\nmodule.exports = { title: require("fs").readFileSync("/etc/passwd", "utf8") }\n---\nbody');
    expect(error.code).toBe('BAD_ARCHIVE');
    expect(error.message).toBe(
      'artifacts/poem/index.md: frontmatter "---js" is not supported; write the frontmatter in YAML between two "---" lines.',
    );
    expect(refusal('---coffee\ntitle: "x"\n---\n').message).toContain('"---coffee" is not supported');
  });

  it('accepts an explicit ---yaml fence', () => {
    expect(parseFrontmatter('---yaml\ntitle: x\n---\nbody').data).toEqual({ title: 'x' });
  });

  it('refuses YAML tags that other loaders turn into code or objects', () => {
    const error = refusal('---\ntitle: !!js/function "function () { return 1 }"\n---\n');
    expect(error.message).toMatch(/^artifacts\/poem\/index\.md: frontmatter line 2: .*YAML tags such as !!js or !foo are not allowed/);
  });

  it('names the file when there is no frontmatter, and says how to add it', () => {
    const error = refusal('# Just a heading\n\nSome text.', 'collections/best.md');
    expect(error.message).toMatch(/^collections\/best\.md: has no frontmatter; start the file with a "---" line/);
    expect(error.issues).toEqual([{ field: 'collections/best.md', message: expect.stringContaining('has no frontmatter') }]);
  });

  it('reports an unclosed block, duplicate keys with their file line, and a list where a mapping belongs', () => {
    expect(refusal('---\ntitle: x\n\nbody').message).toContain('the frontmatter is not closed');
    expect(refusal('---\ntitle: a\ntitle: b\n---\n').message).toMatch(/frontmatter line 3: Map keys must be unique/);
    expect(refusal('---\n- a\n- b\n---\n').message).toContain('must be a list of "key: value" lines');
  });
});

describe('stringifyFrontmatter', () => {
  it('writes keys in the archive order, unknown keys after them alphabetically, and leaves out empty values', () => {
    const text = stringifyFrontmatter(
      {
        zeta: 1,
        kind: 'post',
        visibility: 'public',
        tags: ['a', 'b'],
        title: 'T',
        cover: undefined,
        alpha: 'x',
        id: 'abc',
        date: new Date('2024-09-12T00:00:00Z'),
        canonical: null,
      },
      'Body.\n',
    );
    expect(text).toBe(
      '---\nid: abc\ntitle: T\ndate: 2024-09-12\ntags:\n  - a\n  - b\nvisibility: public\nkind: post\nalpha: x\nzeta: 1\n---\n\nBody.\n',
    );
  });

  it('writes dates at midnight UTC as days and other times in full', () => {
    expect(formatArchiveDate(new Date('2025-03-01T00:00:00Z'))).toBe('2025-03-01');
    expect(formatArchiveDate(new Date('2025-03-01T14:30:05.250Z'))).toBe('2025-03-01T14:30:05.250Z');
  });

  it('round-trips awkward text byte for byte: export -> import -> export gives the same file', () => {
    const data = {
      id: '6ef512ed-262b-40b0-b674-0ed58b510357',
      title: 'Yes: "quoted" #not-a-comment',
      date: '2024-09-12',
      updated: '2025-01-02T03:04:05.000Z',
      summary: '1984',
      tags: ['null', 'true', 'café'],
      visibility: 'members',
      kind: 'reflection',
      syndication: ['https://example.org/a?b=1&c=2'],
      link: 'https://example.org/#frag',
      extra: 'line one\nline two\n',
    };
    const bodies = ['', 'One line', '\nStarts with a blank line\n', '---\nA rule above\n', 'Ends without newline'];
    for (const body of bodies) {
      const text = stringifyFrontmatter(data, body);
      const parsed = parseFrontmatter(text);
      expect(parsed.data).toEqual(data);
      expect(parsed.body).toBe(body);
      expect(stringifyFrontmatter(parsed.data, parsed.body)).toBe(text);
    }
  });
});
