/**
 * Polling a hub's feeds on request: "poll now" on the sources page and `potluck hub poll [--hub S]`. Every run is a
 * job (kind `hub-poll`) whose progress the page and the CLI show; a run fetches every feed of the hub (or of every
 * hub) whatever its schedule, except feeds whose server asked to be left alone (Retry-After) or that stopped (410).
 */
import { eq } from 'drizzle-orm';
import { authorize } from '../core/policy.ts';
import { schoolSubject } from '../server/policyFacts.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { jobs } from '../server/db/schema.ts';
import { assertCanManage, getHubById } from '../server/hubs/access.ts';
import { workerParser } from '../server/hubs/parsers.ts';
import { dueSourceIds, pollSources, type PollSummary } from '../server/hubs/poller.ts';
import type { SafeFetchOptions } from '../server/net/safeFetch.ts';

/** The kind of the jobs this command records. */
export const HUB_POLL_JOB = 'hub-poll';

export interface PollHubProps {
  /** null: the operator at a shell. */
  actor: Viewer | null;
  /** One hub, or every hub when absent (shell only). */
  hubId?: string;
  /** Only feeds that are due (the scheduler's rule); default false: all of them. */
  dueOnly?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Overrides for safeFetch (tests). */
  fetch?: Partial<SafeFetchOptions>;
}

/** Creates the job row; returns its id and the sources it will poll (after checking the actor may poll). */
function prepare(app: AppContext, props: PollHubProps): { jobId: string; sourceIds: string[] } {
  if (props.hubId) assertCanManage(app, props.actor, getHubById(app, props.hubId));
  else if (props.actor !== null) authorize(props.actor, 'administer', schoolSubject, 'Only admins can poll every hub at once; choose a hub.');
  const sourceIds = dueSourceIds(app, { hubId: props.hubId, force: !props.dueOnly });
  const now = app.now();
  const jobId = app.newId();
  app.db
    .insert(jobs)
    .values({
      id: jobId,
      userId: props.actor?.id ?? null,
      kind: HUB_POLL_JOB,
      status: 'running',
      progress: { step: 'polling', done: 0, total: sourceIds.length, message: props.hubId ?? 'all hubs' },
      createdAt: now,
      updatedAt: now,
    })
    .run();
  return { jobId, sourceIds };
}

async function run(app: AppContext, props: PollHubProps, jobId: string, sourceIds: string[]): Promise<PollSummary> {
  let lastWrite = 0;
  const parser = workerParser();
  try {
    const summary = await pollSources(app, sourceIds, {
      force: !props.dueOnly,
      fetch: props.fetch,
      parser,
      onProgress(done, total) {
        props.onProgress?.(done, total);
        // Progress is for people watching: a write every half second is plenty.
        const now = Date.now();
        if (now - lastWrite < 500 && done < total) return;
        lastWrite = now;
        app.db.update(jobs).set({ progress: { step: 'polling', done, total, message: props.hubId ?? 'all hubs' }, updatedAt: app.now() }).where(eq(jobs.id, jobId)).run();
      },
      onPictures(done, total) {
        const now = Date.now();
        if (now - lastWrite < 500 && done > 0 && done < total) return;
        lastWrite = now;
        app.db.update(jobs).set({ progress: { step: 'pictures', done, total, message: props.hubId ?? 'all hubs' }, updatedAt: app.now() }).where(eq(jobs.id, jobId)).run();
      },
    });
    const { results: _results, ...totals } = summary;
    app.db
      .update(jobs)
      .set({ status: 'succeeded', progress: { step: 'done', done: summary.total, total: summary.total }, result: totals, updatedAt: app.now() })
      .where(eq(jobs.id, jobId))
      .run();
    return summary;
  } catch (error) {
    app.db.update(jobs).set({ status: 'failed', error: (error as Error).message, updatedAt: app.now() }).where(eq(jobs.id, jobId)).run();
    throw error;
  } finally {
    await parser.close();
  }
}

/** Polls and waits: the CLI. Returns the job id and what happened to each feed. */
export async function pollHub(app: AppContext, props: PollHubProps): Promise<{ jobId: string; summary: PollSummary }> {
  const { jobId, sourceIds } = prepare(app, props);
  return { jobId, summary: await run(app, props, jobId, sourceIds) };
}

/** Starts polling and returns at once with the job id ("poll now": the page shows the job's progress). */
export function startHubPoll(app: AppContext, props: PollHubProps): { jobId: string; done: Promise<PollSummary | null> } {
  const { jobId, sourceIds } = prepare(app, props);
  // The job row records a failure; nobody awaits this promise in the request that started it.
  const done = run(app, props, jobId, sourceIds).catch(() => null);
  return { jobId, done };
}

/** A poll job, for its page (only its starter or the shell may read it). */
export function getPollJob(app: AppContext, props: { jobId: string; userId: string | null }) {
  const job = app.db.select().from(jobs).where(eq(jobs.id, props.jobId)).get();
  if (!job || job.kind !== HUB_POLL_JOB || (props.userId !== null && job.userId !== props.userId)) return null;
  return job;
}
