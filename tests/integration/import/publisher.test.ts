/** "Make these public" after an import: the editor's rules (the school's consent rule), only that import's own pieces. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publishImported } from '../../../src/commands/importedPublisher.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { importFromAnywhere } from '../../../src/server/import/index.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

let app: AppContext;
let site: string;
beforeEach(() => {
  app = createTestApp();
  site = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-publish-'));
  fs.mkdirSync(path.join(site, '_posts'));
  fs.writeFileSync(path.join(site, '_posts', '2020-05-01-one.md'), '---\ntitle: One\n---\nOne.\n');
  fs.writeFileSync(path.join(site, '_posts', '2020-05-02-two.md'), '---\ntitle: Two\n---\nTwo.\n');
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(site, { recursive: true, force: true });
});

const visibilities = () => app.db.$client.prepare('select title, visibility from artifacts order by title').all();

describe('publishImported', () => {
  it('applies the school’s consent rule as the editor does, naming each refused piece with the reason', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const report = await importFromAnywhere(app, { source: site, handle: 'maya' });
    const ids = report.pieces.map((p) => p.id);
    setPolicy(app, { publicRequiresConsent: true });
    const refused = await publishImported(app, { ownerId: maya.id, importedIds: ids, chosenIds: ids });
    expect(refused.published).toEqual([]);
    expect(refused.refused.map((r) => r.title).sort()).toEqual(['One', 'Two']);
    expect(refused.refused[0].reason).toContain('Your school asks for consent before work is public');
    expect(visibilities()).toEqual([{ title: 'One', visibility: 'private' }, { title: 'Two', visibility: 'private' }]);

    app.db.$client.prepare('update users set public_consent_at = ? where id = ?').run(Date.now(), maya.id);
    const made = await publishImported(app, { ownerId: maya.id, importedIds: ids, chosenIds: [ids[0]] });
    expect(made.published.map((p) => p.title)).toEqual(['One']);
    expect(visibilities()).toEqual([{ title: 'One', visibility: 'public' }, { title: 'Two', visibility: 'private' }]);
    const revision = app.db.$client.prepare('select note from revisions where artifact_id = ? order by number desc').get(ids[0]) as { note: string };
    expect(revision.note).toBe('Made public after import');
  });

  it('touches only the owner’s pieces of that import', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const theo = await makeUser(app, { handle: 'theo' });
    const report = await importFromAnywhere(app, { source: site, handle: 'maya' });
    const ids = report.pieces.map((p) => p.id);
    const other = await makeArtifact(app, maya, { title: 'Written here', visibility: 'private' });
    const theirs = await makeArtifact(app, theo, { title: 'Theo', visibility: 'private' });
    const result = await publishImported(app, { ownerId: maya.id, importedIds: ids, chosenIds: [other.id, theirs.id] });
    expect(result.refused.map((r) => r.id)).toEqual([other.id, theirs.id]);
    expect(result.refused.every((r) => r.title === r.id)).toBe(true);
    expect(visibilities()).toEqual([
      { title: 'One', visibility: 'private' },
      { title: 'Theo', visibility: 'private' },
      { title: 'Two', visibility: 'private' },
      { title: 'Written here', visibility: 'private' },
    ]);
    // Theo cannot publish Maya's pieces by naming her import's ids.
    const stolen = await publishImported(app, { ownerId: theo.id, importedIds: ids, chosenIds: ids });
    expect(stolen.published).toEqual([]);
    await expect(publishImported(app, { ownerId: maya.id, importedIds: ids, chosenIds: [] })).rejects.toThrow('Tick the pieces');
  });
});
