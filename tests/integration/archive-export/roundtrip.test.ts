/**
 * Export -> import into a fresh instance -> export again gives the same artifacts/, collections/, revisions/ and
 * media bytes, on the demo students and on a generated portfolio that uses every feature; importing twice
 * duplicates nothing; the history keeps its numbers, dates and notes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportArchive } from '../../../src/commands/archiveExporter.ts';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import { importArchiveZip } from '../../../src/commands/archiveZipImporter.ts';
import { loadDemoSchool } from '../../../src/commands/demoLoader.ts';
import { parseFrontmatter } from '../../../src/core/archive/frontmatter.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import { isPortablePath } from '../../../src/core/archive/names.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifacts, media, revisions, users } from '../../../src/server/db/schema.ts';
import { runCli } from '../../helpers/cli.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';
import { fingerprint, listFiles, makeRichPortfolio, rowCounts, verifyZip, type RichPortfolio } from './helpers.ts';

const COMPARED = ['artifacts', 'collections', 'revisions', 'media', 'variants'];
const apps: AppContext[] = [];
let work: string;

function freshApp(): AppContext {
  const app = createTestApp();
  apps.push(app);
  return app;
}

async function exportTo(app: AppContext, handle: string, name: string): Promise<string> {
  const out = path.join(work, name);
  await exportArchive(app, { handle, out: { kind: 'dir', path: out }, site: false });
  return out;
}

beforeAll(() => {
  work = tempDataDir('potluck-roundtrip-');
});

afterAll(() => {
  for (const app of apps) {
    app.db.$client.close();
    fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  }
  fs.rmSync(work, { recursive: true, force: true });
});

describe('round trip of the demo students', () => {
  let demo: AppContext;
  beforeAll(async () => {
    demo = freshApp();
    await loadDemoSchool(demo, path.resolve(import.meta.dirname, '..', '..', '..', 'content', 'demo'));
  }, 60_000);

  for (const handle of ['maya', 'priya', 'theo']) {
    it(`@${handle}: the second export is byte for byte the first`, async () => {
      const first = await exportTo(demo, handle, `${handle}-1`);
      const fresh = freshApp();
      const report = await importArchiveFolder(fresh, { dir: first, handle });
      expect(report.artifacts.created).toBeGreaterThan(0);
      const second = await exportTo(fresh, handle, `${handle}-2`);
      const a = fingerprint(first, COMPARED);
      expect(Object.keys(a).length).toBeGreaterThan(10);
      expect(fingerprint(second, COMPARED)).toEqual(a);
      expect(fs.readFileSync(path.join(second, 'media.json'), 'utf8')).toBe(fs.readFileSync(path.join(first, 'media.json'), 'utf8'));
    });
  }
});

describe('round trip of a generated portfolio', () => {
  let source: AppContext;
  let portfolio: RichPortfolio;
  let first: string;
  let zip: string;
  let fresh: AppContext;

  beforeAll(async () => {
    source = freshApp();
    portfolio = await makeRichPortfolio(source);
    first = await exportTo(source, 'ines', 'ines-1');
    zip = path.join(work, 'ines.zip');
    await exportArchive(source, { handle: 'ines', out: { kind: 'zip', path: zip }, site: false });
    fresh = freshApp();
  }, 60_000);

  it('writes every artifact of every visibility, with portable names and media beside index.md', () => {
    const files = listFiles(first);
    for (const slug of ['rain-over-the-valley', 'leaf-study', 'a-good-article', 'twins', 'spinning', 'best-of-the-year']) {
      expect(files.some((f) => f.includes(slug)), slug).toBe(true);
    }
    // `con` is a device name on Windows: the folder is renamed and the address kept in the frontmatter.
    expect(files).toContain('artifacts/con-item/index.md');
    expect(parseFrontmatter(fs.readFileSync(path.join(first, 'artifacts/con-item/index.md'), 'utf8')).data.slug).toBe('con');
    expect(files).toContain('collections/aux-item.md');
    for (const f of files) expect(isPortablePath(f), f).toBe(true);
    // The picture only the first draft showed is beside index.md, and that draft refers to it by name.
    const essay = listFiles(path.join(first, 'artifacts/rain-over-the-valley'));
    expect(essay).toEqual(['chart-final.png', 'first-draft.png', 'index.md', 'lab-report.pdf', 'scores.csv']);
    const draft = fs.readFileSync(path.join(first, 'revisions/rain-over-the-valley/1.md'), 'utf8');
    expect(draft).toContain('](first-draft.png)');
    expect(draft).not.toContain('media:');
    const index = fs.readFileSync(path.join(first, 'artifacts/rain-over-the-valley/index.md'), 'utf8');
    expect(index).toContain('[page two](lab-report.pdf#page=2)');
    expect(index).toContain('syndication:\n  - https://a.example.org/x\n  - https://hub.example.org/river\n');
    // The same bytes uploaded twice are one file.
    expect(listFiles(path.join(first, 'artifacts/twins'))).toEqual(['index.md', 'twin.jpg']);
    // The library: uploads nothing uses, and the profile photo (notes.pdf has the bytes of lab-report.pdf: not again).
    expect(listFiles(path.join(first, 'media'))).toEqual(['me.png', 'unused.jpg']);
    const manifest = JSON.parse(fs.readFileSync(path.join(first, 'potluck.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'potluck-archive/1', profile: { handle: 'ines', avatar: 'media/me.png' }, site: { title: 'Inés writes', baseUrl: 'https://ines.example.org/portfolio', license: 'CC BY 4.0', noindex: true } });
  });

  it('writes the full history with numbers, dates and notes', () => {
    const stored = source.db
      .select()
      .from(revisions)
      .where(eq(revisions.artifactId, portfolio.ids.essay))
      .orderBy(asc(revisions.number))
      .all();
    expect(stored.map((r) => r.number)).toEqual([1, 2, 3, 4, 5]);
    for (const r of stored) {
      const file = parseFrontmatter(fs.readFileSync(path.join(first, `revisions/rain-over-the-valley/${r.number}.md`), 'utf8'));
      expect(file.data.number).toBe(r.number);
      expect(file.data.createdAt).toBe(r.createdAt.toISOString());
      expect(file.data.note ?? '').toBe(r.note);
    }
    expect(parseFrontmatter(fs.readFileSync(path.join(first, 'revisions/rain-over-the-valley/4.md'), 'utf8')).data.note).toBe('Restored revision 2');
  });

  it('imports the zip into a fresh instance and the next export is byte for byte the first', async () => {
    const report = await importArchiveZip(fresh, { zip, handle: 'ines' });
    expect(report).toMatchObject({ artifacts: { created: 6, updated: 0, unchanged: 0 }, revisions: { added: 10, alreadyHere: 0 }, media: { stored: 10 } });
    const second = await exportTo(fresh, 'ines', 'ines-2');
    expect(fingerprint(second, COMPARED)).toEqual(fingerprint(first, COMPARED));
    expect(fs.readFileSync(path.join(second, 'media.json'), 'utf8')).toBe(fs.readFileSync(path.join(first, 'media.json'), 'utf8'));
    expect(fs.readFileSync(path.join(second, 'hubs.json'), 'utf8')).toContain('https://hub.example.org/river');
  });

  it('keeps revision numbers, dates and notes, the profile, and the stored picture bytes', () => {
    const original = source.db.select().from(revisions).where(eq(revisions.artifactId, portfolio.ids.essay)).orderBy(asc(revisions.number)).all();
    const copied = fresh.db.select().from(revisions).where(eq(revisions.artifactId, portfolio.ids.essay)).orderBy(asc(revisions.number)).all();
    expect(copied.map((r) => [r.number, r.createdAt.getTime(), r.note, r.title])).toEqual(original.map((r) => [r.number, r.createdAt.getTime(), r.note, r.title]));
    expect(fresh.db.select().from(artifacts).where(eq(artifacts.id, portfolio.ids.essay)).get()?.revision).toBe(5);
    const owner = fresh.db.select().from(users).where(eq(users.handle, 'ines')).get()!;
    expect(owner).toMatchObject({ siteTitle: 'Inés writes', siteLicense: 'CC BY 4.0', noindex: true, canonicalBaseUrl: 'https://ines.example.org/portfolio' });
    expect(owner.avatarMediaId).not.toBeNull();
    const before = new Set(source.db.select({ sha: media.sha256 }).from(media).where(eq(media.ownerId, portfolio.owner.id)).all().map((m) => m.sha));
    const after = fresh.db.select().from(media).where(eq(media.ownerId, owner.id)).all();
    // The phone photo was stripped on its first upload; the stripped bytes travel and are kept as they are.
    for (const m of after) expect(before.has(m.sha256), m.filename).toBe(true);
    expect(after.map((m) => m.filename).sort()).toContain('IMG_0042.jpg');
    expect(after.find((m) => m.filename === 'Chart (final).png')?.alt).toBe('A bar chart of rainfall');
  });

  it('importing the same archive again duplicates nothing', async () => {
    const before = rowCounts(fresh);
    const report = await importArchiveZip(fresh, { zip, handle: 'ines' });
    expect(report).toMatchObject({ artifacts: { created: 0, updated: 0, unchanged: 6 }, revisions: { added: 0, alreadyHere: 10 }, media: { stored: 0, reused: 10 } });
    expect(rowCounts(fresh)).toEqual(before);
  });

  it('merges into the original account without duplicating, and keeps both histories when they diverged', async () => {
    // The archive writes two uploads of the same bytes as one file, so "Twins" comes back pointing at one of
    // them: the only change, recorded as a revision; every revision of the archive is recognised.
    const same = await importArchiveFolder(source, { dir: first, handle: 'ines' });
    expect(same).toMatchObject({ artifacts: { created: 0, updated: 1, unchanged: 5 }, revisions: { added: 0, alreadyHere: 10 }, media: { stored: 0 } });
    const twins = source.db.select().from(revisions).where(eq(revisions.artifactId, portfolio.ids.private)).orderBy(asc(revisions.number)).all();
    expect(twins.map((r) => [r.number, r.note])).toEqual([[1, ''], [2, 'Imported from an archive']]);
    const before = rowCounts(source);
    const again = await importArchiveFolder(source, { dir: first, handle: 'ines' });
    expect(again).toMatchObject({ artifacts: { created: 0, updated: 0, unchanged: 6 }, revisions: { added: 0, alreadyHere: 10 }, media: { stored: 0 } });
    expect(rowCounts(source)).toEqual(before);

    // The copy on the fresh instance is edited; the original too, differently: both revision 6s are kept.
    const { saveArtifact } = await import('../../../src/commands/artifactSaver.ts');
    const freshOwner = fresh.db.select().from(users).where(eq(users.handle, 'ines')).get()!;
    const edit = (app: AppContext, ownerId: string, body: string) =>
      saveArtifact(app, { ownerId, artifactId: portfolio.ids.link, input: { title: 'A good article', kind: 'link', visibility: 'unlisted', linkUrl: 'https://example.org/article', body } });
    await edit(fresh, freshOwner.id, 'Edited on the new Potluck.');
    await edit(source, portfolio.owner.id, 'Edited on the old Potluck.');
    const elsewhere = await exportTo(fresh, 'ines', 'ines-edited');
    const merged = await importArchiveFolder(source, { dir: elsewhere, handle: 'ines' });
    expect(merged.artifacts).toMatchObject({ updated: 1 });
    const history = source.db.select().from(revisions).where(eq(revisions.artifactId, portfolio.ids.link)).orderBy(asc(revisions.number)).all();
    expect(history.map((r) => r.body)).toEqual([
      'Worth reading. quixotic-marmalade-ines',
      'Edited on the old Potluck.',
      'Edited on the new Potluck.',
    ]);
    expect(history[2].note).toBe('revision 2 of an imported copy');
    const repeated = await importArchiveFolder(source, { dir: elsewhere, handle: 'ines' });
    expect(repeated).toMatchObject({ artifacts: { created: 0, updated: 0, unchanged: 6 }, revisions: { added: 0, alreadyHere: 11 } });
  });

  it('leaves nothing behind when the site cannot be rendered, and never overwrites without being asked', async () => {
    const dir = path.join(work, 'failed');
    fs.mkdirSync(dir);
    const target = path.join(dir, 'ines.zip');
    const failing = exportArchive(source, {
      handle: 'ines',
      out: { kind: 'zip', path: target },
      site: { renderer: async () => Promise.reject(new PotluckError('CONFLICT', 'No renderer here.')) },
    });
    await expect(failing).rejects.toThrow('No renderer here.');
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.writeFileSync(target, 'keep me');
    await expect(exportArchive(source, { handle: 'ines', out: { kind: 'zip', path: target }, site: false })).rejects.toThrow(/already exists, so nothing was written/);
    expect(fs.readFileSync(target, 'utf8')).toBe('keep me');
    await expect(exportArchive(source, { handle: 'ines', out: { kind: 'dir', path: path.join(work, 'no', 'such', 'parent') }, site: false })).rejects.toThrow(/does not exist/);
    await expect(exportArchive(source, { handle: 'nobody', out: { kind: 'zip', path: path.join(dir, 'x.zip') }, site: false })).rejects.toThrow(/There is no account @nobody/);
  });

  it('potluck import takes the zip from a shell and says what it did, history included', async () => {
    const target = freshApp();
    const r = await runCli(['import', zip, '--handle', 'ines'], { env: { POTLUCK_DATA: target.config.dataDir } });
    expect(r, r.err).toMatchObject({ code: 0 });
    expect(r.out).toContain('Checking and unpacking the zip…');
    expect(r.out).toContain('Imported into @ines (a new account):');
    expect(r.out).toContain('revisions:  10 added to the history, 0 already here');
    const again = await runCli(['import', zip, '--handle', 'ines', '--json'], { env: { POTLUCK_DATA: target.config.dataDir } });
    expect(JSON.parse(again.out)).toMatchObject({ artifacts: { created: 0, unchanged: 6 }, revisions: { added: 0, alreadyHere: 10 } });
  });

  it('the zip reads back entry by entry with yauzl (every CRC checked), and passes unzip -t where unzip exists', async () => {
    const entries = await verifyZip(zip);
    expect(entries).toEqual(expect.arrayContaining(['potluck.json', 'README.html', 'artifacts/con-item/index.md', 'revisions/rain-over-the-valley/5.md']));
    let unzip = true;
    try {
      execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    } catch {
      unzip = false;
    }
    if (unzip) expect(execFileSync('unzip', ['-t', zip]).toString()).toContain('No errors detected');
  });
});
