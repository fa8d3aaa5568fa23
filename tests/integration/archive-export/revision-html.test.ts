/**
 * A saved version keeps the HTML it was rendered to, and the archive's offline page of that version shows it
 * without rendering the Markdown again; a version that kept none (saved before, or brought in by an archive) is
 * rendered from its Markdown when the archive is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { exportArchive } from '../../../src/commands/archiveExporter.ts';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';

let app: AppContext;
let work: string;
beforeEach(() => {
  app = createTestApp();
  work = tempDataDir('potluck-revision-html-');
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const input = (body: string) => ({ title: 'Tides', body, summary: '', tags: [], kind: 'post' as const, visibility: 'private' as const, date: new Date('2026-03-01T00:00:00Z'), format: 'markdown' as const });

it('stores each version\'s HTML when it is saved, and the offline version page uses it', async () => {
  const maya = await makeUser(app, { handle: 'maya' });
  const { artifact } = await saveArtifact(app, { ownerId: maya.id, input: input('The *first* draft.') });
  await saveArtifact(app, { ownerId: maya.id, artifactId: artifact.id, input: input('The **second** draft.') });
  await saveArtifact(app, { ownerId: maya.id, artifactId: artifact.id, input: input('The third draft.') });
  const rows = app.db.$client.prepare('select number, html from revisions where artifact_id = ? order by number').all(artifact.id) as { number: number; html: string | null }[];
  expect(rows.map((r) => r.number)).toEqual([1, 2, 3]);
  expect(rows[0].html).toContain('<em>first</em>');
  expect(rows[1].html).toContain('<strong>second</strong>');

  // Version 1's stored HTML is what its page shows (a marker proves it was not rendered again); version 2, with
  // none kept, is rendered from its Markdown.
  app.db.$client.prepare("update revisions set html = '<p>kept-html-marker</p>' where artifact_id = ? and number = 1").run(artifact.id);
  app.db.$client.prepare('update revisions set html = null where artifact_id = ? and number = 2').run(artifact.id);
  const out = path.join(work, 'archive');
  await exportArchive(app, { handle: 'maya', out: { kind: 'dir', path: out }, site: false });
  const viewDir = path.join(out, 'view', 'tides');
  expect(fs.readFileSync(path.join(viewDir, '1.html'), 'utf8')).toContain('kept-html-marker');
  expect(fs.readFileSync(path.join(viewDir, '2.html'), 'utf8')).toContain('<strong>second</strong>');
});
