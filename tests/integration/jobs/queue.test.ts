/**
 * Leased jobs on the database (SQLite, and PostgreSQL in the second run): a job is held by the node that made it,
 * another connection claims it only once its lease ended, each claim counts an attempt, a node that lost a job
 * can no longer write to it, a job given back is taken at once, and one started too often fails with a message.
 * The runner renews leases while a job runs and gives back what is still running when it stops.
 */
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { jobs } from '../../../src/server/db/schema.ts';
import { failAbandonedJobs, STALE_JOB_MS } from '../../../src/server/github/publishJobs.ts';
import {
  MAX_ATTEMPTS,
  claimJob,
  createLeasedJob,
  failJob,
  finishJob,
  nodeName,
  releaseJob,
  renewLease,
  resumeJob,
  writeJobProgress,
} from '../../../src/server/jobs/queue.ts';
import { heldJobCount, runHeld, startJobRunner } from '../../../src/server/jobs/runner.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

let app: AppContext;
/** A second connection to the same database, as another node has. */
let other: AppContext;

beforeEach(() => {
  app = createTestApp();
  other = createAppContext(app.config);
});

afterEach(() => {
  other.db.$client.close();
  app.db.$client.close();
});

const row = (id: string) => app.db.select().from(jobs).where(eq(jobs.id, id)).get()!;
const endLease = (id: string) => app.db.update(jobs).set({ leaseUntil: new Date(Date.now() - 1) }).where(eq(jobs.id, id)).run();
/** The job now belongs to another node (it took the job over after this node's lease ended). */
const takenElsewhere = (id: string) => app.db.update(jobs).set({ leasedBy: 'elsewhere:1:abc', leaseUntil: new Date(Date.now() + 60_000) }).where(eq(jobs.id, id)).run();
const newJob = (kind = 'test-kind', lease?: number) => createLeasedJob(app, { userId: null, kind, input: { n: 1 } }, lease);

describe('leased jobs', () => {
  it('are held by the node that made them: no claim while the lease lasts, one claim once it ended', () => {
    const job = newJob();
    expect(row(job.id)).toMatchObject({ status: 'running', leasedBy: nodeName(), attempts: 1, input: { n: 1 } });
    expect(row(job.id).leaseUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(claimJob(other, ['test-kind'])).toBeNull();
    endLease(job.id);
    const claimed = claimJob(other, ['test-kind']);
    expect(claimed).toMatchObject({ id: job.id, status: 'running', attempts: 2 });
    expect(row(job.id)).toMatchObject({ status: 'running', attempts: 2, leasedBy: nodeName() });
    expect(row(job.id).leaseUntil!.getTime()).toBeGreaterThan(Date.now());
    // Taken once: neither connection gets it again while the new lease lasts.
    expect(claimJob(app, ['test-kind'])).toBeNull();
    expect(claimJob(other, ['test-kind'])).toBeNull();
  });

  it('claims only the kinds asked for, oldest first', () => {
    const a = newJob('kind-a');
    const b = newJob('kind-b');
    const c = newJob('kind-a');
    for (const j of [a, b, c]) endLease(j.id);
    expect(claimJob(other, ['kind-b'])?.id).toBe(b.id);
    expect(claimJob(other, ['kind-a'])?.id).toBe(a.id);
    expect(claimJob(other, ['kind-a'])?.id).toBe(c.id);
    expect(claimJob(other, ['kind-a', 'kind-b'])).toBeNull();
    expect(claimJob(other, [])).toBeNull();
  });

  it('lets a node that lost its job write nothing more to it', () => {
    const job = newJob();
    takenElsewhere(job.id);
    expect(renewLease(app, job.id)).toBe(false);
    expect(writeJobProgress(app, job.id, { step: 'late', message: 'too late' })).toBe(false);
    expect(finishJob(app, job.id, { done: true }, { step: 'done' })).toBe(false);
    expect(failJob(app, job.id, 'no')).toBe(false);
    expect(releaseJob(app, job.id)).toBe(false);
    expect(row(job.id)).toMatchObject({ status: 'running', leasedBy: 'elsewhere:1:abc', error: null, progress: { step: 'queued' } });
  });

  it('renews, writes progress and finishes while it holds the lease', () => {
    const job = newJob('test-kind', 1_000);
    const before = row(job.id).leaseUntil!.getTime();
    expect(renewLease(app, job.id, 120_000)).toBe(true);
    expect(row(job.id).leaseUntil!.getTime()).toBeGreaterThan(before + 100_000);
    expect(writeJobProgress(app, job.id, { step: 'work', done: 1, total: 2 })).toBe(true);
    expect(row(job.id).progress).toEqual({ step: 'work', done: 1, total: 2 });
    expect(finishJob(app, job.id, { answer: 42 }, { step: 'done' })).toBe(true);
    expect(row(job.id)).toMatchObject({ status: 'succeeded', result: { answer: 42 }, leaseUntil: null });
    // A finished job is nobody's to renew or claim.
    expect(renewLease(app, job.id)).toBe(false);
    expect(claimJob(other, ['test-kind'])).toBeNull();
  });

  it('extends the lease with each progress it writes (a long step whose renewal timer cannot run keeps its job)', () => {
    const job = newJob('test-kind', 1_000);
    const before = row(job.id).leaseUntil!.getTime();
    expect(writeJobProgress(app, job.id, { step: 'work', done: 1, total: 2 }, 120_000)).toBe(true);
    expect(row(job.id).leaseUntil!.getTime()).toBeGreaterThan(before + 100_000);
  });

  it('resumes a finished job for its next step once, and only as the caller read it', () => {
    const job = newJob();
    finishJob(app, job.id, { step: 'one' }, { step: 'done' });
    const seen = row(job.id).updatedAt;
    const resumed = resumeJob(other, job.id, { n: 2 }, { step: 'two' }, { seen });
    expect(resumed).toMatchObject({ status: 'running', input: { n: 2 }, attempts: 1 });
    // A second press from the same read: the job is running, and after it ends again it is not the job that was read.
    expect(resumeJob(app, job.id, { n: 2 }, { step: 'two' }, { seen })).toBeNull();
    app.db.update(jobs).set({ status: 'succeeded', leaseUntil: null, updatedAt: new Date(seen.getTime() + 5) }).where(eq(jobs.id, job.id)).run();
    expect(resumeJob(app, job.id, { n: 2 }, { step: 'two' }, { seen })).toBeNull();
  });

  it('takes a job given back at once, without counting the attempt', () => {
    const job = newJob();
    expect(releaseJob(app, job.id)).toBe(true);
    expect(row(job.id)).toMatchObject({ status: 'queued', leaseUntil: null, leasedBy: null, attempts: 0 });
    expect(claimJob(other, ['test-kind'])).toMatchObject({ id: job.id, attempts: 1 });
  });

  it(`fails a job started ${MAX_ATTEMPTS} times instead of starting it again, and takes the next`, () => {
    const tired = newJob();
    app.db.update(jobs).set({ attempts: MAX_ATTEMPTS }).where(eq(jobs.id, tired.id)).run();
    endLease(tired.id);
    const fresh = newJob();
    endLease(fresh.id);
    expect(claimJob(other, ['test-kind'], { gaveUp: (j) => `Gave up after ${j.attempts} starts.` })?.id).toBe(fresh.id);
    expect(row(tired.id)).toMatchObject({ status: 'failed', error: `Gave up after ${MAX_ATTEMPTS} starts.`, leaseUntil: null });
  });

  it('leaves a publish whose lease lasts alone, and fails one whose lease ended long ago', async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    const live = createLeasedJob(app, { userId: maya.id, kind: 'github-publish', input: {} });
    // Progress has not moved for an hour, but the lease is being renewed: the publish is alive.
    app.db.update(jobs).set({ updatedAt: new Date(Date.now() - 3_600_000) }).where(eq(jobs.id, live.id)).run();
    failAbandonedJobs(app, maya.id);
    expect(row(live.id).status).toBe('running');
    app.db.update(jobs).set({ leaseUntil: new Date(Date.now() - STALE_JOB_MS - 1_000) }).where(eq(jobs.id, live.id)).run();
    failAbandonedJobs(app, maya.id);
    expect(row(live.id)).toMatchObject({ status: 'failed', leaseUntil: null });
    expect(row(live.id).error).toContain('publish again');
  });
});

describe('the job runner', () => {
  it('renews the lease of a job while it runs', async () => {
    const job = newJob('test-kind', 600);
    let finish = () => {};
    const running = runHeld(app, job, () => new Promise<void>((resolve) => (finish = resolve)), { lease: 600 });
    expect(heldJobCount()).toBe(1);
    const first = row(job.id).leaseUntil!.getTime();
    await new Promise((resolve) => setTimeout(resolve, 900));
    // Renewed: the lease it was made with (600 ms) would have ended by now.
    expect(row(job.id).leaseUntil!.getTime()).toBeGreaterThan(first);
    expect(row(job.id).leaseUntil!.getTime()).toBeGreaterThan(Date.now());
    finish();
    await running;
    expect(heldJobCount()).toBe(0);
  });

  it('aborts the work of a job whose lease passed to another node', async () => {
    const job = newJob('test-kind', 600);
    let aborted = false;
    await runHeld(
      app,
      job,
      (_app, _job, lease) =>
        new Promise<void>((resolve) => {
          takenElsewhere(job.id);
          lease.signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
      { lease: 600 },
    );
    expect(aborted).toBe(true);
  });

  it('does not start a second copy of a job this process still runs, after its lease ran out', async () => {
    const job = newJob('busy-kind', 60_000);
    let started = 0;
    let finish!: () => void;
    const handler = async () => {
      started++;
      await new Promise<void>((resolve) => (finish = resolve));
    };
    const running = runHeld(app, job, handler, { lease: 60_000 });
    // A long step kept the event loop from renewing: the lease ran out while this process still works on it.
    endLease(job.id);
    const runner = startJobRunner(app, { tickMs: 60_000, handlers: { 'busy-kind': handler } });
    try {
      await runner.tick();
      expect(started).toBe(1);
      // Another node takes it as it would any job whose lease ended.
      expect(claimJob(other, ['busy-kind'], { runningHere: [] })?.id).toBe(job.id);
    } finally {
      finish();
      await running;
      await runner.stop();
    }
  });

  it('takes over a job whose lease ended, and gives back the one still running when it stops', async () => {
    const abandoned = newJob('runner-kind');
    endLease(abandoned.id);
    const slow = newJob('runner-kind');
    endLease(slow.id);
    const ran: string[] = [];
    const runner = startJobRunner(other, {
      tickMs: 60_000,
      graceMs: 300,
      lease: 600,
      handlers: {
        'runner-kind': async (context, job, lease) => {
          ran.push(job.id);
          // Runs until the job is no longer this runner's.
          if (job.id === slow.id) return new Promise((resolve) => lease.signal.addEventListener('abort', resolve));
          finishJob(context, job.id, { ok: true }, { step: 'done' });
        },
      },
    });
    await runner.tick();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ran).toEqual([abandoned.id, slow.id]);
    expect(row(abandoned.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(row(slow.id)).toMatchObject({ status: 'running', attempts: 2 });
    await runner.stop();
    expect(row(slow.id)).toMatchObject({ status: 'queued', leasedBy: null, leaseUntil: null, attempts: 1 });
    // Stopped: it claims nothing more, and the work it gave back learns that it is no longer its own.
    await runner.tick();
    expect(row(slow.id).status).toBe('queued');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(heldJobCount()).toBe(0);
  });
});
