import { describe, expect, it } from 'vitest';
import { readArchive, textFilesOf } from '../../../src/core/archive/reader.ts';
import { findFileReferences, replaceFileReferences } from '../../../src/core/archive/references.ts';

const manifest = JSON.stringify({
  format: 'potluck-archive/1',
  exportedAt: '2025-06-01T12:00:00Z',
  profile: { handle: 'maya', name: 'Maya' },
  site: { title: 'Maya' },
});

/** A listing from a map of path -> text (binary files as any text: only their names matter to the reader). */
function listing(files: Record<string, string>) {
  const paths = Object.keys(files);
  return { files: paths, texts: new Map(textFilesOf(paths).map((p) => [p, files[p]])) };
}

describe('readArchive', () => {
  it('reads artifacts, their files and collections', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest,
        'artifacts/poem/index.md': '---\ntitle: Poem\ndate: 2024-09-12\ncover: cover.png\n---\n\n![Sea](img/sea.jpg) [pdf](poem.pdf#page=2)\n',
        'artifacts/poem/cover.png': 'x',
        'artifacts/poem/img/sea.jpg': 'x',
        'artifacts/poem/poem.pdf': 'x',
        'artifacts/poem/.DS_Store': 'x',
        'collections/best.md': '---\ntitle: Best\nitems: [poem]\n---\n\nMy best.\n',
      }),
    );
    expect(contents.issues).toEqual([]);
    expect(contents.warnings).toEqual([]);
    expect(contents.artifacts).toHaveLength(1);
    const [poem] = contents.artifacts;
    expect(poem).toMatchObject({ slug: 'poem', file: 'artifacts/poem/index.md', format: 'markdown', cover: 'artifacts/poem/cover.png' });
    expect(poem.files).toEqual([
      { path: 'artifacts/poem/img/sea.jpg', alt: 'Sea' },
      { path: 'artifacts/poem/poem.pdf', alt: '' },
      { path: 'artifacts/poem/cover.png', alt: '' },
    ]);
    expect(contents.collections).toEqual([
      { slug: 'best', file: 'collections/best.md', frontmatter: { title: 'Best', items: ['poem'], visibility: 'members' }, intro: 'My best.\n' },
    ]);
  });

  it('lists every problem in every file, with the line in the file for body problems', () => {
    const contents = readArchive(
      listing({
        'artifacts/a/index.md': '---\ntitle: A\ndate: 2024-01-01\nvisibility: everyone\nid: same\n---\n\nSee ![x](missing.jpg)\nand [y](../b/secret.txt).\n',
        'artifacts/b/index.md': '---\ntitle: B\ndate: 2024-01-01\nid: same\ncover: nope.png\n---\nText\n',
        'artifacts/c/index.mdx': '---\ntitle: C\ndate: 2024-01-01\n---\n\nHello {1 + 1}\n',
        'artifacts/My Folder/index.md': '---\ntitle: D\ndate: 2024-01-01\n---\n',
        'artifacts/empty/photo.jpg': 'x',
        'artifacts/d/index.md': 'no frontmatter here',
      }),
    );
    const lines = contents.issues.map((i) => `${i.field.split(': ')[0]}: ${i.message}`);
    expect(lines).toEqual([
      'potluck.json: is missing: an archive has potluck.json at its top (format, profile, site). Did you pass the folder that contains it?',
      expect.stringMatching(/^artifacts\/a\/index\.md: line 8: refers to "missing\.jpg", which is not in artifacts\/a\//),
      expect.stringMatching(/^artifacts\/a\/index\.md: line 9: "\.\.\/b\/secret\.txt" points outside the artifact's folder/),
      expect.stringMatching(/^artifacts\/b\/index\.md: cover is "nope\.png", which is not in artifacts\/b\//),
      'artifacts/b/index.md: id same is also used by artifacts/a/index.md; every artifact needs its own id (delete the line to get a new one).',
      expect.stringMatching(/^artifacts\/c\/index\.mdx: line 6, column 7: Expressions in curly braces/),
      expect.stringMatching(/^artifacts\/d\/index\.md: has no frontmatter/),
      'artifacts/empty: has no index.md; every artifact folder needs one (frontmatter + text).',
    ]);
    // A folder name that is not an address, and an unknown visibility, have safe readings: warnings, not refusals.
    expect(contents.artifacts.map((a) => [a.folder, a.slug])).toEqual([['My Folder', 'my-folder']]);
    expect(contents.warnings).toEqual(
      expect.arrayContaining([
        'artifacts/My Folder: the folder name is not an address (a–z, 0–9 and single hyphens), so the piece is at my-folder.',
        'artifacts/a/index.md: visibility "everyone" is not one of private, members, unlisted, public, so the piece comes in private; choose who sees it after the import.',
      ]),
    );
    expect(contents.rejected.sort()).toEqual(['a', 'b', 'c', 'd', 'empty']);
  });

  it('warns about files it skips instead of importing them silently', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest,
        'artifacts/poem/index.md': '---\ntitle: Poem\ndate: 2024-09-12\n---\nNo pictures.\n',
        'artifacts/poem/unused.png': 'x',
        'artifacts/stray.md': 'x',
        'collections/notes.txt': 'x',
      }),
    );
    expect(contents.issues).toEqual([]);
    expect(contents.warnings).toEqual([
      'artifacts/stray.md: not inside an artifact folder (artifacts/<name>/index.md); skipped.',
      'artifacts/poem/unused.png: not used by artifacts/poem/index.md (no link, image or cover refers to it); skipped.',
      'collections/notes.txt: collections/ holds one <name>.md per showcase; skipped.',
    ]);
  });

  it("applies the artifact and showcase savers' own limits before anything is written", () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest,
        'artifacts/poem/index.md': '---\ntitle: Poem\ndate: 2024-09-12\n---\nShort.\n',
        'collections/best.md': `---\ntitle: Best\nitems: [poem]\n---\n${'x'.repeat(20_001)}`,
      }),
    );
    expect(contents.issues).toEqual([{ field: 'collections/best.md: intro', message: 'intro: Keep the intro under 20,000 characters.' }]);
  });
});

describe('file references', () => {
  it('rewrites only the URLs of relative references and leaves every other byte as written', () => {
    const body = [
      '![A photo](photo.jpg "photo.jpg") and [slides.pdf](slides.pdf#page=2), [web](https://example.org/x.jpg)',
      '',
      '![logo][l]',
      '',
      '[l]: <my%20logo.png> "Logo"',
      '',
      '```md',
      '![not a reference](code.jpg)',
      '```',
    ].join('\n');
    const refs = findFileReferences(body, 'markdown');
    expect(refs.map((r) => [r.url, r.as, r.alt])).toEqual([
      ['photo.jpg', 'image', 'A photo'],
      ['slides.pdf#page=2', 'link', ''],
      ['my%20logo.png', 'image', 'logo'],
    ]);
    const out = replaceFileReferences(body, refs, (r) => `media:ID${r.fragment}`);
    expect(out).toBe(body.replace('](photo.jpg', '](media:ID').replace('(slides.pdf#page=2)', '(media:ID#page=2)').replace('<my%20logo.png>', '<media:ID>'));
  });

  it('finds the src of an MDX Figure', () => {
    const body = '<Figure src="pic.png" alt="A pic" caption="pic.png" />\n';
    const refs = findFileReferences(body, 'mdx');
    expect(replaceFileReferences(body, refs, () => 'media:Z')).toBe('<Figure src="media:Z" alt="A pic" caption="pic.png" />\n');
  });
});
