/**
 * Publish runs as `jobs` rows with leases (src/server/jobs/queue.ts): the node whose web request or command started
 * a publish runs it and renews its lease; when that node dies another node's job runner takes the publish over and
 * runs it again from the start. The page shows the row's progress; the CLI writes the same rows, so the page's
 * history includes publishes from a shell.
 */
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { jobs } from '../db/schema.ts';
import { createLeasedJob, type JobRow } from '../jobs/queue.ts';

export { failJob, finishJob, jobProgressWriter, type JobProgress, type JobRow } from '../jobs/queue.ts';

/** The kind of a publish job. */
export const PUBLISH_JOB = 'github-publish';
/** A job whose lease ended this long ago and that no node took over was abandoned (no node runs jobs). */
export const STALE_JOB_MS = 15 * 60_000;

/** What any node needs to run a publish again: which target, and whether the student chose to replace the branch. */
export interface PublishJobInput {
  targetId: string;
  force: boolean;
  /** Where the GitHub token comes from: the student's stored connection, which any node can open, or the
   * environment of the command that started it, which no other node has. */
  token: 'connection' | 'environment';
}

/** Creates a publish job that this node holds and runs now. */
export function createPublishJob(app: AppContext, userId: string, input: PublishJobInput, about: Record<string, unknown>): JobRow {
  return createLeasedJob(app, { userId, kind: PUBLISH_JOB, input: { ...input }, about, progress: { step: 'queued', message: 'Waiting to start…' } });
}

/** Marks publishes whose lease ended long ago as failed, so they neither block nor spin forever. */
export function failAbandonedJobs(app: AppContext, userId: string): void {
  app.db
    .update(jobs)
    .set({
      status: 'failed',
      error: 'This publish stopped when the server restarted. Your published site was not changed by it; publish again.',
      leaseUntil: null,
      updatedAt: app.now(),
    })
    .where(
      and(
        eq(jobs.userId, userId),
        eq(jobs.kind, PUBLISH_JOB),
        inArray(jobs.status, ['queued', 'running']),
        lt(sql`coalesce(${jobs.leaseUntil}, ${jobs.updatedAt})`, app.now().getTime() - STALE_JOB_MS),
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
