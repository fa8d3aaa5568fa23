/**
 * The one GitHub client: octokit (REST endpoint methods) pointed at `config.githubApiUrl`, with Potluck's own waiting
 * and retrying instead of octokit's throttling plugin, because a student needs to be told what is going on:
 *
 * - rate limits (403/429 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`, or `Retry-After`, or GitHub's
 *   "secondary rate limit" message): wait as GitHub asks and try again, a bounded number of times, reporting each
 *   wait through `onWait`; a wait longer than `maxWaitMs` fails at once, saying when to try again;
 * - network failures and 502/503/504 on requests that are safe to repeat (reads, and creating git objects, which are
 *   named by their content): retry after a short pause;
 * - everything else becomes a GitHubError in plain words (see errors.ts).
 */
import { Octokit } from 'octokit';
import { GitHubError, TOKEN_SETTINGS_URL, NEW_TOKEN_URL, actionOf, describeAcceptedPermissions } from './errors.ts';

/** A pause before trying again, for progress lines ("waiting 2 s"). */
export interface GitHubWait {
  reason: 'rate-limit' | 'network' | 'server-error';
  /** Seconds until the next attempt (rounded up). */
  seconds: number;
  /** Which retry this is (1-based) and how many are allowed. */
  attempt: number;
  of: number;
  /** A sentence for the student. */
  message: string;
}

/** How patient the client is; tests shorten the pauses. */
export interface GitHubTuning {
  /** How many times to wait for a rate limit before giving up. */
  rateLimitRetries: number;
  /** The longest single wait for a rate limit; longer ones fail at once with the reset time. */
  maxWaitMs: number;
  /** Pauses before retrying a network failure or a 502/503/504 (one entry per retry). */
  networkBackoffMs: number[];
  /** Time allowed for one request (large uploads included). */
  timeoutMs: number;
  /** How long to wait for a secondary rate limit that names no time (GitHub says: at least a minute). */
  secondaryWaitMs: number;
}

export const DEFAULT_TUNING: GitHubTuning = {
  rateLimitRetries: 3,
  maxWaitMs: 5 * 60_000,
  networkBackoffMs: [1_000, 4_000],
  timeoutMs: 120_000,
  secondaryWaitMs: 60_000,
};

export interface GitHubClientOptions {
  baseUrl: string;
  token: string;
  onWait?: (wait: GitHubWait) => void;
  tuning?: Partial<GitHubTuning>;
  /** Injected so tests can observe waits without sleeping; defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export type GitHubClient = InstanceType<typeof Octokit>;

interface RequestLike {
  method?: string;
  url?: string;
  owner?: string;
  repo?: string;
  [key: string]: unknown;
}

interface FailureLike {
  status?: number;
  message?: string;
  name?: string;
  response?: { status: number; headers: Record<string, string | number | undefined>; data: unknown };
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function header(failure: FailureLike, name: string): string | undefined {
  const value = failure.response?.headers[name];
  return value === undefined ? undefined : String(value);
}

function githubMessageOf(failure: FailureLike): string {
  const data = failure.response?.data as { message?: unknown; errors?: { message?: string; code?: string; field?: string }[] } | undefined;
  const base = typeof data?.message === 'string' ? data.message : (failure.message ?? '');
  const details = Array.isArray(data?.errors) ? data.errors.map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(' ')).filter(Boolean) : [];
  return details.length ? `${base} (${details.join('; ')})` : base;
}

/** Requests that can be sent again without harm: reads, and git objects (their names come from their content). */
function isRepeatable(method: string, route: string): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  return method === 'POST' && /\/git\/(blobs|trees|commits)$/.test(route);
}

/** How long a rate-limited answer asks us to wait, or null when the answer is not about rate limits. */
function rateLimitWait(failure: FailureLike, now: number, tuning: GitHubTuning): { ms: number; resetAt: Date | null } | null {
  const status = failure.response?.status ?? failure.status;
  if (status !== 403 && status !== 429) return null;
  const retryAfter = header(failure, 'retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Math.max(0, Date.parse(retryAfter) - now);
    return { ms: Math.max(0, ms), resetAt: new Date(now + ms) };
  }
  if (header(failure, 'x-ratelimit-remaining') === '0') {
    const reset = Number(header(failure, 'x-ratelimit-reset'));
    if (Number.isFinite(reset)) {
      // The reset time has one-second resolution; a little slack avoids asking again a moment too early.
      const ms = Math.max(0, reset * 1000 - now) + 250;
      return { ms, resetAt: new Date(reset * 1000) };
    }
    return { ms: tuning.secondaryWaitMs, resetAt: null };
  }
  if (status === 429 || /secondary rate limit|abuse/i.test(githubMessageOf(failure))) {
    return { ms: tuning.secondaryWaitMs, resetAt: null };
  }
  return null;
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function clock(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`;
}

/** Turns whatever a request threw into a GitHubError that says what happened and what to do. */
export function explainFailure(error: unknown, request: RequestLike): GitHubError {
  if (error instanceof GitHubError) return error;
  const failure = (error ?? {}) as FailureLike;
  const method = (request.method ?? 'GET').toUpperCase();
  const route = request.url ?? '';
  const action = actionOf(method, route);
  const where = request.owner && request.repo ? `${request.owner}/${request.repo}` : 'GitHub';
  const status = failure.response?.status ?? 0;
  const message = githubMessageOf(failure);

  if (!failure.response) {
    const timedOut = failure.name === 'AbortError' || failure.name === 'TimeoutError' || /aborted|timeout/i.test(failure.message ?? '');
    return new GitHubError(
      'network',
      `${timedOut ? 'GitHub did not answer in time' : 'Potluck could not reach GitHub'} while trying to ${action} (${failure.message ?? 'network error'}). Nothing on your published site changed; check the connection and try again.`,
      { status: 0, githubMessage: failure.message, cause: error },
    );
  }
  if (status === 401) {
    return new GitHubError(
      'bad-token',
      `GitHub did not accept the token: it is wrong, has expired or was revoked. Make a new token at ${NEW_TOKEN_URL} and connect again.`,
      { status, githubMessage: message, cause: error },
    );
  }
  if (status === 403 || status === 429) {
    const limit = rateLimitWait(failure, Date.now(), DEFAULT_TUNING);
    if (limit) {
      return new GitHubError(
        'rate-limited',
        `GitHub's rate limit for this token is used up${limit.resetAt ? ` until ${clock(limit.resetAt)}` : ' for now'}, so Potluck could not ${action}. Nothing on your published site changed; try again${limit.resetAt ? ' after that' : ' in a few minutes'}.`,
        { status, githubMessage: message, cause: error },
      );
    }
    const permission = describeAcceptedPermissions(header(failure, 'x-accepted-github-permissions'));
    if (permission) {
      return new GitHubError(
        'missing-permission',
        `Your GitHub token does not have the permission “${permission}” for ${where}, which Potluck needs to ${action}. Edit the token at ${TOKEN_SETTINGS_URL} (Repository permissions), give it “${permission}”, and try again.`,
        { status, githubMessage: message, permission, cause: error },
      );
    }
    const scopes = header(failure, 'x-accepted-oauth-scopes');
    if (scopes) {
      return new GitHubError(
        'missing-permission',
        `Your GitHub token does not have the “${scopes.split(',')[0].trim()}” scope, which Potluck needs to ${action} in ${where}. Make a token with that scope (or a fine-grained token, ${NEW_TOKEN_URL}) and connect again.`,
        { status, githubMessage: message, permission: scopes, cause: error },
      );
    }
    return new GitHubError('missing-permission', `GitHub refused to let Potluck ${action} in ${where}: ${message}`, { status, githubMessage: message, cause: error });
  }
  if (status === 404) {
    const what = route.startsWith('/repos/') ? `the repository ${where}` : 'that';
    return new GitHubError(
      'not-found',
      `GitHub says ${what} does not exist, or your token cannot see it (while trying to ${action}). Check the name, and that the token's “Repository access” includes it.`,
      { status, githubMessage: message, cause: error },
    );
  }
  if (status === 409 && /empty/i.test(message)) {
    return new GitHubError('empty-repository', `The repository ${where} is empty.`, { status, githubMessage: message, cause: error });
  }
  if (status === 422 && route === '/user/repos' && /already exists/i.test(message)) {
    const name = typeof request.name === 'string' ? request.name : 'that name';
    return new GitHubError(
      'name-taken',
      `You already have a repository called “${name}” on GitHub (your token may not be able to see it). Choose another name, or choose “${name}” as an existing repository and give the token access to it.`,
      { status, githubMessage: message, cause: error },
    );
  }
  if (status >= 500) {
    return new GitHubError(
      'server',
      `GitHub had a problem (${status}) while Potluck tried to ${action}. Nothing on your published site changed; try again in a few minutes.`,
      { status, githubMessage: message, cause: error },
    );
  }
  return new GitHubError('refused', `GitHub refused to ${action} in ${where}: ${message || `status ${status}`}.`, { status, githubMessage: message, cause: error });
}

/** A GitHub client for one token. */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const tuning: GitHubTuning = { ...DEFAULT_TUNING, ...options.tuning };
  const sleep = options.sleep ?? sleepFor;
  const now = options.now ?? Date.now;
  const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: 'Potluck (student portfolios)',
    log: silent,
    throttle: { enabled: false },
    retry: { enabled: false },
    request: {
      // A request that never answers must not hold a publish forever.
      fetch: (url: string, init: RequestInit) => fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(tuning.timeoutMs) }),
    },
  });

  octokit.hook.wrap('request', async (request, endpoint) => {
    const req = endpoint as unknown as RequestLike;
    const method = (req.method ?? 'GET').toUpperCase();
    const route = req.url ?? '';
    let rateLimitWaits = 0;
    let networkRetries = 0;
    for (;;) {
      try {
        return await request(endpoint);
      } catch (error) {
        const failure = (error ?? {}) as FailureLike;
        const limit = failure.response ? rateLimitWait(failure, now(), tuning) : null;
        if (limit) {
          if (rateLimitWaits >= tuning.rateLimitRetries || limit.ms > tuning.maxWaitMs) throw explainFailure(error, req);
          rateLimitWaits++;
          const s = seconds(limit.ms);
          options.onWait?.({
            reason: 'rate-limit',
            seconds: s,
            attempt: rateLimitWaits,
            of: tuning.rateLimitRetries,
            message: `GitHub's rate limit was reached; waiting ${s} s before trying again (retry ${rateLimitWaits} of ${tuning.rateLimitRetries}).`,
          });
          await sleep(limit.ms);
          continue;
        }
        const status = failure.response?.status ?? 0;
        const transient = !failure.response || status === 502 || status === 503 || status === 504;
        if (transient && isRepeatable(method, route) && networkRetries < tuning.networkBackoffMs.length) {
          const pause = tuning.networkBackoffMs[networkRetries++];
          const s = seconds(pause);
          options.onWait?.({
            reason: failure.response ? 'server-error' : 'network',
            seconds: s,
            attempt: networkRetries,
            of: tuning.networkBackoffMs.length,
            message: `${failure.response ? `GitHub answered ${status}` : 'The connection to GitHub failed'}; trying again in ${s} s (retry ${networkRetries} of ${tuning.networkBackoffMs.length}).`,
          });
          await sleep(pause);
          continue;
        }
        throw explainFailure(error, req);
      }
    }
  });
  return octokit;
}

/** Whether an error is GitHub's 404 (the thing is missing, or hidden from the token). */
export function isNotFound(error: unknown): boolean {
  return error instanceof GitHubError && error.reason === 'not-found';
}
