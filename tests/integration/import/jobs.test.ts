/**
 * Background imports are jobs rows: any node answers a job's page and runs its "Import", a job whose node died is
 * taken over by another node's job runner, a job's source stays on disk only for the hour it may be imported in,
 * and only its owner sees it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PotluckError } from '../../../src/core/errors.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { jobs } from '../../../src/server/db/schema.ts';
import {
  getImportJob,
  IMPORT_JOB,
  IMPORT_JOB_LIFETIME_MS,
  importJobHandler,
  newImportJobDir,
  runImportJob,
  startImportJob,
  sweepImportJobs,
  type ImportJob,
} from '../../../src/server/import/jobs.ts';
import { createLeasedJob } from '../../../src/server/jobs/queue.ts';
import { startJobRunner } from '../../../src/server/jobs/runner.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestNodes } from '../../helpers/server.ts';

let app: AppContext;
/** A second node: its own connection to the same database and data folder. */
let other: AppContext;
let close: () => void;
beforeEach(() => {
  ({ app, other, close } = createTestNodes());
});
afterEach(() => close());

/** Waits until the job of `ownerId` is no longer checking or importing, as read by `on`. */
async function settled(on: AppContext, ownerId: string, id: string): Promise<ImportJob> {
  for (let i = 0; i < 400; i++) {
    const job = getImportJob(on, ownerId, id);
    if (!job) throw new Error(`import ${id} is gone`);
    if (job.state !== 'checking' && job.state !== 'importing') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`import ${id} never settled`);
}

/** A job folder with one Markdown file uploaded into it. */
function uploaded(ownerId: string, name = 'notes.md', text = '# Notes\n\nSome notes.\n') {
  const { id, dir } = newImportJobDir(app, ownerId);
  const source = path.join(dir, 'upload', name);
  fs.mkdirSync(path.dirname(source));
  fs.writeFileSync(source, text);
  return { id, dir, source };
}

/** Waits a moment for a folder a finished job removes right after it says it finished. */
async function gone(file: string): Promise<boolean> {
  for (let i = 0; i < 100 && fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 20));
  return !fs.existsSync(file);
}

const artifactCount = (on: AppContext) => (on.db.$client.prepare('select count(*) as n from artifacts').get() as { n: number }).n;

describe('import jobs', () => {
  it('checks in the background, answers only its owner, and is swept with its files after an hour', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const theo = await makeUser(app, { handle: 'theo' });
    const { id, dir, source } = uploaded(maya.id);
    // Beside the student's media, on the volume every node shares.
    expect(dir.startsWith(path.join(app.config.mediaDir, maya.id, '.imports') + path.sep)).toBe(true);
    const job = startImportJob(app, { id, dir, ownerId: maya.id, source, label: 'notes.md' });
    expect(job.state).toBe('checking');
    const checked = await settled(app, maya.id, id);
    expect(checked.state).toBe('checked');
    expect(checked.check?.pieces).toHaveLength(1);
    expect(checked.check?.dryRun).toBe(true);
    expect(artifactCount(app)).toBe(0);
    expect(getImportJob(app, theo.id, id)).toBeUndefined();
    expect(getImportJob(app, maya.id, '../../etc')).toBeUndefined();
    expect(fs.existsSync(source)).toBe(true);

    // A folder no job owns (a node died between the upload and the job) goes too, once it is an hour old.
    const orphan = path.join(path.dirname(dir), 'left-by-a-dead-node');
    fs.mkdirSync(orphan);
    const old = new Date(Date.now() - IMPORT_JOB_LIFETIME_MS - 60_000);
    fs.utimesSync(orphan, old, old);
    const young = newImportJobDir(app, maya.id).dir;
    app.db.update(jobs).set({ createdAt: old, updatedAt: old }).where(eq(jobs.id, id)).run();
    expect(sweepImportJobs(app, { userId: maya.id })).toBe(1);
    expect(getImportJob(app, maya.id, id)).toBeUndefined();
    expect(app.db.select().from(jobs).where(eq(jobs.id, id)).all()).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(orphan)).toBe(false);
    // A folder made a moment ago is a job being started, not an orphan.
    expect(fs.existsSync(young)).toBe(true);
  });

  it('keeps a job touched within the hour (Import pressed late, or given back by a node that stopped), however old', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const { id, dir, source } = uploaded(maya.id);
    startImportJob(app, { id, dir, ownerId: maya.id, source, label: 'notes.md' });
    await settled(app, maya.id, id);
    const longAgo = new Date(Date.now() - IMPORT_JOB_LIFETIME_MS - 60_000);
    // Checked 61 minutes ago; Import pressed a moment ago, then its node stopped and gave it back.
    app.db.update(jobs).set({ createdAt: longAgo, status: 'queued', leaseUntil: null, leasedBy: null, updatedAt: new Date() }).where(eq(jobs.id, id)).run();
    expect(sweepImportJobs(app, { userId: maya.id })).toBe(0);
    expect(getImportJob(app, maya.id, id)?.state).toBe('checking');
    expect(fs.existsSync(source)).toBe(true);
    // Left untouched for the hour (no node took it over): then it goes.
    app.db.update(jobs).set({ updatedAt: longAgo }).where(eq(jobs.id, id)).run();
    expect(sweepImportJobs(app, { userId: maya.id })).toBe(1);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a source that fails its check leaves nothing behind and says why', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const { id, dir, source } = uploaded(maya.id, 'data.bin', 'xyz');
    startImportJob(app, { id, dir, ownerId: maya.id, source, label: 'data.bin' });
    const job = await settled(app, maya.id, id);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toContain('data.bin is not something Potluck can import');
    expect(await gone(dir)).toBe(true);
  });

  it('is followed and imported on another node, once', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const { id, dir, source } = uploaded(maya.id);
    startImportJob(app, { id, dir, ownerId: maya.id, source, label: 'notes.md' });
    const there = await settled(other, maya.id, id);
    expect(there).toMatchObject({ state: 'checked', label: 'notes.md' });

    runImportJob(other, there);
    // A second press, on either node, while it imports or after, imports nothing more.
    expect(() => runImportJob(app, there)).toThrow(PotluckError);
    const imported = await settled(app, maya.id, id);
    expect(imported.state).toBe('imported');
    expect(imported.result?.artifacts.created).toBe(1);
    expect(artifactCount(app)).toBe(1);
    expect(() => runImportJob(other, imported)).toThrow(/done already/);
    // Only the report is kept once imported.
    expect(await gone(path.join(dir, 'upload'))).toBe(true);
    expect(await gone(path.join(dir, 'work'))).toBe(true);
  });

  it('a check whose node died is taken over by another node’s job runner', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const { id, dir } = uploaded(maya.id);
    // What a node that died right after making the job leaves: a running job under a lease that has ended, and the
    // start of an unpacked folder.
    createLeasedJob(app, { id, userId: maya.id, kind: IMPORT_JOB, input: { phase: 'check', source: 'upload/notes.md', label: 'notes.md' } });
    app.db.update(jobs).set({ leaseUntil: new Date(Date.now() - 1000), leasedBy: 'a-node-that-died' }).where(eq(jobs.id, id)).run();
    fs.mkdirSync(path.join(dir, 'work', 'unpacked'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'work', 'unpacked', 'half.md'), '# Half written');
    expect(getImportJob(other, maya.id, id)?.state).toBe('checking');

    const runner = startJobRunner(other, { handlers: { [IMPORT_JOB]: importJobHandler }, tickMs: 60_000 });
    try {
      await runner.tick();
      const job = await settled(other, maya.id, id);
      expect(job.state).toBe('checked');
      expect(job.check?.pieces.map((p) => p.title)).toEqual(['Notes']);
      expect(app.db.select({ attempts: jobs.attempts }).from(jobs).where(eq(jobs.id, id)).get()).toEqual({ attempts: 2 });
    } finally {
      await runner.stop();
    }
  });

  it('keeps five imports an account: the oldest finished one makes room, five running refuse a sixth', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const first = uploaded(maya.id);
    startImportJob(app, { ...first, ownerId: maya.id, label: 'notes.md' });
    expect((await settled(app, maya.id, first.id)).state).toBe('checked');
    // Four more that stay running (held by a node that lives, as far as the database knows).
    const held: string[] = [];
    for (let n = 0; n < 4; n++) {
      const { id } = newImportJobDir(app, maya.id);
      createLeasedJob(app, { id, userId: maya.id, kind: IMPORT_JOB, input: { phase: 'check', source: 'upload/x.md', label: `x${n}.md` } }, 60_000);
      held.push(id);
    }
    const sixth = uploaded(maya.id);
    startImportJob(app, { ...sixth, ownerId: maya.id, label: 'notes.md' });
    expect(getImportJob(app, maya.id, first.id)).toBeUndefined();
    expect(fs.existsSync(first.dir)).toBe(false);
    await settled(app, maya.id, sixth.id);

    // Now five are there and four run: a finished one still makes room. With all five running, a sixth is refused.
    app.db.update(jobs).set({ status: 'running', leaseUntil: new Date(Date.now() + 60_000) }).where(eq(jobs.id, sixth.id)).run();
    const refused = uploaded(maya.id);
    expect(() => startImportJob(app, { ...refused, ownerId: maya.id, label: 'notes.md' })).toThrow(/several imports running already/);
    expect(fs.existsSync(refused.dir)).toBe(false);
    expect(app.db.select().from(jobs).where(eq(jobs.userId, maya.id)).all()).toHaveLength(5);
  });
});
