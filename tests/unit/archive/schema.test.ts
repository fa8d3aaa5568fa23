import { describe, expect, it } from 'vitest';
import {
  archiveManifestSchema,
  artifactFrontmatterSchema,
  checkArchiveData,
  collectionFrontmatterSchema,
  parseArchiveDate,
} from '../../../src/core/archive/schema.ts';

const file = 'artifacts/poem/index.md';

/** The lines a person would see: "<file>: <message>" for each issue. */
function problems(schema: Parameters<typeof checkArchiveData>[0], data: unknown, name = file): string[] {
  const result = checkArchiveData(schema, data, name);
  if (result.ok) return [];
  return result.issues.map((i) => `${i.field.split(': ')[0]}: ${i.message}`);
}

describe('artifact frontmatter', () => {
  it('fills the minor-safe defaults: members visibility, kind post, no tags', () => {
    const result = checkArchiveData(artifactFrontmatterSchema, { title: 'A poem', date: '2024-09-12', ignored: { any: 'thing' } }, file);
    expect(result).toEqual({
      ok: true,
      value: { title: 'A poem', date: new Date('2024-09-12T00:00:00Z'), summary: '', tags: [], visibility: 'members', kind: 'post', syndication: [] },
    });
  });

  it('names the file and the field in every message', () => {
    const result = checkArchiveData(artifactFrontmatterSchema, { title: 'A poem', date: '2024-09-12', visibility: 'friends' }, file);
    expect(result).toEqual({
      ok: false,
      issues: [{ field: 'artifacts/poem/index.md: visibility', message: 'visibility must be one of private, members, unlisted, public' }],
    });
    expect(problems(artifactFrontmatterSchema, { title: 'A poem', date: '2024-09-12', visibility: 'friends' })).toEqual([
      'artifacts/poem/index.md: visibility must be one of private, members, unlisted, public',
    ]);
  });

  it('collects every problem of a file at once', () => {
    const lines = problems(artifactFrontmatterSchema, {
      date: '2024-02-30',
      kind: 'essay',
      tags: ['ok', '3d'],
      canonical: 'javascript:alert(1)',
      syndication: ['ftp://files.example.org/x'],
      cover: '../../secret.jpg',
      updated: 'last week',
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        'artifacts/poem/index.md: title is required',
        'artifacts/poem/index.md: date must be a date like 2024-09-12 or 2024-09-12T14:30:00Z',
        'artifacts/poem/index.md: updated must be a date like 2024-09-12 or 2024-09-12T14:30:00Z',
        'artifacts/poem/index.md: kind must be one of post, project, reflection, media, link',
        expect.stringMatching(/^artifacts\/poem\/index\.md: tags: The tag "3d" is not valid/),
        'artifacts/poem/index.md: canonical must be a web address starting with https://',
        'artifacts/poem/index.md: syndication must be a web address starting with https://',
        expect.stringMatching(/^artifacts\/poem\/index\.md: cover must be the name of an image file beside index\.md/),
      ]),
    );
    expect(lines).toHaveLength(8);
  });

  it('normalises tags as hashtags are normalised, and takes a comma-separated string too', () => {
    const a = checkArchiveData(artifactFrontmatterSchema, { title: 'x', date: '2024-01-01', tags: ['#Eng10', 'eng10', 'Café'] }, file);
    const b = checkArchiveData(artifactFrontmatterSchema, { title: 'x', date: '2024-01-01', tags: 'eng10, poetry' }, file);
    expect(a.ok && a.value.tags).toEqual(['eng10', 'café']);
    expect(b.ok && b.value.tags).toEqual(['eng10', 'poetry']);
  });

  it('reads a number typed as a title as text (title: 1984)', () => {
    const result = checkArchiveData(artifactFrontmatterSchema, { title: 1984, date: '2024-01-01' }, file);
    expect(result.ok && result.value.title).toBe('1984');
  });

  it('requires link for kind link', () => {
    expect(problems(artifactFrontmatterSchema, { title: 'x', date: '2024-01-01', kind: 'link' })).toEqual([
      'artifacts/poem/index.md: link is required when kind is link (the web address it points to)',
    ]);
  });
});

describe('parseArchiveDate', () => {
  it('reads days as midnight UTC and date-times with or without an offset', () => {
    expect(parseArchiveDate('2024-09-12')?.toISOString()).toBe('2024-09-12T00:00:00.000Z');
    expect(parseArchiveDate('2024-09-12T14:30')?.toISOString()).toBe('2024-09-12T14:30:00.000Z');
    expect(parseArchiveDate('2024-09-12T14:30:05+02:00')?.toISOString()).toBe('2024-09-12T12:30:05.000Z');
    expect(parseArchiveDate('2024-09-12T14:30:05.123-0500')?.toISOString()).toBe('2024-09-12T19:30:05.123Z');
  });

  it('refuses dates that are not in the calendar', () => {
    for (const bad of ['2024-02-30', '2023-02-29', '2024-13-01', '2024-01-01T24:00', '12/09/2024', 'soon']) {
      expect(parseArchiveDate(bad), bad).toBeUndefined();
    }
    expect(parseArchiveDate('2024-02-29')).toBeDefined();
  });
});

describe('potluck.json', () => {
  const valid = {
    format: 'potluck-archive/1',
    exportedAt: '2025-06-01T12:00:00Z',
    profile: { handle: 'maya', name: 'Maya' },
    site: { title: 'Maya’s site' },
    somethingNew: true,
  };

  it('accepts a minimal manifest and ignores keys it does not know', () => {
    const result = checkArchiveData(archiveManifestSchema, valid, 'potluck.json');
    expect(result).toMatchObject({ ok: true, value: { profile: { handle: 'maya', bio: '', links: [] }, site: { title: 'Maya’s site' } } });
    expect(result.ok && 'somethingNew' in result.value).toBe(false);
  });

  it('says which version it reads and which profile link is wrong', () => {
    const lines = problems(
      archiveManifestSchema,
      { ...valid, format: 'potluck-archive/2', profile: { handle: 'maya', name: 'Maya', links: [{ label: 'Blog', url: 'javascript:x' }] } },
      'potluck.json',
    );
    expect(lines).toEqual([
      'potluck.json: format must be "potluck-archive/1" (this archive says "potluck-archive/2"; this Potluck reads version 1 archives)',
      'potluck.json: profile.links.0.url must be a web address starting with https://',
    ]);
  });
});

describe('collection frontmatter', () => {
  it('lists items in order with members visibility by default', () => {
    const result = checkArchiveData(collectionFrontmatterSchema, { title: 'Best', items: ['b', 'a'] }, 'collections/best.md');
    expect(result).toEqual({ ok: true, value: { title: 'Best', items: ['b', 'a'], visibility: 'members' } });
  });

  it('refuses repeated items and names that are not artifact folders', () => {
    expect(problems(collectionFrontmatterSchema, { title: 'Best', items: ['a', 'a', 'My Poem'] }, 'collections/best.md')).toEqual([
      'collections/best.md: items: "My Poem" is not an artifact folder name (like my-first-poem)',
      'collections/best.md: items lists "a" more than once',
    ]);
  });
});
