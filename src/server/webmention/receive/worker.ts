/**
 * Webmention verification inside the server process, beside the hub poller and the notification scheduler: a new
 * mention starts a run a moment after it is accepted (webmentionEvents), and a tick (default 30 s) picks up anything
 * left queued (a restart, a run that failed), and at most hourly the authors' pictures no mention names go. One run at a time; a failed run is logged and the next tries again.
 */
import type { Config } from '../../config.ts';
import { createAppContext, type AppContext } from '../../context.ts';
import { logger as defaultLogger, type Logger } from '../../logger.ts';
import { webmentionEvents } from './events.ts';
import { sweepMentionPhotos, verifyQueuedWebmentions } from './verifier.ts';
import { backgroundWork } from '../../backgroundWork.ts';

export interface WebmentionWorker {
  /** Runs now; resolves when that run ends. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts verifying queued Webmentions on `app`. */
export function startWebmentionWorker(app: AppContext, options: { tickMs?: number; settleMs?: number; logger?: Logger } = {}): WebmentionWorker {
  const log = (options.logger ?? defaultLogger).child({ component: 'webmention' });
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let soon: NodeJS.Timeout | null = null;
  let lastSweep = 0;

  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      // Keep going while a run found a full batch: a burst of mentions is verified without waiting for ticks.
      while ((await verifyQueuedWebmentions(app)) >= 50 && !stopped);
      // Hourly at most: authors' pictures that no mention names any more go.
      if (app.now().getTime() - lastSweep >= 60 * 60_000) {
        lastSweep = app.now().getTime();
        const removed = sweepMentionPhotos(app);
        if (removed > 0) log.info('Removed pictures of mentions that are gone', { removed });
      }
    })()
      .catch((error: unknown) => log.error('Verifying Webmentions failed; it runs again at the next tick', { error }))
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void tick();
        }
      });
    return running;
  };

  const onQueued = () => {
    if (soon || stopped) return;
    soon = setTimeout(() => {
      soon = null;
      void tick();
    }, options.settleMs ?? 200);
    soon.unref();
  };
  webmentionEvents.on('queued', onQueued);
  const timer = setInterval(() => void tick(), options.tickMs ?? 30_000);
  timer.unref();

  return {
    tick,
    async stop() {
      stopped = true;
      webmentionEvents.off('queued', onQueued);
      clearInterval(timer);
      if (soon) clearTimeout(soon);
      if (running) await running;
    },
  };
}

/** The server's worker as the environment asks: on unless `POTLUCK_WEBMENTIONS=off` (then mentions stay queued). */
export function startWebmentionWorkerFromEnv(config: Config, env: Record<string, string | undefined>, logger?: Logger): WebmentionWorker | null {
  if (!backgroundWork(env, 'WEBMENTIONS', 30, { offUnderTest: false })) return null;
  return startWebmentionWorker(createAppContext(config), { logger });
}
