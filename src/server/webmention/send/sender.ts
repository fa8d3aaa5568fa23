/**
 * Sending the queued Webmentions (webmention_sends rows): discover the target's endpoint, then POST the
 * form-encoded `source` and `target` to it, everything through safeFetch (a page on a private address is never
 * fetched unless the instance allows private networks). A 2xx is sent; a target with no endpoint is recorded as
 * such; a 4xx, a refused address or a redirecting endpoint is final; a 5xx, 429, timeout or network failure is
 * tried again later with back-off (1 min, 5 min, 30 min, 2 h, 12 h), then given up. Each row keeps what happened
 * last, for the owner's "Webmentions sent" list.
 */
import { and, asc, eq, lte } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { webmentionSends, type WebmentionSend } from '../../db/schema.ts';
import { logger as defaultLogger, type Logger } from '../../logger.ts';
import { potluckUserAgent, type FetchFailure, type SafeFetchOptions } from '../../net/safeFetch.ts';
import { safeFetch } from '../../net/safeFetch.ts';
import { discoverEndpoint } from '../discover.ts';

/** Waits before the 2nd, 3rd ... attempt; after the last, the send is given up. */
export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 12 * 3_600_000];
/** How long a claimed row is left alone by other runs while it is being sent. */
const CLAIM_MS = 10 * 60_000;

/** Options of one run. */
export interface SendOptions {
  /** Most rows one run takes. Default 50. */
  limit?: number;
  /** Sends at once. Default 4. */
  concurrency?: number;
  /** Overrides for safeFetch (tests: timeouts). */
  fetch?: Partial<SafeFetchOptions>;
  logger?: Logger;
}

/** What one run did. */
export interface SendSummary {
  attempted: number;
  sent: number;
  retrying: number;
  failed: number;
  noEndpoint: number;
}

type Outcome =
  | { kind: 'sent'; endpoint: string; httpStatus: number }
  | { kind: 'no-endpoint' }
  | { kind: 'failed'; endpoint: string | null; failure: FetchFailure; final: boolean };

/** Whether a failed fetch may work later (server trouble) or never will (the answer was no). */
function isFinal(failure: FetchFailure): boolean {
  if (failure.reason === 'timeout' || failure.reason === 'network') return false;
  if (failure.reason === 'http-error' && failure.status !== undefined) return failure.status < 500 && failure.status !== 429;
  return true;
}

/** What went wrong, in words for the student (safeFetch's own messages speak of feeds). */
function describeFailure(failure: FetchFailure, stage: 'page' | 'endpoint'): string {
  const what = stage === 'page' ? 'The linked page' : 'Its Webmention endpoint';
  switch (failure.reason) {
    case 'blocked-address':
    case 'bad-port':
      return `${what} is on a private network address, so Potluck did not contact it.`;
    case 'bad-scheme':
      return `${what} is not a web address Potluck can reach.`;
    case 'timeout':
      return `${what} took too long to answer.`;
    case 'too-large':
      return `${what} sent more than Potluck reads.`;
    case 'too-many-redirects':
      return stage === 'page' ? 'The linked page redirected too many times.' : 'Its Webmention endpoint redirected elsewhere; Potluck does not re-send a Webmention to another address.';
    case 'http-error':
      return `${what} answered with HTTP ${failure.status ?? 'an error'}.`;
    default:
      return `${what} could not be reached.`;
  }
}

async function sendOne(app: AppContext, row: WebmentionSend, fetchOptions: SafeFetchOptions): Promise<Outcome> {
  const discovered = await discoverEndpoint(row.target, fetchOptions);
  if (!discovered.ok) {
    const failure = { ...discovered.failure, message: describeFailure(discovered.failure, 'page') };
    return { kind: 'failed', endpoint: null, failure, final: isFinal(failure) };
  }
  if (!discovered.endpoint) return { kind: 'no-endpoint' };
  const endpoint = discovered.endpoint;
  const response = await safeFetch(endpoint, {
    ...fetchOptions,
    // A POST is never redirected (safeFetch answers a 3xx as an http-error): re-sending it elsewhere could lose it.
    post: { body: new URLSearchParams({ source: row.source, target: row.target }).toString(), contentType: 'application/x-www-form-urlencoded' },
    maxBytes: 256 * 1024,
  });
  if (response.ok) return { kind: 'sent', endpoint, httpStatus: response.status };
  return { kind: 'failed', endpoint, failure: { ...response, message: describeFailure(response, 'endpoint') }, final: isFinal(response) };
}

/** Claims a due row for this run; false when another run (on any node) took it first. */
export function claimSend(app: AppContext, row: WebmentionSend, now: Date): boolean {
  const result = app.db
    .update(webmentionSends)
    .set({ nextAttemptAt: new Date(now.getTime() + CLAIM_MS) })
    // Still due: a claim sets the next attempt ahead, so another node's claim from the same read finds it taken.
    .where(and(eq(webmentionSends.id, row.id), eq(webmentionSends.status, 'queued'), eq(webmentionSends.updatedAt, row.updatedAt), lte(webmentionSends.nextAttemptAt, now)))
    .run();
  return result.changes === 1;
}

function record(app: AppContext, row: WebmentionSend, outcome: Outcome): 'sent' | 'retrying' | 'failed' | 'noEndpoint' {
  const now = app.now();
  const attempts = row.attempts + 1;
  let values: Partial<WebmentionSend>;
  let kind: 'sent' | 'retrying' | 'failed' | 'noEndpoint';
  if (outcome.kind === 'sent') {
    values = { status: 'sent', endpoint: outcome.endpoint, httpStatus: outcome.httpStatus, lastError: null, nextAttemptAt: null };
    kind = 'sent';
  } else if (outcome.kind === 'no-endpoint') {
    values = { status: 'no-endpoint', endpoint: null, httpStatus: null, lastError: null, nextAttemptAt: null };
    kind = 'noEndpoint';
  } else {
    const delay = RETRY_DELAYS_MS[attempts - 1];
    const retry = !outcome.final && delay !== undefined;
    const wait = Math.max(delay ?? 0, (outcome.failure.retryAfterSeconds ?? 0) * 1000);
    values = {
      status: retry ? 'queued' : 'failed',
      endpoint: outcome.endpoint,
      httpStatus: outcome.failure.status ?? null,
      lastError: outcome.failure.message,
      nextAttemptAt: retry ? new Date(now.getTime() + wait) : null,
    };
    kind = retry ? 'retrying' : 'failed';
  }
  // Only if nothing re-queued the row meanwhile (an edit during the send): then the new round wins.
  app.db
    .update(webmentionSends)
    .set({ ...values, attempts, lastAttemptAt: now, updatedAt: now })
    .where(and(eq(webmentionSends.id, row.id), eq(webmentionSends.updatedAt, row.updatedAt)))
    .run();
  return kind;
}

/** Sends the Webmentions that are due now. Never throws for network outcomes. */
export async function sendDueWebmentions(app: AppContext, options: SendOptions = {}): Promise<SendSummary> {
  const log = options.logger ?? defaultLogger;
  const now = app.now();
  const due = app.db
    .select()
    .from(webmentionSends)
    .where(and(eq(webmentionSends.status, 'queued'), lte(webmentionSends.nextAttemptAt, now)))
    .orderBy(asc(webmentionSends.nextAttemptAt))
    .limit(options.limit ?? 50)
    .all()
    .filter((row) => claimSend(app, row, now));
  const fetchOptions: SafeFetchOptions = {
    allowPrivateNetworks: app.config.allowPrivateNetworks,
    userAgent: potluckUserAgent(app.config.siteUrl),
    timeoutMs: 20_000,
    ...options.fetch,
  };
  const summary: SendSummary = { attempted: due.length, sent: 0, retrying: 0, failed: 0, noEndpoint: 0 };
  const queue = [...due];
  const worker = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      const outcome = await sendOne(app, row, fetchOptions);
      const kind = record(app, row, outcome);
      summary[kind] += 1;
      log.info('Webmention send', {
        component: 'webmention',
        source: row.source,
        target: row.target,
        outcome: kind,
        ...(outcome.kind === 'failed' ? { reason: outcome.failure.reason, status: outcome.failure.status } : {}),
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  return summary;
}
