/** The reader's part of the export format: revisions/, media/, media.json, profile.avatar, and slugs in frontmatter. */
import { describe, expect, it } from 'vitest';
import { readArchive, textFilesOf } from '../../../src/core/archive/reader.ts';

const manifest = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ format: 'potluck-archive/1', exportedAt: '2025-06-01T12:00:00Z', profile: { handle: 'maya', name: 'Maya', ...extra }, site: { title: 'Maya' } });

function listing(files: Record<string, string>) {
  const paths = Object.keys(files);
  return { files: paths, texts: new Map(textFilesOf(paths).map((p) => [p, files[p]])) };
}

const poem = '---\nid: p1\ntitle: Poem\ndate: 2024-09-12\n---\n\n![Sea](sea.jpg)\n';

describe('revisions/', () => {
  it('reads each revision with its number, time and note, oldest first, and files from the artifact folder', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest(),
        'artifacts/poem/index.md': poem,
        'artifacts/poem/sea.jpg': 'x',
        'artifacts/poem/draft.png': 'x',
        'revisions/poem/2.md': '---\nnumber: 2\ncreatedAt: 2024-09-13T10:00:00.123Z\nnote: Restored revision 1\ntitle: Poem\ndate: 2024-09-12\nvisibility: members\nkind: post\n---\n\n![Sea](sea.jpg)\n',
        'revisions/poem/1.md': '---\nnumber: 1\ncreatedAt: 2024-09-12T09:00:00Z\ntitle: Poem draft\ndate: 2024-09-12\nvisibility: private\nkind: post\ncover: draft.png\n---\n\nFirst.\n',
      }),
    );
    expect(contents.issues).toEqual([]);
    // draft.png is used only by revision 1: not "unused".
    expect(contents.warnings).toEqual([]);
    const [artifact] = contents.artifacts;
    expect(artifact.revisions.map((r) => [r.number, r.frontmatter.createdAt.toISOString(), r.frontmatter.note])).toEqual([
      [1, '2024-09-12T09:00:00.000Z', ''],
      [2, '2024-09-13T10:00:00.123Z', 'Restored revision 1'],
    ]);
    expect(artifact.revisions[0].cover).toBe('artifacts/poem/draft.png');
    expect(artifact.revisions[1].references.map((r) => r.path)).toEqual(['artifacts/poem/sea.jpg']);
    expect(artifact.files.map((f) => f.path).sort()).toEqual(['artifacts/poem/draft.png', 'artifacts/poem/sea.jpg']);
  });

  it('names the file and field of every problem', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest(),
        'artifacts/poem/index.md': poem,
        'artifacts/poem/sea.jpg': 'x',
        'revisions/poem/1.md': '---\nnumber: 2\ncreatedAt: 2024-09-12T09:00:00Z\ntitle: Poem\ndate: 2024-09-12\nvisibility: private\nkind: post\n---\n',
        'revisions/poem/3.md': '---\nnumber: 3\ncreatedAt: yesterday\ntitle: Poem\ndate: 2024-09-12\nvisibility: secret\nkind: post\n---\n\n![x](missing.png)\n',
        'revisions/poem/draft.md': 'x',
        'revisions/gone/1.md': 'x',
      }),
    );
    expect(contents.issues).toEqual(
      expect.arrayContaining([
        { field: 'revisions/poem/1.md: number', message: 'number is 2 but the file is 1.md; make them the same.' },
        { field: 'revisions/poem/3.md: createdAt', message: 'createdAt must be a date like 2024-09-12 or 2024-09-12T14:30:00Z' },
      ]),
    );
    expect(contents.warnings).toEqual([
      'revisions/gone/1.md: there is no artifacts/gone/ for this revision; skipped.',
      'revisions/poem/draft.md: revisions/ holds revisions/<artifact folder>/<number>.md; skipped.',
      // An unknown visibility has a safe reading (core/archive/lenient.ts): private.
      'revisions/poem/3.md: visibility "secret" is not one of private, members, unlisted, public, so this revision comes in private; choose who sees it after the import.',
    ]);
  });
});

describe('slugs in frontmatter, media/, media.json and the profile picture', () => {
  it('uses the frontmatter slug for a folder renamed for Windows, in artifacts and collections', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest(),
        'artifacts/con-item/index.md': '---\nslug: con\ntitle: Con\ndate: 2024-09-12\n---\n\nPro and con.\n',
        'collections/aux-item.md': '---\nslug: aux\ntitle: Aux\nitems: [con]\n---\n',
      }),
    );
    expect(contents.issues).toEqual([]);
    expect(contents.artifacts.map((a) => [a.slug, a.folder])).toEqual([['con', 'con-item']]);
    expect(contents.collections.map((c) => c.slug)).toEqual(['aux']);
  });

  it('reads a slug that is not an address as the address it spells, and refuses two artifacts at one address', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest(),
        'artifacts/a/index.md': '---\nslug: Not OK\ntitle: A\ndate: 2024-09-12\n---\n',
        'artifacts/b/index.md': '---\nslug: c\ntitle: B\ndate: 2024-09-12\n---\n',
        'artifacts/c/index.md': '---\ntitle: C\ndate: 2024-09-12\n---\n',
      }),
    );
    expect(contents.issues.map((i) => i.field)).toEqual(['artifacts/c/index.md: slug']);
    expect(contents.artifacts.find((a) => a.folder === 'a')?.slug).toBe('not-ok');
  });

  it('reads the media library, the profile picture and media.json', () => {
    const sha = 'a'.repeat(64);
    const contents = readArchive(
      listing({
        'potluck.json': manifest({ avatar: 'media/me.png' }),
        'media.json': JSON.stringify({ format: 'potluck-media/1', items: [{ sha256: sha, filename: 'Me.PNG', alt: 'Me', createdAt: '2024-01-01T10:00:00Z', variants: [{ file: 'w480.webp', width: 480, height: 480 }] }] }),
        'media/me.png': 'x',
        'media/notes.pdf': 'x',
        'media/sub/x.pdf': 'x',
      }),
    );
    expect(contents.issues).toEqual([]);
    expect(contents.avatar).toBe('media/me.png');
    expect(contents.library.map((f) => f.path)).toEqual(['media/me.png', 'media/notes.pdf']);
    expect(contents.warnings).toEqual(['media/sub/x.pdf: media/ holds files directly (no folders inside); skipped.']);
    expect(contents.mediaList?.items[0]).toMatchObject({ sha256: sha, filename: 'Me.PNG', alt: 'Me' });
  });

  it('says what is wrong with media.json and a missing profile picture', () => {
    const contents = readArchive(
      listing({
        'potluck.json': manifest({ avatar: 'media/me.png' }),
        'media.json': JSON.stringify({ format: 'potluck-media/1', items: [{ sha256: 'nope', filename: 'x', variants: [{ file: '../../x', width: 1, height: 1 }] }] }),
      }),
    );
    expect(contents.issues.map((i) => `${i.field}: ${i.message}`)).toEqual([
      'media.json: items.0.sha256: items.0.sha256 must be a SHA-256 in hexadecimal',
      'media.json: items.0.variants.0.file: items.0.variants.0.file must be a variant name like w480.webp',
    ]);
    // The profile picture is not work: a missing one is left out with a warning.
    expect(contents.warnings).toContain('potluck.json: profile.avatar is "media/me.png", which is not in the archive, so it was left out.');
  });
});
