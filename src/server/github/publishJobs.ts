/**
 * Publish runs as `jobs` rows: the web server runs a publish in the background and the page shows the row's
 * progress; the CLI writes the same rows so the page's history includes publishes from a shell. Progress writes
 * are spaced out (a publish reports every file) except when the step changes.
 */
import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { jobs } from '../db/schema.ts';

/** The kind of a publish job. */
export const PUBLISH_JOB = 'github-publish';
/** A running job that has not moved for this long was abandoned (the server stopped while it ran). */
export const STALE_JOB_MS = 15 * 60_000;

export type JobRow = typeof jobs.$inferSelect;
export type JobProgress = NonNullable<JobRow['progress']>;

/** Creates a queued publish job about a target. */
export function createPublishJob(app: AppContext, userId: string, about: Record<string, unknown>): JobRow {
  const now = app.now();
  const row = {
    id: app.newId(),
    userId,
    kind: PUBLISH_JOB,
    status: 'queued' as const,
    progress: { step: 'queued', message: 'Waiting to start…' },
    result: about,
    error: null,
    createdAt: now,
    updatedAt: now,
  };
  app.db.insert(jobs).values(row).run();
  return row;
}

/** Marks running jobs that stopped moving long ago as failed, so they neither block nor spin forever. */
export function failAbandonedJobs(app: AppContext, userId: string): void {
  app.db
    .update(jobs)
    .set({
      status: 'failed',
      error: 'This publish stopped when the server restarted. Your published site was not changed by it; publish again.',
      updatedAt: app.now(),
    })
    .where(
      and(
        eq(jobs.userId, userId),
        eq(jobs.kind, PUBLISH_JOB),
        inArray(jobs.status, ['queued', 'running']),
        lt(jobs.updatedAt, new Date(app.now().getTime() - STALE_JOB_MS)),
      ),
    )
    .run();
}

/** The publish that is running for a user, if any. */
export function runningPublishJob(app: AppContext, userId: string): JobRow | undefined {
  failAbandonedJobs(app, userId);
  return app.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.userId, userId), eq(jobs.kind, PUBLISH_JOB), inArray(jobs.status, ['queued', 'running'])))
    .get();
}

/** One of a user's publish jobs (null when it is not theirs, so ids cannot be probed). */
export function getPublishJob(app: AppContext, userId: string, id: string): JobRow | null {
  failAbandonedJobs(app, userId);
  return app.db.select().from(jobs).where(and(eq(jobs.id, id), eq(jobs.userId, userId), eq(jobs.kind, PUBLISH_JOB))).get() ?? null;
}

/** A user's latest publish jobs, newest first. */
export function listPublishJobs(app: AppContext, userId: string, limit = 5): JobRow[] {
  failAbandonedJobs(app, userId);
  return app.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.userId, userId), eq(jobs.kind, PUBLISH_JOB)))
    .orderBy(desc(jobs.createdAt))
    .limit(limit)
    .all();
}

/** Writes a job's progress, at most every `intervalMs` unless the step changes; returns the writer. */
export function jobProgressWriter(app: AppContext, jobId: string, intervalMs = 250): (progress: JobProgress) => void {
  let lastStep = '';
  let lastAt = 0;
  return (progress) => {
    const at = Date.now();
    const last = progress.total !== undefined && progress.done === progress.total;
    if (progress.step === lastStep && at - lastAt < intervalMs && !last) return;
    lastStep = progress.step;
    lastAt = at;
    app.db.update(jobs).set({ status: 'running', progress, updatedAt: app.now() }).where(eq(jobs.id, jobId)).run();
  };
}

/** Ends a job with its result. */
export function finishJob(app: AppContext, jobId: string, result: Record<string, unknown>, progress: JobProgress): void {
  app.db.update(jobs).set({ status: 'succeeded', result, progress, error: null, updatedAt: app.now() }).where(eq(jobs.id, jobId)).run();
}

/** Ends a job with an error message (what the student reads). */
export function failJob(app: AppContext, jobId: string, message: string): void {
  app.db.update(jobs).set({ status: 'failed', error: message, updatedAt: app.now() }).where(eq(jobs.id, jobId)).run();
}
