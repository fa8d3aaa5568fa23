/**
 * GitHub failures in plain words. Every error that leaves the GitHub client is a GitHubError: a PotluckError with
 * a `reason` the publisher and the pages can act on, and a message that says what happened and what to do — which
 * token permission is missing (read from GitHub's `x-accepted-github-permissions` header), when the rate limit
 * resets, that the network failed and nothing changed.
 */
import { PotluckError, type ErrorCode } from '../../core/errors.ts';

/** Why a GitHub request failed. */
export type GitHubFailure =
  | 'bad-token'
  | 'missing-permission'
  | 'not-found'
  | 'name-taken'
  | 'rate-limited'
  | 'network'
  | 'empty-repository'
  | 'refused'
  | 'server';

const CODES: Record<GitHubFailure, ErrorCode> = {
  'bad-token': 'UNAUTHENTICATED',
  'missing-permission': 'FORBIDDEN',
  'not-found': 'NOT_FOUND',
  'name-taken': 'CONFLICT',
  'rate-limited': 'RATE_LIMITED',
  network: 'UPSTREAM',
  'empty-repository': 'CONFLICT',
  refused: 'VALIDATION',
  server: 'UPSTREAM',
};

/** A GitHub request that failed, explained. */
export class GitHubError extends PotluckError {
  readonly reason: GitHubFailure;
  /** GitHub's HTTP status (0 when no answer came). */
  readonly githubStatus: number;
  /** GitHub's own message, for logs and tests. */
  readonly githubMessage: string;
  /** The permission that is missing, in GitHub's words ("Contents: Read and write"), for missing-permission. */
  readonly permission: string | null;

  constructor(
    reason: GitHubFailure,
    message: string,
    details: { status: number; githubMessage?: string; permission?: string | null; cause?: unknown },
  ) {
    super(CODES[reason], message, { cause: details.cause });
    this.name = 'GitHubError';
    this.reason = reason;
    this.githubStatus = details.status;
    this.githubMessage = details.githubMessage ?? '';
    this.permission = details.permission ?? null;
  }
}

const PERMISSION_NAMES: Record<string, string> = {
  contents: 'Contents',
  pages: 'Pages',
  administration: 'Administration',
  metadata: 'Metadata',
  actions: 'Actions',
  workflows: 'Workflows',
  deployments: 'Deployments',
};
const LEVEL_NAMES: Record<string, string> = { read: 'Read-only', write: 'Read and write', admin: 'Admin' };

/** One permission as GitHub's token page names it: `contents=write` -> "Contents: Read and write". */
export function permissionWords(pair: string): string {
  const [name, level] = pair.split('=').map((s) => s.trim());
  const title = PERMISSION_NAMES[name] ?? name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  return `${title}: ${LEVEL_NAMES[level] ?? level}`;
}

/**
 * The permissions an `x-accepted-github-permissions` header asks for, in words. Sets are separated by ';' (any one
 * set is enough) and permissions inside a set by ',' (all of them are needed).
 */
export function describeAcceptedPermissions(header: string | undefined | null): string | null {
  if (!header) return null;
  const sets = header
    .split(';')
    .map((set) =>
      set
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.includes('=') && !p.startsWith('allows_permissionless_access')),
    )
    .filter((set) => set.length > 0)
    .map((set) => set.map(permissionWords).join(' and '));
  if (sets.length === 0) return null;
  return sets.length === 1 ? sets[0] : `one of: ${sets.join('; or ')}`;
}

/** What a request was for, from its route: the words used in messages ("upload your files"). */
export function actionOf(method: string, route: string): string {
  const m = method.toUpperCase();
  if (route === '/user') return 'check who the token belongs to';
  if (route === '/user/repos') return m === 'POST' ? 'create the repository' : 'list your repositories';
  if (route.endsWith('/git/blobs')) return 'upload your files';
  if (route.includes('/git/trees')) return m === 'POST' ? 'build the folder tree' : 'read the files on the branch';
  if (route.includes('/git/commits')) return m === 'POST' ? 'make the commit' : 'read the last commit';
  if (route.includes('/git/ref')) return m === 'GET' ? 'read the branch' : 'move the branch to the new commit';
  if (route.includes('/pages/builds')) return 'read the GitHub Pages build status';
  if (route.includes('/pages')) return m === 'GET' ? 'read the GitHub Pages settings' : 'turn on GitHub Pages';
  if (route.includes('/contents/')) return 'start the empty repository';
  if (route === '/repos/{owner}/{repo}') return 'open the repository';
  return `call ${m} ${route}`;
}

/** Where to change a fine-grained token's permissions. */
export const TOKEN_SETTINGS_URL = 'https://github.com/settings/personal-access-tokens';
/** Where to make a new fine-grained token. */
export const NEW_TOKEN_URL = 'https://github.com/settings/personal-access-tokens/new';
