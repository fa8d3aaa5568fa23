/** importArchiveFolder against a real database and media folder, with the demo students as archives. */
import { failInserts } from '../../helpers/faults.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder, legacyDerivedArtifactId } from '../../../src/commands/archiveImporter.ts';
import { storeArtifact } from '../../../src/commands/artifactSaver.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifacts, media, revisions, showcaseItems, showcases, syndications, users } from '../../../src/server/db/schema.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { createTestApp } from '../../helpers/server.ts';
import { copyStudent, demoDir, edit, mediaFiles, rowCounts } from './helpers.ts';

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

function copy(handle: string): string {
  const dir = copyStudent(handle);
  temp.push(dir);
  return dir;
}

const maya = path.join(demoDir, 'students', 'maya');

/** The BAD_ARCHIVE error an import throws, or a failure when it succeeds. */
async function refusal(props: Parameters<typeof importArchiveFolder>[1]): Promise<PotluckError> {
  try {
    await importArchiveFolder(app, props);
  } catch (error) {
    if (error instanceof PotluckError) return error;
    throw error;
  }
  throw new Error('expected the import to be refused');
}

function artifactBySlug(slug: string) {
  const row = app.db.select().from(artifacts).where(eq(artifacts.slug, slug)).get();
  if (!row) throw new Error(`no artifact ${slug}`);
  return row;
}

describe('importing a student folder', () => {
  it('creates the account and every artifact with its visibility, tags, media and showcase', async () => {
    const steps = new Set<string>();
    const report = await importArchiveFolder(app, { dir: maya, handle: 'maya', onProgress: (p) => steps.add(p.step) });

    expect(report).toMatchObject({
      user: { handle: 'maya', created: true },
      artifacts: { created: 7, updated: 0, unchanged: 0 },
      media: { stored: 6, reused: 0 },
      showcases: 1,
      dryRun: false,
    });
    expect(report.warnings).toEqual([expect.stringContaining('without a password: nobody can sign in')]);
    expect([...steps]).toEqual(['check', 'media', 'save']);

    const user = app.db.select().from(users).where(eq(users.handle, 'maya')).get()!;
    expect(user).toMatchObject({ role: 'student', passwordHash: null, name: 'Maya Lindqvist', siteTitle: 'Maya Lindqvist — poems, photos, notes', siteLicense: 'CC BY-NC 4.0' });
    expect(user.links).toEqual([{ label: 'My photo blog', url: 'https://maya-sees-fog.example.org/' }]);

    const rows = app.db.select().from(artifacts).where(eq(artifacts.ownerId, user.id)).all();
    expect(Object.fromEntries(rows.map((a) => [a.slug, `${a.kind}/${a.visibility}`]))).toEqual({
      'why-i-write-on-the-bus': 'post/public',
      'small-weather-chapbook': 'project/public',
      'peer-review-reflection': 'reflection/members',
      'fog-over-the-harbor': 'media/public',
      'poetry-glossary': 'link/public',
      'letter-to-grandmother': 'post/private',
      'notes-on-the-giver': 'post/unlisted',
    });

    const chapbook = artifactBySlug('small-weather-chapbook');
    expect(chapbook.id).toBe('d0ae8f52-9a30-44ea-a285-fea5972d6a0b');
    expect(chapbook.tags).toEqual(['poetry', 'chapbook', 'eng10']);
    expect(chapbook.date.toISOString()).toBe('2025-03-21T00:00:00.000Z');
    expect(chapbook.updatedAt.toISOString()).toBe('2025-04-02T00:00:00.000Z');
    const cover = app.db.select().from(media).where(eq(media.id, chapbook.coverMediaId!)).get()!;
    expect(cover).toMatchObject({ kind: 'image', filename: 'cover.png', ownerId: user.id });
    const pdf = app.db.select().from(media).where(and(eq(media.ownerId, user.id), eq(media.kind, 'attachment'))).get()!;
    expect(pdf).toMatchObject({ filename: 'small-weather.pdf', mime: 'application/pdf' });
    expect(chapbook.body).toContain(`[Download the chapbook (PDF)](media:${pdf.id})`);
    expect(chapbook.body).not.toMatch(/\]\((small-weather\.pdf|cover\.png)\)/);
    expect(chapbook.html).toContain(`/media/${pdf.id}/`);
    expect(chapbook.html).toContain('<table>');

    const fog = artifactBySlug('fog-over-the-harbor');
    const fogMedia = app.db.select().from(media).where(eq(media.filename, 'fog-1.jpg')).get()!;
    expect(fogMedia.alt).toBe('Layers of grey-blue fog over still water');
    expect(fog.coverMediaId).toBe(fogMedia.id);
    expect(artifactBySlug('poetry-glossary').linkUrl).toBe('https://www.poetryfoundation.org/learn/glossary-terms');

    const history = app.db.select().from(revisions).all();
    expect(history).toHaveLength(7);
    expect(new Set(history.map((r) => r.note))).toEqual(new Set(['Imported from an archive']));

    const showcase = app.db.select().from(showcases).where(eq(showcases.ownerId, user.id)).get()!;
    expect(showcase).toMatchObject({ slug: 'best-of-grade-10', title: 'Best of Grade 10', visibility: 'public' });
    expect(showcase.introHtml).toContain('<p>The pieces from this year');
    const items = app.db
      .select({ slug: artifacts.slug })
      .from(showcaseItems)
      .innerJoin(artifacts, eq(artifacts.id, showcaseItems.artifactId))
      .where(eq(showcaseItems.showcaseId, showcase.id))
      .orderBy(asc(showcaseItems.position))
      .all();
    expect(items.map((i) => i.slug)).toEqual(['small-weather-chapbook', 'why-i-write-on-the-bus', 'fog-over-the-harbor', 'peer-review-reflection']);

    expect(mediaFiles(app).filter((f) => /original\./.test(f))).toHaveLength(6);
  });

  it('importing the same folder twice duplicates nothing and stores no new revision', async () => {
    await importArchiveFolder(app, { dir: maya, handle: 'maya' });
    const before = rowCounts(app);
    const files = mediaFiles(app);
    const again = await importArchiveFolder(app, { dir: maya, handle: 'maya' });
    expect(again).toMatchObject({
      user: { created: false },
      artifacts: { created: 0, updated: 0, unchanged: 7 },
      media: { stored: 0, reused: 6 },
      warnings: [],
    });
    expect(rowCounts(app)).toEqual(before);
    expect(mediaFiles(app)).toEqual(files);
  });

  it('an edited archive updates only what changed, with one new revision, and records syndication', async () => {
    const dir = copy('maya');
    await importArchiveFolder(app, { dir, handle: 'maya' });
    edit(dir, 'artifacts/notes-on-the-giver/index.md', 'title: Reading Notes on The Giver', 'title: Reading Notes on "The Giver"\nsyndication: [https://hub.example.org/eng10/giver]');
    const report = await importArchiveFolder(app, { dir, handle: 'maya' });
    expect(report.artifacts).toEqual({ created: 0, updated: 1, unchanged: 6 });
    const giver = artifactBySlug('notes-on-the-giver');
    expect(giver).toMatchObject({ title: 'Reading Notes on "The Giver"', revision: 2 });
    expect(app.db.select().from(revisions).where(eq(revisions.artifactId, giver.id)).all()).toHaveLength(2);
    expect(app.db.select().from(syndications).all()).toEqual([
      expect.objectContaining({ artifactId: giver.id, url: 'https://hub.example.org/eng10/giver', name: 'hub.example.org' }),
    ]);
  });

  it('an artifact without an id gets a stable one, and importing again finds it', async () => {
    const dir = copy('maya');
    edit(dir, 'artifacts/poetry-glossary/index.md', /^id: .*\n/m, '');
    const first = await importArchiveFolder(app, { dir, handle: 'maya' });
    const derived = artifactBySlug('poetry-glossary').id;
    expect(derived).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.warnings).toContain(
      `artifacts/poetry-glossary/index.md: has no id, so it got ${derived}; add "id: ${derived}" to its frontmatter to keep it if you rename the folder.`,
    );
    const second = await importArchiveFolder(app, { dir, handle: 'maya' });
    expect(second.artifacts).toEqual({ created: 0, updated: 0, unchanged: 7 });
  });

  it('cannot be used to learn whether another student has a piece with a given slug', async () => {
    // Maya's glossary, imported without an id: its id is derived, and nobody else can compute it.
    const dir = copy('maya');
    edit(dir, 'artifacts/poetry-glossary/index.md', /^id: .*\n/m, '');
    await importArchiveFolder(app, { dir, handle: 'maya' });
    const hers = artifactBySlug('poetry-glossary').id;
    expect(hers).not.toBe(legacyDerivedArtifactId('maya', 'poetry-glossary'));

    // Eve names the id anyone could compute from "maya" and the slug: the answer is the same as for a slug Maya never
    // used — the id is hers to keep, with no warning.
    const probe = copy('maya');
    const guesses = { 'poetry-glossary': legacyDerivedArtifactId('maya', 'poetry-glossary'), 'notes-on-the-giver': legacyDerivedArtifactId('maya', 'no-such-piece') };
    for (const [slug, id] of Object.entries(guesses)) edit(probe, `artifacts/${slug}/index.md`, /^id: .*$/m, `id: ${id}`);
    const report = await importArchiveFolder(app, { dir: probe, handle: 'eve' });
    expect(report.warnings.filter((w) => /poetry-glossary|notes-on-the-giver/.test(w) && /id/.test(w))).toEqual([]);
    const eve = app.db.select().from(users).where(eq(users.handle, 'eve')).get()!;
    const evesIds = app.db.select({ id: artifacts.id }).from(artifacts).where(eq(artifacts.ownerId, eve.id)).all().map((r) => r.id);
    expect(evesIds).toEqual(expect.arrayContaining(Object.values(guesses)));
  });

  it('finds again a piece an earlier version gave an id derived from handle and slug alone', async () => {
    await importArchiveFolder(app, { dir: maya, handle: 'maya' });
    const owner = app.db.select().from(users).where(eq(users.handle, 'maya')).get()!;
    const legacy = legacyDerivedArtifactId('maya', 'old-notes');
    storeArtifact(app, { ownerId: owner.id, artifactId: legacy, input: { title: 'Old notes', kind: 'post', visibility: 'private', body: 'Kept.', slug: 'old-notes', date: new Date('2024-09-12T00:00:00Z') }, note: 'Imported' });
    const dir = copy('maya');
    fs.mkdirSync(path.join(dir, 'artifacts', 'old-notes'));
    fs.writeFileSync(path.join(dir, 'artifacts', 'old-notes', 'index.md'), '---\ntitle: Old notes\ndate: 2024-09-12\nvisibility: private\nkind: post\n---\nKept.\n');
    const report = await importArchiveFolder(app, { dir, handle: 'maya' });
    expect(report.artifacts.created).toBe(0);
    expect(app.db.select().from(artifacts).where(and(eq(artifacts.ownerId, owner.id), eq(artifacts.slug, 'old-notes'))).all().map((a) => a.id)).toEqual([legacy]);
  });

  it("never touches another account's artifact that happens to share an id", async () => {
    await importArchiveFolder(app, { dir: maya, handle: 'maya' });
    const before = app.db.select().from(artifacts).orderBy(asc(artifacts.id)).all();
    const report = await importArchiveFolder(app, { dir: maya, handle: 'maya-copy' });
    expect(report.artifacts.created).toBe(7);
    expect(report.warnings.filter((w) => w.includes('its id cannot be used on this Potluck, so this piece got a new id'))).toHaveLength(7);
    // Nothing says whose the ids were (the archive's own profile is named, which is the importer's to know).
    expect(report.warnings.filter((w) => w.startsWith('artifacts/')).join('\n')).not.toMatch(/another account|@maya\b|belongs/);
    const mayaId = app.db.select().from(users).where(eq(users.handle, 'maya')).get()!.id;
    expect(app.db.select().from(artifacts).where(eq(artifacts.ownerId, mayaId)).orderBy(asc(artifacts.id)).all()).toEqual(before);
    // Importing the same archive into the same account again finds the new ids: nothing is duplicated.
    const again = await importArchiveFolder(app, { dir: maya, handle: 'maya-copy' });
    expect(again.artifacts).toEqual({ created: 0, updated: 0, unchanged: 7 });
  });

  it('a dry run reports what would happen and writes nothing', async () => {
    const empty = rowCounts(app);
    const dry = await importArchiveFolder(app, { dir: maya, handle: 'maya', dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, user: { created: true }, artifacts: { created: 7 }, media: { stored: 6, reused: 0 }, showcases: 1 });
    expect(rowCounts(app)).toEqual(empty);
    expect(mediaFiles(app)).toEqual([]);

    await importArchiveFolder(app, { dir: maya, handle: 'maya' });
    const after = rowCounts(app);
    const dryAgain = await importArchiveFolder(app, { dir: maya, handle: 'maya', dryRun: true });
    expect(dryAgain).toMatchObject({ artifacts: { created: 0, updated: 0, unchanged: 7 }, media: { stored: 0, reused: 6 } });
    expect(rowCounts(app)).toEqual(after);
  });

  it('imports public work as members, with a warning, when the school requires consent first', async () => {
    setPolicy(app, { defaultVisibility: 'members', publicRequiresConsent: true });
    const report = await importArchiveFolder(app, { dir: maya, handle: 'maya' });
    expect(report.warnings).toContain(
      'This Potluck asks for recorded consent before work is public, so 4 public artifacts were imported as "members". Record consent on the Account page, then make them public again (or import again).',
    );
    expect(app.db.select().from(artifacts).where(eq(artifacts.visibility, 'public')).all()).toEqual([]);
  });
});

describe('refusing a broken archive', () => {
  it('lists every problem and writes nothing: unsafe cover path, missing media file, ../ reference, symlink', async () => {
    await importArchiveFolder(app, { dir: path.join(demoDir, 'students', 'theo'), handle: 'theo' });
    const before = rowCounts(app);
    const files = mediaFiles(app);

    const dir = copy('maya');
    const outside = path.join(os.tmpdir(), `potluck-outside-${process.pid}.txt`);
    fs.writeFileSync(outside, 'a file outside the archive');
    temp.push(outside);
    edit(dir, 'artifacts/peer-review-reflection/index.md', 'visibility: members', 'visibility: members\ncover: /etc/passwd');
    fs.rmSync(path.join(dir, 'artifacts/fog-over-the-harbor/fog-2.jpg'));
    edit(dir, 'artifacts/poetry-glossary/index.md', 'here first.', 'here first. [My notes](../letter-to-grandmother/index.md)');
    fs.rmSync(path.join(dir, 'artifacts/why-i-write-on-the-bus/bus-window.jpg'));
    fs.symlinkSync(outside, path.join(dir, 'artifacts/why-i-write-on-the-bus/bus-window.jpg'));

    const error = await refusal({ dir, handle: 'maya' });
    expect(error.code).toBe('BAD_ARCHIVE');
    const fields = error.issues.map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'artifacts/peer-review-reflection/index.md: cover',
        'artifacts/fog-over-the-harbor/index.md: line 16',
        'artifacts/poetry-glossary/index.md: line 13',
        'artifacts/why-i-write-on-the-bus/bus-window.jpg',
      ]),
    );
    expect(error.message).toContain('nothing was imported');
    expect(error.message).toContain('artifacts/peer-review-reflection/index.md: cover must be the name of an image file beside index.md');
    expect(error.message).toContain('artifacts/fog-over-the-harbor/index.md: line 16: refers to "fog-2.jpg", which is not in artifacts/fog-over-the-harbor/');
    expect(error.message).toContain(`artifacts/poetry-glossary/index.md: line 13: "../letter-to-grandmother/index.md" points outside the artifact's folder`);
    expect(error.message).toContain('artifacts/why-i-write-on-the-bus/bus-window.jpg: is a symbolic link');

    expect(rowCounts(app)).toEqual(before);
    expect(mediaFiles(app)).toEqual(files);
    expect(app.db.select().from(users).where(eq(users.handle, 'maya')).get()).toBeUndefined();
  });

  it('a file the picture pipeline refuses undoes the media stored before it and the new account', async () => {
    const dir = copy('maya');
    fs.writeFileSync(path.join(dir, 'artifacts/fog-over-the-harbor/fog-3.jpg'), 'This is not a picture, only text.\n');
    const error = await refusal({ dir, handle: 'maya' });
    expect(error.issues).toEqual([{ field: 'artifacts/fog-over-the-harbor/fog-3.jpg', message: expect.stringContaining('not a picture Potluck can read') }]);
    expect(rowCounts(app)).toMatchObject({ users: 0, media: 0, artifacts: 0 });
    expect(mediaFiles(app)).toEqual([]);
  });

  it('a failure while saving rolls back every row and removes the stored media and the new account', async () => {
    // The last write of an import is the showcase: make it fail the way a full disk would.
    failInserts(app, 'showcases');
    await expect(importArchiveFolder(app, { dir: maya, handle: 'maya' })).rejects.toThrow('disk I/O error');
    expect(rowCounts(app)).toEqual(Object.fromEntries(Object.keys(rowCounts(app)).map((t) => [t, 0])));
    expect(mediaFiles(app)).toEqual([]);
    expect(app.db.$client.inTransaction).toBe(false);
  });

  it('refuses a zip, a missing folder and a bad handle with advice', async () => {
    const zip = path.join(os.tmpdir(), `potluck-${process.pid}.zip`);
    fs.writeFileSync(zip, 'PK');
    temp.push(zip);
    // Zips are imported by importArchiveZip (the CLI and the Import page), which checks entries before unpacking.
    expect((await refusal({ dir: zip, handle: 'maya' })).message).toMatch(/is a zip file; import it with "potluck import .*\.zip --handle HANDLE"/);
    expect((await refusal({ dir: path.join(os.tmpdir(), 'no-such-archive-here'), handle: 'maya' })).message).toMatch(/^There is no folder at /);
    const bad = await refusal({ dir: maya, handle: 'admin' });
    expect(bad.issues).toEqual([{ field: 'handle', message: 'That handle is reserved; choose another.' }]);
  });
});
