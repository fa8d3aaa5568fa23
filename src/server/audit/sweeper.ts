/**
 * The audit log's retention sweep inside the server process: once shortly after start-up, then daily, like the
 * hub poller's timers (hubs/scheduler.ts). A failed sweep is logged and tried again the next day.
 */
import type { AppContext } from '../context.ts';
import { logger as defaultLogger, type Logger } from '../logger.ts';
import { pruneAuditEvents } from './retention.ts';

/** A running sweeper. */
export interface AuditSweeper {
  /** Sweeps now (tests); resolves when done. */
  sweep(): Promise<void>;
  stop(): void;
}

/** Starts sweeping: after `firstMs` (default 10 s), then every `intervalMs` (default a day). */
export function startAuditSweeper(
  app: AppContext,
  options: { firstMs?: number; intervalMs?: number; logger?: Logger } = {},
): AuditSweeper {
  const log = (options.logger ?? defaultLogger).child({ component: 'audit' });
  const sweep = async () => {
    try {
      const result = pruneAuditEvents(app);
      if (result.removed > 0) log.info('Removed old audit events', { removed: result.removed, before: result.before, retentionDays: result.retentionDays });
    } catch (error) {
      log.error('The audit log sweep failed; it runs again tomorrow', { error });
    }
  };
  const first = setTimeout(() => void sweep(), options.firstMs ?? 10_000);
  const timer = setInterval(() => void sweep(), options.intervalMs ?? 24 * 60 * 60 * 1000);
  first.unref();
  timer.unref();
  return {
    sweep,
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
