/** Background imports: a job's source stays on disk only for the hour it may be imported in, and only its owner sees it. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../../src/server/context.ts';
import { getImportJob, IMPORT_JOB_LIFETIME_MS, newImportJobDir, startImportJob, sweepImportJobs, type ImportJob } from '../../../src/server/import/jobs.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

let app: AppContext;
beforeEach(() => {
  app = createTestApp();
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
});

async function settled(job: ImportJob): Promise<ImportJob> {
  for (let i = 0; i < 200 && (job.state === 'checking' || job.state === 'importing'); i++) await new Promise((r) => setTimeout(r, 25));
  return job;
}

describe('import jobs', () => {
  it('checks in the background, answers only its owner, and is swept with its files after an hour', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const theo = await makeUser(app, { handle: 'theo' });
    const { id, dir } = newImportJobDir(app);
    const source = path.join(dir, 'upload', 'notes.md');
    fs.mkdirSync(path.dirname(source));
    fs.writeFileSync(source, '# Notes\n\nSome notes.\n');
    const job = startImportJob(app, { id, dir, ownerId: maya.id, handle: 'maya', source, label: 'notes.md' });
    expect(job.state).toBe('checking');
    await settled(job);
    expect(job.state).toBe('checked');
    expect(job.check?.pieces).toHaveLength(1);
    expect(job.check?.dryRun).toBe(true);
    expect(app.db.$client.prepare('select count(*) as n from artifacts').get()).toEqual({ n: 0 });
    expect(getImportJob(app, maya.id, id)).toBe(job);
    expect(getImportJob(app, theo.id, id)).toBeUndefined();
    expect(getImportJob(app, maya.id, '../../etc')).toBeUndefined();
    expect(fs.existsSync(source)).toBe(true);

    // A folder no job owns (left by a restarted server) goes too, once it is an hour old.
    const { dir: orphan } = newImportJobDir(app);
    const old = new Date(Date.now() - IMPORT_JOB_LIFETIME_MS - 60_000);
    fs.utimesSync(orphan, old, old);
    sweepImportJobs(app, Date.now() + IMPORT_JOB_LIFETIME_MS + 60_000);
    expect(getImportJob(app, maya.id, id)).toBeUndefined();
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(orphan)).toBe(false);
  });

  it('a source that fails its check leaves nothing behind and says why', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const { id, dir } = newImportJobDir(app);
    const source = path.join(dir, 'upload', 'data.bin');
    fs.mkdirSync(path.dirname(source));
    fs.writeFileSync(source, 'xyz');
    const job = await settled(startImportJob(app, { id, dir, ownerId: maya.id, handle: 'maya', source, label: 'data.bin' }));
    expect(job.state).toBe('failed');
    expect(job.error?.message).toContain('data.bin is not something Potluck can import');
    expect(fs.existsSync(dir)).toBe(false);
  });
});
