/** The import report's piece list: the dry run shows exactly what the import then does. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { createTestApp } from '../../helpers/server.ts';
import { demoDir, rowCounts } from './helpers.ts';

let app: AppContext;
beforeEach(() => {
  app = createTestApp();
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
});

const maya = path.join(demoDir, 'students', 'maya');

describe('the pieces of an import', () => {
  it('are listed by the dry run as the import then brings them in', async () => {
    const planned = await importArchiveFolder(app, { dir: maya, handle: 'maya', dryRun: true });
    expect(rowCounts(app).artifacts).toBe(0);
    expect(planned.pieces).toHaveLength(7);
    expect(planned.pieces.every((p) => p.action === 'create' && !p.draft)).toBe(true);
    const bus = planned.pieces.find((p) => p.slug === 'why-i-write-on-the-bus')!;
    expect(bus).toMatchObject({ visibility: 'public', title: expect.any(String) });
    expect(bus.date).toMatch(/^\d{4}-\d\d-\d\dT/);

    const done = await importArchiveFolder(app, { dir: maya, handle: 'maya' });
    expect(done.pieces).toEqual(planned.pieces);
    expect(done.origin).toBeUndefined();

    const again = await importArchiveFolder(app, { dir: maya, handle: 'maya', dryRun: true });
    expect(again.pieces.map((p) => p.action)).toEqual(planned.pieces.map(() => 'unchanged'));
  });
});
