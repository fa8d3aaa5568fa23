/**
 * The Webmention sender inside the server process: every tick it queues new hub items' mentions and sends what is
 * due (saves queue theirs as they happen). One run at a time; `stop()` lets the run in flight finish for a moment,
 * and a row cut short is simply taken again once its claim runs out.
 */
import type { Config } from '../../config.ts';
import { createAppContext, type AppContext } from '../../context.ts';
import { logger as defaultLogger, type Logger } from '../../logger.ts';
import { queueHubItemMentions } from './hubItems.ts';
import { sendDueWebmentions, type SendOptions } from './sender.ts';
import { backgroundWork } from '../../backgroundWork.ts';

/** A running sender. */
export interface WebmentionSender {
  /** Runs a tick now (tests); resolves when that run ends. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts sending every `tickMs` (default 30 s). */
export function startWebmentionSender(app: AppContext, options: SendOptions & { tickMs?: number; firstTickMs?: number } = {}): WebmentionSender {
  const log = options.logger ?? defaultLogger;
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    running ??= (async () => {
      queueHubItemMentions(app);
      await sendDueWebmentions(app, options);
    })()
      .catch((error: unknown) => log.error('The Webmention sender failed; it tries again at the next tick', { component: 'webmention', error }))
      .finally(() => {
        running = null;
      });
    return running;
  };
  const first = setTimeout(() => void tick(), options.firstTickMs ?? 5_000);
  const timer = setInterval(() => void tick(), options.tickMs ?? 30_000);
  first.unref();
  timer.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      if (running) await Promise.race([running, new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
    },
  };
}

/**
 * The sender `potluck serve` runs: on unless POTLUCK_WEBMENTIONS=off (off by default under tests, which send by
 * calling the sender themselves); POTLUCK_WEBMENTIONS_TICK_SECONDS sets how often it looks.
 */
export function startWebmentionSenderFromEnv(config: Config, env: Record<string, string | undefined>, logger?: Logger): WebmentionSender | null {
  const work = backgroundWork(env, 'WEBMENTIONS', 30);
  if (!work) return null;
  const { tickMs } = work;
  return startWebmentionSender(createAppContext(config), { tickMs, firstTickMs: Math.min(5_000, tickMs), ...(logger ? { logger } : {}) });
}
