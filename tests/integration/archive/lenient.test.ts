/**
 * Archives written by hand or by another tool: odd fields with a safe reading come in with a warning naming the file
 * and the field; what has no safe reading is still refused, with nothing written.
 */
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifacts, users } from '../../../src/server/db/schema.ts';
import { createTestApp } from '../../helpers/server.ts';
import { mediaFiles, rowCounts } from './helpers.ts';
import { minimalManifest, piece, writeArchive, type HandwrittenArchive } from './handwritten.ts';

let app: AppContext;
const temp: string[] = [];
beforeEach(() => {
  app = createTestApp();
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  for (const dir of temp.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function archive(a: HandwrittenArchive): string {
  const dir = writeArchive(a);
  temp.push(dir);
  return dir;
}

async function refusal(dir: string): Promise<PotluckError> {
  const empty = rowCounts(app);
  try {
    await importArchiveFolder(app, { dir, handle: 'sam' });
  } catch (error) {
    if (!(error instanceof PotluckError)) throw error;
    expect(rowCounts(app)).toEqual(empty);
    expect(mediaFiles(app)).toEqual([]);
    return error;
  }
  throw new Error('expected the import to be refused');
}

const bySlug = (slug: string) => app.db.select().from(artifacts).where(eq(artifacts.slug, slug)).get()!;

describe('an archive another tool wrote', () => {
  it('takes profile links as plain addresses, labelled with their host', async () => {
    const dir = archive({
      manifest: { ...minimalManifest, profile: { handle: 'sam', name: 'Sam', links: ['https://sam.example.org/blog', { title: 'Photos', href: 'https://photos.example.net/' }, 'not a url'] } },
      files: { 'artifacts/hello/index.md': piece('title: Hello\ndate: 2024-01-01') },
    });
    const report = await importArchiveFolder(app, { dir, handle: 'sam' });
    const sam = app.db.select().from(users).where(eq(users.handle, 'sam')).get()!;
    expect(sam.links).toEqual([
      { label: 'sam.example.org', url: 'https://sam.example.org/blog' },
      { label: 'Photos', url: 'https://photos.example.net/' },
    ]);
    expect(report.warnings).toContain('potluck.json: profile.links.2 "not a url" is not a web address starting with https://, so it was left out.');
  });

  it('normalises tags in any case and with spaces, reporting each distinct change once', async () => {
    const dir = archive({
      files: {
        'artifacts/one/index.md': piece('title: One\ndate: 2024-01-01\ntags: [Ünïcode Tag, poetry, "#Week 3"]'),
        'artifacts/two/index.md': piece('title: Two\ndate: 2024-01-02\ntags: Ünïcode Tag, 3d'),
      },
    });
    const planned = await importArchiveFolder(app, { dir, handle: 'sam', dryRun: true });
    expect(planned.pieces.map((p) => p.tags)).toEqual([['ünïcode-tag', 'poetry', 'week-3'], ['ünïcode-tag']]);
    const report = await importArchiveFolder(app, { dir, handle: 'sam' });
    expect(report.warnings.filter((w) => w.startsWith('Tag "Ünïcode Tag"'))).toEqual(['Tag "Ünïcode Tag" became "ünïcode-tag" (in artifacts/one/index.md and 1 more).']);
    expect(report.warnings).toContain('Tag "Week 3" became "week-3" (in artifacts/one/index.md).');
    expect(report.warnings).toContainEqual(expect.stringMatching(/^artifacts\/two\/index\.md: tags: The tag "3d" is not valid.* It was left out\.$/));
    expect(bySlug('one').tags).toEqual(['ünïcode-tag', 'poetry', 'week-3']);
  });

  it('never guesses towards exposure: an unknown visibility is private, an unknown kind a post, an unclear noindex true', async () => {
    const dir = archive({
      manifest: { ...minimalManifest, site: { title: 'Sam', noindex: 'maybe' } },
      files: {
        'artifacts/essay/index.md': piece('title: Essay\ndate: 2024-01-01\nvisibility: Everyone\nkind: essay'),
        'artifacts/shout/index.md': piece('title: Shout\ndate: 2024-01-01\nvisibility: PUBLIC'),
      },
    });
    const report = await importArchiveFolder(app, { dir, handle: 'sam' });
    expect(bySlug('essay')).toMatchObject({ visibility: 'private', kind: 'post' });
    // Only the case differs: that is a reading, not a guess.
    expect(bySlug('shout').visibility).toBe('public');
    expect(app.db.select().from(users).where(eq(users.handle, 'sam')).get()!.noindex).toBe(true);
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        'artifacts/essay/index.md: visibility "Everyone" is not one of private, members, unlisted, public, so the piece comes in private; choose who sees it after the import.',
        'artifacts/essay/index.md: kind "essay" is not one of post, project, reflection, media, link, so the piece comes in as a post.',
        'potluck.json: site.noindex "maybe" is not true or false, so search engines are asked to stay away (change it on the Account page).',
      ]),
    );
  });

  it('reads other odd fields safely, one warning each, and keeps the rest of the portfolio', async () => {
    const dir = archive({
      manifest: { format: 'potluck-archive/1', profile: { handle: 'sam' }, site: {} },
      files: {
        'artifacts/jekyll-post/index.md': piece('title: Jekyll post\ndate: 2009-01-27 14:30:00 +0100\ncanonical: not-a-url\nid: "has spaces in it"'),
        'artifacts/no-title/index.md': piece('date: 2024-01-01\nkind: link'),
        'artifacts/Big Trip/index.md': piece('title: Big trip\ndate: 2024-01-01\nsummary: 42\nsyndication: https://elsewhere.example/1'),
        'collections/best.md': piece('title: Best\nitems: [jekyll-post, gone, big-trip]\nvisibility: world', 'The best.\n'),
      },
    });
    const report = await importArchiveFolder(app, { dir, handle: 'sam' });
    expect(report.artifacts.created).toBe(3);
    expect(bySlug('jekyll-post').date.toISOString()).toBe('2009-01-27T13:30:00.000Z');
    expect(bySlug('jekyll-post').canonical).toBeNull();
    expect(bySlug('no-title')).toMatchObject({ title: 'No title', kind: 'post' });
    expect(bySlug('big-trip')).toMatchObject({ title: 'Big trip', summary: '42' });
    expect(report.warnings).toEqual(
      expect.arrayContaining([
        'artifacts/jekyll-post/index.md: canonical "not-a-url" is not a web address starting with https://, so it was left out.',
        expect.stringMatching(/^artifacts\/jekyll-post\/index\.md: id "has spaces in it" is not an id Potluck can keep/),
        'artifacts/no-title/index.md: title is missing, so it is called "No title"; give it a title of its own after the import.',
        'artifacts/no-title/index.md: kind is link but there is no web address to link to, so the piece comes in as a post.',
        'artifacts/Big Trip: the folder name is not an address (a–z, 0–9 and single hyphens), so the piece is at big-trip.',
        'potluck.json: profile.name is missing, so the account is called "sam"; change it on the Account page.',
        expect.stringMatching(/^collections\/best\.md: items lists "gone", but there is no artifacts\/gone\/ in the archive/),
        expect.stringMatching(/^collections\/best\.md: visibility "world" .* so the showcase comes in private/),
      ]),
    );
    expect(report.showcases).toBe(1);
  });
});

describe('what has no safe reading is still refused, with nothing written', () => {
  it('an unsafe path, text that is not UTF-8, a folder without its text, a missing picture', async () => {
    const dir = archive({
      files: {
        'artifacts/escape/index.md': piece('title: Escape\ndate: 2024-01-01\ncover: ../../../etc/passwd'),
        'artifacts/latin1/index.md': Buffer.from('---\ntitle: Caf\xe9\ndate: 2024-01-01\n---\n\nCaf\xe9\n', 'latin1'),
        'artifacts/empty/notes.txt': 'x',
        'artifacts/missing/index.md': piece('title: Missing\ndate: 2024-01-01', '![A photo](photo.jpg)\n'),
        'artifacts/fine/index.md': piece('title: Fine\ndate: 2024-01-01'),
      },
    });
    const error = await refusal(dir);
    expect(error.message).toContain('nothing was imported');
    expect(error.issues.map((i) => i.field.split(': ')[0])).toEqual(
      expect.arrayContaining(['artifacts/escape/index.md', 'artifacts/latin1/index.md', 'artifacts/empty', 'artifacts/missing/index.md']),
    );
    expect(error.message).toContain('is not UTF-8 text');
    expect(error.message).toContain('has no index.md');
  });

  it('another archive format, and a piece with no date at all in an archive that does not say when it was made', async () => {
    const error = await refusal(
      archive({
        manifest: { format: 'potluck-archive/2', profile: { handle: 'sam', name: 'Sam' }, site: { title: 'x' } },
        files: { 'artifacts/undated/index.md': piece('title: Undated') },
      }),
    );
    expect(error.message).toContain('format must be "potluck-archive/1"');
    expect(error.message).toContain('artifacts/undated/index.md: date is required');
  });

  it('a text file too large to be a piece', async () => {
    const huge = piece('title: Huge\ndate: 2024-01-01', 'word '.repeat(900_000));
    const error = await refusal(archive({ files: { 'artifacts/huge/index.md': huge, 'artifacts/fine/index.md': piece('title: Fine\ndate: 2024-01-01') } }));
    expect(error.message).toContain('artifacts/huge/index.md: is larger than 4 MB');
  });

  it('a YAML alias bomb, quickly and with a clear message', async () => {
    const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const started = Date.now();
    const error = await refusal(archive({ files: { 'artifacts/bomb/index.md': piece(`title: Bomb\ndate: 2024-01-01\n${bomb.join('\n')}`) } }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.message).toContain('artifacts/bomb/index.md: the frontmatter uses YAML aliases (*name) that expand to too much data');
  });
});
