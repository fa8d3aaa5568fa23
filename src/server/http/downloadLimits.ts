/**
 * Limits on the downloads that make a whole site or archive on request ("Download my site", "Export everything"):
 * each one renders every public page and reads every file of an account, seconds of work for a large portfolio. One
 * of each kind at a time per account (a second click while the first is being prepared waits for nothing and would
 * only double the work), and at most DOWNLOAD_RULE.limit of each kind per hour, so a stuck key or a script cannot
 * keep the server busy for everyone else.
 */
import { PotluckError } from '../../core/errors.ts';
import { reserveAttempt, type RateRule } from '../auth/rateLimit.ts';
import type { AppContext } from '../context.ts';

export type DownloadKind = 'site' | 'archive';

/** Downloads of one kind allowed per account per hour. */
export const DOWNLOAD_RULE: RateRule = { limit: 30, windowMs: 60 * 60 * 1000 };

const LABELS: Record<DownloadKind, string> = { site: 'site download', archive: 'archive export' };

// Downloads being prepared or streamed, by account and kind, in this process (the one that serves the site).
const active = new Set<string>();

/** A download that has started; `end()` must be called once it has finished or failed (calling it again is harmless). */
export interface DownloadSlot {
  end(): void;
}

/**
 * Starts a download of `kind` for an account, or refuses with 429 and a message saying what to do: when one is
 * already running, or when the hour's downloads are used up.
 */
export function beginDownload(app: AppContext, userId: string, kind: DownloadKind): DownloadSlot {
  const key = `${kind}:${userId}`;
  if (active.has(key)) {
    throw new PotluckError('RATE_LIMITED', `Your ${LABELS[kind]} is already being prepared. Wait for it to finish, then try again if it did not arrive.`);
  }
  if (!reserveAttempt(app, `download:${key}`, DOWNLOAD_RULE)) {
    throw new PotluckError(
      'RATE_LIMITED',
      `You have started ${DOWNLOAD_RULE.limit} ${LABELS[kind]}s in the last hour, the most allowed. Try again in an hour; what you downloaded already is complete.`,
    );
  }
  active.add(key);
  let ended = false;
  return {
    end() {
      if (ended) return;
      ended = true;
      active.delete(key);
    },
  };
}
