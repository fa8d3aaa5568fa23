/**
 * WebSub work inside the server process, beside the hub poller and the notification scheduler: every tick (default
 * 30 s, POTLUCK_WEBSUB_TICK_SECONDS) it verifies waiting subscription requests, drops ended leases, compares each
 * subscribed feed with what its subscribers were last sent and delivers the changed ones (retrying failures), and
 * renews course hubs' own subscriptions. A save, a hub's new items or a new request made in this process starts a
 * run at once (events.ts). One run at a time; a failed run is logged and the next tick tries again.
 */
import type { Config } from '../config.ts';
import { createAppContext, type AppContext } from '../context.ts';
import { logger as defaultLogger, type Logger } from '../logger.ts';
import type { SafeFetchOptions } from '../net/safeFetch.ts';
import { websubEvents } from './events.ts';
import { detectChanges, expireSubscriptions, runDeliveries, runVerifications } from './publisher.ts';
import { renewSourceSubscriptions, runUnsubscriptions } from './subscriber.ts';
import { backgroundWork, envSeconds } from '../backgroundWork.ts';

export interface WebSubWorkerOptions {
  tickMs?: number;
  firstTickMs?: number;
  /** First retry of a failed delivery; doubled per failure. */
  retryBaseMs?: number;
  fetch?: Partial<SafeFetchOptions>;
  logger?: Logger;
}

export interface WebSubWorker {
  /** Runs now; resolves when that run ends. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** One pass of everything WebSub owes. */
export async function runWebSubOnce(app: AppContext, options: Pick<WebSubWorkerOptions, 'retryBaseMs' | 'fetch'> = {}): Promise<{ verified: number; changed: number; delivered: number; renewed: number }> {
  const verified = await runVerifications(app, options);
  expireSubscriptions(app);
  const changed = detectChanges(app);
  const delivered = await runDeliveries(app, options);
  const renewed = await renewSourceSubscriptions(app, options.fetch);
  await runUnsubscriptions(app, options.fetch);
  return { verified, changed, delivered, renewed };
}

/**
 * Work that arrives while a run is under way waits for one more run, begun at least this long after the last one
 * began: a poll storing a thousand feeds says "changed" once per feed, and one run catches up with all of them.
 */
const RERUN_GAP_MS = 1_000;

/** Starts the WebSub timers on `app`. */
export function startWebSubWorker(app: AppContext, options: WebSubWorkerOptions = {}): WebSubWorker {
  const log = (options.logger ?? defaultLogger).child({ component: 'websub' });
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let startedAt = 0;
  let rerun: NodeJS.Timeout | null = null;

  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    if (rerun) clearTimeout(rerun);
    rerun = null;
    startedAt = Date.now();
    running = runWebSubOnce(app, options)
      .then((summary) => {
        if (summary.changed || summary.delivered || summary.verified) log.info('WebSub work done', { ...summary });
      })
      .catch((error: unknown) => log.error('WebSub work failed; it runs again at the next tick', { error }))
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          rerun = setTimeout(() => void tick(), Math.max(0, startedAt + RERUN_GAP_MS - Date.now()));
          rerun.unref();
        }
      });
    return running;
  };

  // A rerun already waiting will see this work too. Work that arrives soon after a run began (a poll storing a
  // thousand feeds says "changed" once per feed, each after the last run finished) waits for a run one gap later,
  // so one run catches up with all of it instead of one run per feed.
  const onWork = () => {
    if (rerun) return;
    const wait = startedAt + RERUN_GAP_MS - Date.now();
    if (running || startedAt === 0 || wait <= 0) {
      void tick();
      return;
    }
    rerun = setTimeout(() => void tick(), wait);
    rerun.unref();
  };
  websubEvents.on('work', onWork);
  const tickMs = options.tickMs ?? 30_000;
  const first = setTimeout(() => void tick(), options.firstTickMs ?? Math.min(5_000, tickMs));
  const timer = setInterval(() => void tick(), tickMs);
  first.unref();
  timer.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      websubEvents.off('work', onWork);
      clearTimeout(first);
      clearInterval(timer);
      if (rerun) clearTimeout(rerun);
      if (running) await running;
    },
  };
}

/**
 * The server's WebSub worker as the environment asks: on unless `POTLUCK_WEBSUB=off`, and off under the test runner
 * unless `POTLUCK_WEBSUB=on`. `POTLUCK_WEBSUB_TICK_SECONDS` sets the tick (default 30), `POTLUCK_WEBSUB_RETRY_SECONDS`
 * the first retry of a failed delivery (default 60, doubled per failure).
 */
export function startWebSubFromEnv(config: Config, env: Record<string, string | undefined>, logger?: Logger): WebSubWorker | null {
  const work = backgroundWork(env, 'WEBSUB', 30);
  if (!work) return null;
  return startWebSubWorker(createAppContext(config), { tickMs: work.tickMs, retryBaseMs: envSeconds(env.POTLUCK_WEBSUB_RETRY_SECONDS, 60) * 1000, logger });
}
