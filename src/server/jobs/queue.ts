/**
 * Jobs as rows with leases, so that any node can run a job and a node that dies leaves nothing stuck.
 *
 * - A job is made already held by the node that makes it (`createLeasedJob`): a web request or a command starts its
 *   own work at once, and no other node takes it while that node lives.
 * - The node renews the lease while the job runs (every third of the lease). A node that stops renewing (killed,
 *   frozen, cut off from the database) loses the job when the lease ends: another node's runner claims it
 *   (`claimJob`), and the job starts again there, counting the attempt. After `MAX_ATTEMPTS` starts it fails with a
 *   message rather than going round for ever.
 * - A node that stops on purpose gives its running jobs back (`releaseJob`): queued again, without a lease, so the
 *   next node takes them at once, and the attempt is not counted.
 * - Everything a node writes about a job (progress, result, failure) is conditional on its still holding the
 *   lease: a node that lost a job cannot overwrite what the node that took it over writes.
 *
 * Claims are transactions: on SQLite the writer lock, on PostgreSQL the writer lock of the compatibility layer
 * (src/server/db/pg/compat.ts), so two nodes never claim one job. The jobs themselves must tolerate running again
 * after a node died at any point (a publish recognises its own commit; see src/commands/sitePublisher.ts).
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { jobs } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';

export type JobRow = typeof jobs.$inferSelect;
export type JobProgress = NonNullable<JobRow['progress']>;

/** How long a lease lasts unless renewed (POTLUCK_JOB_LEASE_SECONDS). */
export const DEFAULT_LEASE_MS = 60_000;
/** A job is started at most this many times. */
export const MAX_ATTEMPTS = 3;

const SHARED = Symbol.for('potluck.jobNode');

/**
 * This process's name in `leased_by`: host, process id and a random part (a restarted process with the same pid
 * is another node). One per process, shared by the module graphs of the command line and the built site.
 */
export function nodeName(): string {
  const holder = globalThis as typeof globalThis & { [SHARED]?: string };
  holder[SHARED] ??= `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  return holder[SHARED];
}

/** The lease length this process uses: POTLUCK_JOB_LEASE_SECONDS, else one minute. */
export function leaseMs(env: Record<string, string | undefined> = process.env): number {
  const seconds = Number(env.POTLUCK_JOB_LEASE_SECONDS ?? '');
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_LEASE_MS;
}

export interface NewJob {
  /** The row's id; a fresh one when absent (a job whose folder is made before the row passes that folder's id). */
  id?: string;
  userId: string | null;
  kind: string;
  /** What any node needs to run it (no secrets). */
  input: Record<string, unknown>;
  /** What the page shows about it before it has a result. */
  about?: Record<string, unknown>;
  progress?: JobProgress;
}

/** Makes a job that this node holds and runs now. */
export function createLeasedJob(app: AppContext, job: NewJob, lease = leaseMs()): JobRow {
  const now = app.now();
  const row: JobRow = {
    id: job.id ?? app.newId(),
    userId: job.userId,
    kind: job.kind,
    status: 'running',
    progress: job.progress ?? { step: 'queued', message: 'Starting…' },
    result: job.about ?? null,
    error: null,
    input: job.input,
    leaseUntil: new Date(now.getTime() + lease),
    leasedBy: nodeName(),
    attempts: 1,
    createdAt: now,
    updatedAt: now,
  };
  app.db.insert(jobs).values(row).run();
  return row;
}

/** Waiting to be taken: queued, or running under a lease that ended. */
const claimable = (now: Date) =>
  or(and(eq(jobs.status, 'queued'), or(isNull(jobs.leaseUntil), lt(jobs.leaseUntil, now))), and(eq(jobs.status, 'running'), lt(jobs.leaseUntil, now)));

/**
 * Takes the oldest waiting job of these kinds for this node, or null. A job already started MAX_ATTEMPTS times is
 * failed instead (with `gaveUp`'s message), and the next one is looked at.
 */
export function claimJob(
  app: AppContext,
  kinds: string[],
  options: { lease?: number; gaveUp?: (job: JobRow) => string; runningHere?: readonly string[] } = {},
): JobRow | null {
  if (kinds.length === 0) return null;
  const lease = options.lease ?? leaseMs();
  // A job this process is still running, whose lease ran out while a long step kept the event loop busy, is not
  // taken again here: a second copy would run beside the first.
  const notHere = options.runningHere?.length ? [notInArray(jobs.id, [...options.runningHere])] : [];
  return inTransaction(app, () => {
    for (;;) {
      const now = app.now();
      const row = app.db.select().from(jobs).where(and(inArray(jobs.kind, kinds), claimable(now), ...notHere)).orderBy(asc(jobs.createdAt)).limit(1).get();
      if (!row) return null;
      if (row.attempts >= MAX_ATTEMPTS) {
        const message =
          options.gaveUp?.(row) ??
          `This job was started ${row.attempts} times and each time the server running it stopped before it ended, so it was not tried again.`;
        app.db.update(jobs).set({ status: 'failed', error: message, leaseUntil: null, leasedBy: null, updatedAt: now }).where(eq(jobs.id, row.id)).run();
        continue;
      }
      const taken = {
        status: 'running' as const,
        leaseUntil: new Date(now.getTime() + lease),
        leasedBy: nodeName(),
        attempts: row.attempts + 1,
        updatedAt: now,
      };
      const changed = app.db.update(jobs).set(taken).where(and(eq(jobs.id, row.id), claimable(now), ...notHere)).run().changes;
      if (changed === 1) return { ...row, ...taken };
    }
  });
}

/** This node's lease on a job, as a condition. */
const heldHere = (jobId: string) => and(eq(jobs.id, jobId), eq(jobs.leasedBy, nodeName()), eq(jobs.status, 'running'));

/** Extends this node's lease; false when the job is no longer this node's (its lease ended and another took it). */
export function renewLease(app: AppContext, jobId: string, lease = leaseMs()): boolean {
  const until = new Date(app.now().getTime() + lease);
  return app.db.update(jobs).set({ leaseUntil: until }).where(heldHere(jobId)).run().changes === 1;
}

/**
 * Writes a job's progress while this node holds it, extending its lease (a step that reports progress is alive, also
 * from inside a long transaction, when the timer that renews leases cannot run); false when this node does not hold it.
 */
export function writeJobProgress(app: AppContext, jobId: string, progress: JobProgress, lease = leaseMs()): boolean {
  const now = app.now();
  return app.db.update(jobs).set({ progress, updatedAt: now, leaseUntil: new Date(now.getTime() + lease) }).where(heldHere(jobId)).run().changes === 1;
}

/** Writes a job's progress at most every `intervalMs` unless the step changes, or it is the last of a count. */
export function jobProgressWriter(app: AppContext, jobId: string, intervalMs = 250): (progress: JobProgress) => void {
  let lastStep = '';
  let lastAt = 0;
  return (progress) => {
    const at = Date.now();
    const last = progress.total !== undefined && progress.done === progress.total;
    if (progress.step === lastStep && at - lastAt < intervalMs && !last) return;
    lastStep = progress.step;
    lastAt = at;
    writeJobProgress(app, jobId, progress);
  };
}

/** Ends a job this node holds with its result; false when the job had passed to another node. */
export function finishJob(app: AppContext, jobId: string, result: Record<string, unknown>, progress: JobProgress): boolean {
  return (
    app.db
      .update(jobs)
      .set({ status: 'succeeded', result, progress, error: null, leaseUntil: null, updatedAt: app.now() })
      .where(heldHere(jobId))
      .run().changes === 1
  );
}

/**
 * Ends a job this node holds with an error message (what the person reads), and with `result` when given (details
 * the page lists, such as the problems found); false when it had passed on.
 */
export function failJob(app: AppContext, jobId: string, message: string, result?: Record<string, unknown>): boolean {
  return (
    app.db
      .update(jobs)
      .set({ status: 'failed', error: message, leaseUntil: null, updatedAt: app.now(), ...(result ? { result } : {}) })
      .where(heldHere(jobId))
      .run().changes === 1
  );
}

/**
 * Holds again on this node a job that succeeded, to run its next step with `input` (an import that was checked, then
 * imported); null when it is not a succeeded job (any more), or not the one the caller read: pressed twice, or
 * another node was first.
 */
export function resumeJob(
  app: AppContext,
  jobId: string,
  input: Record<string, unknown>,
  progress: JobProgress,
  options: { seen?: Date; lease?: number } = {},
): JobRow | null {
  const lease = options.lease ?? leaseMs();
  return inTransaction(app, () => {
    const now = app.now();
    const taken = { status: 'running' as const, input, progress, error: null, leaseUntil: new Date(now.getTime() + lease), leasedBy: nodeName(), attempts: 1, updatedAt: now };
    // `seen`: only the job as the caller read it (its step ended then), not one resumed and ended again since.
    const unchanged = options.seen ? [eq(jobs.updatedAt, options.seen)] : [];
    const changed = app.db.update(jobs).set(taken).where(and(eq(jobs.id, jobId), eq(jobs.status, 'succeeded'), ...unchanged)).run().changes;
    return changed === 1 ? (app.db.select().from(jobs).where(eq(jobs.id, jobId)).get() ?? null) : null;
  });
}

/** Deletes the finished jobs of `kind` that ended more than `olderThanMs` ago (jobs nobody looks at afterwards). */
export function deleteFinishedJobs(app: AppContext, kind: string, olderThanMs: number): number {
  const cutoff = new Date(app.now().getTime() - olderThanMs);
  return app.db.delete(jobs).where(and(eq(jobs.kind, kind), inArray(jobs.status, ['succeeded', 'failed']), lt(jobs.updatedAt, cutoff))).run().changes;
}

/** Gives a job this node holds back to the queue (this node is stopping): the next node takes it at once. */
export function releaseJob(app: AppContext, jobId: string): boolean {
  return (
    app.db
      .update(jobs)
      .set({
        status: 'queued',
        leaseUntil: null,
        leasedBy: null,
        attempts: sql`max(${jobs.attempts} - 1, 0)`,
        progress: { step: 'queued', message: 'Waiting for another server to take over…' },
        updatedAt: app.now(),
      })
      .where(heldHere(jobId))
      .run().changes === 1
  );
}
