/**
 * Running leased jobs (src/server/jobs/queue.ts) in this process.
 *
 * - `runHeld` runs a job this node holds, renewing its lease every third of it until the work ends. Every job this
 *   process runs is listed in one place per process (shared by the module graphs of the command line and the built
 *   site), so that `releaseHeldJobs` can hand all of them back when the process stops.
 * - `startJobRunner` looks for waiting jobs every tick (a job whose node died, or one given back by a node that
 *   stopped) and runs them with the handler of their kind, a few at a time.
 */
import type { AppContext } from '../context.ts';
import { createAppContext } from '../context.ts';
import type { Config } from '../config.ts';
import { backgroundWork } from '../backgroundWork.ts';
import { logger as defaultLogger, type Logger } from '../logger.ts';
import { claimJob, leaseMs, releaseJob, renewLease, type JobRow } from './queue.ts';

/** What a job's handler gets besides the job: `signal` aborts when the lease is lost to another node. */
export interface HeldLease {
  signal: AbortSignal;
}

/** Runs a job of one kind to its end, writing its result or failure itself (with finishJob / failJob). */
export type JobHandler = (app: AppContext, job: JobRow, lease: HeldLease) => Promise<unknown>;

interface Held {
  app: AppContext;
  done: Promise<void>;
}

const SHARED = Symbol.for('potluck.heldJobs');

function held(): Map<string, Held> {
  const holder = globalThis as typeof globalThis & { [SHARED]?: Map<string, Held> };
  holder[SHARED] ??= new Map();
  return holder[SHARED];
}

interface Renewal {
  holders: number;
  timer: NodeJS.Timeout;
  controller: AbortController;
}

const RENEWALS = Symbol.for('potluck.jobRenewals');

function renewals(): Map<string, Renewal> {
  const holder = globalThis as typeof globalThis & { [RENEWALS]?: Map<string, Renewal> };
  holder[RENEWALS] ??= new Map();
  return holder[RENEWALS];
}

/**
 * Renews this node's lease on a job every third of the lease until `end()`; `signal` aborts when the lease was lost
 * to another node. Holding a job that is already held here shares the one renewal.
 */
export function holdLease(app: AppContext, jobId: string, options: { lease?: number; logger?: Logger } = {}): { signal: AbortSignal; end(): void } {
  let renewal = renewals().get(jobId);
  if (!renewal) {
    const lease = options.lease ?? leaseMs();
    const log = (options.logger ?? defaultLogger).child({ component: 'jobs', jobId });
    const controller = new AbortController();
    const timer = setInterval(() => {
      try {
        if (!renewLease(app, jobId, lease)) {
          clearInterval(timer);
          log.warn('This node no longer holds the job (its lease ended and another node took it over)');
          controller.abort(new Error('The lease on this job passed to another node.'));
        }
      } catch (error) {
        // The database did not answer: the next renewal tries again, well before the lease ends.
        log.warn('Renewing a job lease failed', { error });
      }
    }, Math.max(200, Math.floor(lease / 3)));
    timer.unref();
    renewal = { holders: 0, timer, controller };
    renewals().set(jobId, renewal);
  }
  renewal.holders++;
  const it = renewal;
  let ended = false;
  return {
    signal: it.controller.signal,
    end() {
      if (ended) return;
      ended = true;
      if (--it.holders === 0) {
        clearInterval(it.timer);
        renewals().delete(jobId);
      }
    },
  };
}

/** Runs a job this node holds, renewing its lease while `handler` works; resolves when it ends (never rejects). */
export function runHeld(app: AppContext, job: JobRow, handler: JobHandler, options: { lease?: number; logger?: Logger } = {}): Promise<void> {
  const log = (options.logger ?? defaultLogger).child({ component: 'jobs', jobId: job.id, kind: job.kind });
  const lease = holdLease(app, job.id, options);
  const done = (async () => {
    try {
      await handler(app, job, { signal: lease.signal });
    } catch (error) {
      log.warn('A job ended with an error', { error });
    } finally {
      lease.end();
      held().delete(job.id);
    }
  })();
  held().set(job.id, { app, done });
  return done;
}

/** How many jobs this process is running. */
export function heldJobCount(): number {
  return held().size;
}

/**
 * Waits up to `graceMs` for the jobs this process runs, then gives back those still running (queued again, for
 * another node). Returns how many were given back.
 */
export async function releaseHeldJobs(graceMs: number): Promise<number> {
  const running = [...held().values()].map((h) => h.done);
  if (running.length > 0) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(running), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }
  let released = 0;
  for (const [id, h] of held()) {
    try {
      if (releaseJob(h.app, id)) released++;
    } catch {
      // The database is gone: the lease ends on its own and another node takes the job then.
    }
  }
  return released;
}

export interface JobRunnerOptions {
  /** Handlers by job kind; only these kinds are claimed. */
  handlers: Record<string, JobHandler>;
  tickMs?: number;
  /** Jobs run at once by this runner. Default 2. */
  concurrency?: number;
  lease?: number;
  /** How long stop() waits for running jobs before giving them back. Default 5 seconds. */
  graceMs?: number;
  logger?: Logger;
  /** The failure message of a job that was started too often. */
  gaveUp?: (job: JobRow) => string;
  /** Run at the first tick and then hourly (removing what finished jobs left that has expired). */
  housekeeping?: (app: AppContext) => void;
}

export interface JobRunner {
  /** Claims and starts what is waiting now (tests); resolves once those jobs were started. */
  tick(): Promise<void>;
  /** Stops claiming; waits for the running jobs up to graceMs, then gives the rest back. */
  stop(): Promise<void>;
}

/** Every tick, claims waiting jobs of the handled kinds and runs them, up to `concurrency` at a time. */
export function startJobRunner(app: AppContext, options: JobRunnerOptions): JobRunner {
  const kinds = Object.keys(options.handlers);
  const concurrency = options.concurrency ?? 2;
  const log = (options.logger ?? defaultLogger).child({ component: 'jobs' });
  const mine = new Set<string>();
  let stopped = false;

  let swept = 0;
  const tick = async (): Promise<void> => {
    if (options.housekeeping && !stopped && Date.now() - swept > 60 * 60 * 1000) {
      swept = Date.now();
      try {
        options.housekeeping(app);
      } catch (error) {
        log.warn('Cleaning up after finished jobs failed; it is tried again in an hour', { error });
      }
    }
    while (!stopped && mine.size < concurrency) {
      let job: JobRow | null;
      try {
        job = claimJob(app, kinds, { lease: options.lease, gaveUp: options.gaveUp, runningHere: [...held().keys()] });
      } catch (error) {
        log.warn('Looking for waiting jobs failed; the next tick tries again', { error });
        return;
      }
      if (!job) return;
      log.info('Took over a job', { jobId: job.id, kind: job.kind, attempt: job.attempts });
      mine.add(job.id);
      const id = job.id;
      void runHeld(app, job, options.handlers[job.kind]!, { lease: options.lease, logger: options.logger }).finally(() => mine.delete(id));
    }
  };

  const timer = setInterval(() => void tick(), options.tickMs ?? 5_000);
  timer.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await releaseHeldJobs(options.graceMs ?? 5_000);
    },
  };
}

/**
 * The server's job runner as the environment asks: it takes over jobs of nodes that died unless `POTLUCK_JOBS=off`
 * (off under the test runner unless `POTLUCK_JOBS=on`); `POTLUCK_JOBS_TICK_SECONDS` sets how often it looks
 * (default 5). Its stop() always gives back the jobs this process runs, whether or not the runner looks for more.
 */
export function startJobsFromEnv(
  config: Config,
  env: Record<string, string | undefined>,
  jobs: Pick<JobRunnerOptions, 'handlers' | 'housekeeping'>,
  log: Logger = defaultLogger,
): { stop(): Promise<void> } {
  const work = backgroundWork(env, 'JOBS', 5);
  const graceMs = Math.max(0, config.shutdown.timeoutMs - 1_000);
  if (!work) return { stop: async () => void (await releaseHeldJobs(graceMs)) };
  return startJobRunner(createAppContext(config), { ...jobs, tickMs: work.tickMs, lease: leaseMs(env), graceMs, logger: log });
}
