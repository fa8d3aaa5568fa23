/**
 * Notification work inside the server process, beside the hub poller and the audit sweeper: every tick (default a
 * minute) it sends the emails that are due (email.ts) and, at most hourly, reminds students of assignments due in 2
 * days (hubEvents.ts). A new notification made in this process starts a run a moment later, so "immediate" email
 * does not wait for the tick. One run at a time; a failed run is logged and the next tick tries again.
 */
import type { Config } from '../config.ts';
import { createAppContext, type AppContext } from '../context.ts';
import { logger as defaultLogger, type Logger } from '../logger.ts';
import { deliverEmails, type MailTransport } from './email.ts';
import { remindAssignmentsDue } from './hubEvents.ts';
import { notificationEvents } from './notify.ts';
import { backgroundWork } from '../backgroundWork.ts';

export interface NotificationSchedulerOptions {
  tickMs?: number;
  firstTickMs?: number;
  /** How long after a new notification the run starts (several made together go in one email). */
  settleMs?: number;
  /** How often the assignment reminders are checked. Default hourly. */
  remindEveryMs?: number;
  transport?: MailTransport;
  logger?: Logger;
}

export interface NotificationScheduler {
  /** Runs now (tests); resolves when that run ends. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the notification timers on `app`. */
export function startNotificationScheduler(app: AppContext, options: NotificationSchedulerOptions = {}): NotificationScheduler {
  const log = (options.logger ?? defaultLogger).child({ component: 'notifications' });
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastReminders = 0;
  let soon: NodeJS.Timeout | null = null;

  const run = async (): Promise<void> => {
    const now = app.now().getTime();
    if (now - lastReminders >= (options.remindEveryMs ?? 60 * 60 * 1000)) {
      lastReminders = now;
      const made = remindAssignmentsDue(app);
      if (made > 0) log.info('Reminded students of assignments due in 2 days', { notifications: made });
    }
    const summary = await deliverEmails(app, { transport: options.transport, logger: options.logger });
    if (summary.failed > 0) log.warn('Some notification emails failed; they are tried again at the next tick', { ...summary });
  };

  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      // A notification made during a run is sent by the run after it.
      again = true;
      return running;
    }
    running = run()
      .catch((error: unknown) => log.error('Notification work failed; it runs again at the next tick', { error }))
      .finally(() => {
        running = null;
        if (again && !stopped) {
          again = false;
          void tick();
        }
      });
    return running;
  };

  const onCreated = () => {
    if (soon || stopped) return;
    soon = setTimeout(() => {
      soon = null;
      void tick();
    }, options.settleMs ?? 1_000);
    soon.unref();
  };
  notificationEvents.on('created', onCreated);

  const first = setTimeout(() => void tick(), options.firstTickMs ?? 5_000);
  const timer = setInterval(() => void tick(), options.tickMs ?? 60_000);
  first.unref();
  timer.unref();

  return {
    tick,
    async stop() {
      stopped = true;
      notificationEvents.off('created', onCreated);
      clearTimeout(first);
      clearInterval(timer);
      if (soon) clearTimeout(soon);
      if (running) await running;
    },
  };
}

/**
 * The server's notification scheduler as the environment asks: on unless `POTLUCK_NOTIFICATIONS=off`, and off under
 * the test runner unless `POTLUCK_NOTIFICATIONS=on`. `POTLUCK_NOTIFICATIONS_TICK_SECONDS` sets the tick (default 60).
 */
export function startNotificationsFromEnv(config: Config, env: Record<string, string | undefined>, logger?: Logger): NotificationScheduler | null {
  const work = backgroundWork(env, 'NOTIFICATIONS', 60);
  if (!work) return null;
  const { tickMs } = work;
  return startNotificationScheduler(createAppContext(config), { tickMs, firstTickMs: Math.min(5_000, tickMs), logger });
}
