/**
 * The poller inside the server process: every tick it polls the sources that are due (each hub's interval, or
 * back-off after errors). One run at a time. `stop()` stops claiming new sources, gives the fetches in flight a
 * moment, and releases the claims of any still running, so a restart never leaves feeds locked out (merges are
 * transactions: a fetch cut short changes nothing).
 */
import type { Config } from '../config.ts';
import { createAppContext, type AppContext } from '../context.ts';
import { logger } from '../logger.ts';
import type { SafeFetchOptions } from '../net/safeFetch.ts';
import { workerParser } from './parsers.ts';
import { dueSourceIds, pollSources, releaseLeases, type PollSummary } from './poller.ts';
import { backgroundWork } from '../backgroundWork.ts';

/** Options of the scheduler. */
export interface HubPollerOptions {
  /** How often it looks for due sources. Default one minute. */
  tickMs?: number;
  /** Delay before the first look. Default 5 seconds (let the server settle). */
  firstTickMs?: number;
  concurrency?: number;
  fetch?: Partial<SafeFetchOptions>;
  /** How long stop() waits for fetches in flight before releasing them. Default 2 seconds. */
  graceMs?: number;
  /** Where unexpected errors go (a run never throws out of the timer). */
  onError?: (error: unknown) => void;
  /** After each run that polled something. */
  onRun?: (summary: PollSummary) => void;
  /** Pictures as leased jobs, which another node finishes if this one dies (the server's poller). */
  picturesAsJobs?: boolean;
}

/** A running scheduler. */
export interface HubPoller {
  /** Runs a tick now (tests); resolves when that run ends. */
  tick(): Promise<void>;
  /** Stops: no new runs or sources; resolves once the current run ended or its claims were released. */
  stop(): Promise<void>;
}

/** Starts polling due sources every `tickMs`. */
export function startHubPoller(app: AppContext, options: HubPollerOptions = {}): HubPoller {
  const controller = new AbortController();
  const inFlight = new Set<string>();
  const parser = workerParser();
  let running: Promise<void> | null = null;

  const run = async (): Promise<void> => {
    const ids = dueSourceIds(app);
    if (ids.length === 0) return;
    const summary = await pollSources(app, ids, { concurrency: options.concurrency, fetch: options.fetch, signal: controller.signal, inFlight, parser, picturesAsJob: options.picturesAsJobs });
    options.onRun?.(summary);
  };

  const tick = (): Promise<void> => {
    if (controller.signal.aborted) return Promise.resolve();
    running ??= run()
      .catch((error: unknown) => (options.onError ?? ((e) => logger.error('The hub poller failed; it tries again at the next tick', { component: 'poller', error: e })))(error))
      .finally(() => {
        running = null;
      });
    return running;
  };

  const first = setTimeout(() => void tick(), options.firstTickMs ?? 5_000);
  const timer = setInterval(() => void tick(), options.tickMs ?? 60_000);
  first.unref();
  timer.unref();

  return {
    tick,
    async stop() {
      controller.abort();
      clearTimeout(first);
      clearInterval(timer);
      if (running) {
        const grace = new Promise<void>((resolve) => setTimeout(resolve, options.graceMs ?? 2_000).unref());
        await Promise.race([running, grace]);
        releaseLeases(app, inFlight);
      }
      await parser.close();
    },
  };
}

/**
 * The server's poller as the environment asks: on unless `POTLUCK_POLLER=off`, and off under the test runner
 * unless `POTLUCK_POLLER=on` (tests poll when they mean to). `POTLUCK_POLLER_TICK_SECONDS` sets how often it looks
 * for due feeds (default 60). It gets its own database connection. Returns null when off.
 */
export function startPollerFromEnv(config: Config, env: Record<string, string | undefined>): HubPoller | null {
  const work = backgroundWork(env, 'POLLER', 60);
  if (!work) return null;
  const { tickMs } = work;
  const app = createAppContext(config);
  const log = logger.child({ component: 'poller' });
  return startHubPoller(app, {
    tickMs,
    firstTickMs: Math.min(5_000, tickMs),
    picturesAsJobs: true,
    onRun: (s) => log.info('Polled hub feeds', { feeds: s.total, updated: s.updated, notModified: s.notModified, failed: s.failed, added: s.added, changed: s.changed, removed: s.removed }),
  });
}
