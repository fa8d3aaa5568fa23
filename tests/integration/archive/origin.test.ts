/**
 * Importing work converted from another platform: new pieces arrive private, a re-import keeps what the student
 * changed here and writes nothing when the source is the same.
 */
import { rowsWritten } from '../../../src/server/db/changes.ts';
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder, type ImportOrigin } from '../../../src/commands/archiveImporter.ts';
import { storeArtifact } from '../../../src/commands/artifactSaver.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifacts, revisions, users } from '../../../src/server/db/schema.ts';
import { createTestApp } from '../../helpers/server.ts';
import { rowCounts } from './helpers.ts';
import { piece, writeArchive } from './handwritten.ts';

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

const ids = { first: 'wordpress-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', second: 'wordpress-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' };

function blog(firstBody = 'The first post.\n'): string {
  const dir = writeArchive({
    files: {
      'artifacts/first-post/index.md': piece(`id: ${ids.first}\ntitle: First post\ndate: 2019-03-04\nvisibility: public\ntags: [Travel]`, firstBody),
      'artifacts/second-post/index.md': piece(`id: ${ids.second}\ntitle: Second post\ndate: 2019-04-05`, 'The second post.\n'),
    },
  });
  temp.push(dir);
  return dir;
}

const origin = (): ImportOrigin => ({ kind: 'wordpress', platform: 'WordPress', warnings: ['A comment on "First post" was left out.'], drafts: [ids.second] });

function totalChanges(): number {
  return rowsWritten(app.db);
}

describe('work from another platform', () => {
  it('arrives private whatever its frontmatter says, with the converter’s notes and drafts in the report', async () => {
    const planned = await importArchiveFolder(app, { dir: blog(), handle: 'sam', origin: origin(), dryRun: true });
    expect(planned.origin).toEqual({ kind: 'wordpress', platform: 'WordPress' });
    expect(planned.warnings).toContain('A comment on "First post" was left out.');
    expect(planned.pieces.map((p) => [p.id, p.action, p.visibility, p.draft])).toEqual([
      [ids.first, 'create', 'private', false],
      [ids.second, 'create', 'private', true],
    ]);
    expect(rowCounts(app).artifacts).toBe(0);

    const report = await importArchiveFolder(app, { dir: blog(), handle: 'sam', origin: origin() });
    expect(report.pieces).toEqual(planned.pieces);
    const rows = app.db.select().from(artifacts).all();
    expect(rows.map((r) => r.visibility)).toEqual(['private', 'private']);
    // The consent policy's "imported as members" note is about public work; none arrives public.
    expect(report.warnings.join('\n')).not.toContain('consent');
  });

  it('a second import of the same source reports every piece unchanged and writes nothing', async () => {
    await importArchiveFolder(app, { dir: blog(), handle: 'sam', origin: origin() });
    const before = rowCounts(app);
    const user = app.db.select().from(users).where(eq(users.handle, 'sam')).get()!;
    const changes = totalChanges();

    const again = await importArchiveFolder(app, { dir: blog(), handle: 'sam', origin: origin() });
    expect(again.pieces.map((p) => p.action)).toEqual(['unchanged', 'unchanged']);
    expect(again.artifacts).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(totalChanges()).toBe(changes);
    expect(rowCounts(app)).toEqual(before);
    expect(app.db.select().from(users).where(eq(users.handle, 'sam')).get()).toEqual(user);
  });

  it('keeps what the student changed here: visibility, and edits made since the first import', async () => {
    await importArchiveFolder(app, { dir: blog(), handle: 'sam', origin: origin() });
    const owner = app.db.select().from(users).where(eq(users.handle, 'sam')).get()!;
    const first = app.db.select().from(artifacts).where(eq(artifacts.id, ids.first)).get()!;
    storeArtifact(app, {
      ownerId: owner.id,
      artifactId: first.id,
      input: { title: 'First post, revised', kind: 'post', visibility: 'public', body: 'My better first post.\n', date: first.date, slug: first.slug },
    });

    const same = await importArchiveFolder(app, { dir: blog(), handle: 'sam', origin: origin() });
    expect(same.pieces[0]).toMatchObject({ action: 'unchanged', visibility: 'public', title: 'First post, revised' });
    const kept = app.db.select().from(artifacts).where(eq(artifacts.id, ids.first)).get()!;
    expect(kept).toMatchObject({ title: 'First post, revised', body: 'My better first post.\n', visibility: 'public' });

    // The post changed on the other platform: a new revision, the student's ones stay, and the report says so.
    const history = app.db.select().from(revisions).where(eq(revisions.artifactId, ids.first)).all().length;
    const changed = await importArchiveFolder(app, { dir: blog('The first post, edited on WordPress.\n'), handle: 'sam', origin: origin() });
    expect(changed.pieces.map((p) => p.action)).toEqual(['update', 'unchanged']);
    expect(changed.pieces[0].visibility).toBe('public');
    expect(changed.warnings).toContainEqual(expect.stringMatching(/^artifacts\/first-post\/index\.md: "First post" is not the same on WordPress as when it was imported/));
    const updated = app.db.select().from(artifacts).where(eq(artifacts.id, ids.first)).get()!;
    expect(updated).toMatchObject({ body: 'The first post, edited on WordPress.\n', visibility: 'public' });
    const after = app.db.select().from(revisions).where(eq(revisions.artifactId, ids.first)).all();
    expect(after.length).toBe(history + 1);
    expect(after.map((r) => r.body)).toContain('My better first post.\n');
  });
});
