/**
 * Connecting GitHub with a pasted personal access token: the token is checked with GitHub (`GET /user`) before it is
 * kept, and the answer says precisely what is missing. A classic token shows its scopes (it needs `repo`); a
 * fine-grained token's repository permissions are only visible per repository, so they are checked when a target is
 * chosen (publishTargetSaver) and named by GitHub itself whenever a request is refused.
 */
import { z } from 'zod';
import { invalid, issuesFromZod } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { createGitHubClient, type GitHubTuning } from '../server/github/client.ts';
import { storeGitHubConnection } from '../server/github/connections.ts';
import { GitHubError, NEW_TOKEN_URL } from '../server/github/errors.ts';

/** What a token is, from its prefix (GitHub's documented token formats). */
export type TokenKind = 'fine-grained' | 'classic' | 'oauth' | 'unknown';

/** What GitHub said about a token. */
export interface TokenCheck {
  login: string;
  kind: TokenKind;
  /** Scopes of a classic or OAuth token; null for fine-grained tokens (they have permissions instead). */
  scopes: string[] | null;
  /** When the token expires, as GitHub reports it; null when it does not (or GitHub does not say). */
  expiresAt: string | null;
}

/** The permissions a fine-grained token needs, in the words of GitHub's token page. */
export const REQUIRED_PERMISSIONS = [
  { name: 'Contents', level: 'Read and write', why: 'to upload your site and move the branch' },
  { name: 'Pages', level: 'Read and write', why: 'to turn on GitHub Pages and set a custom domain' },
  { name: 'Metadata', level: 'Read-only', why: 'GitHub adds this one by itself' },
] as const;
/** Needed only for Potluck to create the repository for you. */
export const CREATE_PERMISSION = { name: 'Administration', level: 'Read and write', why: 'only if Potluck should create the repository for you' } as const;

export const tokenSchema = z
  .string()
  .trim()
  .min(20, 'Paste the whole token: it is a long code starting with “github_pat_”.')
  .max(255, 'That is longer than any GitHub token; paste just the token.')
  .regex(/^[A-Za-z0-9_]+$/, 'A token has only letters, digits and “_”; check that nothing else was pasted with it.');

/** The kind of a token by its prefix. */
export function tokenKindOf(token: string): TokenKind {
  if (token.startsWith('github_pat_')) return 'fine-grained';
  if (token.startsWith('ghp_')) return 'classic';
  if (token.startsWith('gho_') || token.startsWith('ghu_')) return 'oauth';
  return 'unknown';
}

/** Asks GitHub who a token belongs to and what it may do; throws a GitHubError saying what is wrong or missing. */
export async function checkGitHubToken(app: AppContext, token: string, tuning?: Partial<GitHubTuning>): Promise<TokenCheck> {
  const gh = createGitHubClient({ baseUrl: app.config.githubApiUrl, token, tuning });
  const { data, headers } = await gh.rest.users.getAuthenticated();
  const kind = tokenKindOf(token);
  const scopeHeader = headers['x-oauth-scopes'];
  const scopes = typeof scopeHeader === 'string' ? scopeHeader.split(',').map((s) => s.trim()).filter(Boolean) : null;
  if (scopes && kind !== 'fine-grained' && !scopes.includes('repo')) {
    throw new GitHubError(
      'missing-permission',
      `This token works, but it does not have the “repo” scope, which GitHub requires for publishing to a repository and turning on GitHub Pages (it has: ${scopes.length ? scopes.join(', ') : 'no scopes'}). ` +
        `Make a fine-grained token instead at ${NEW_TOKEN_URL} (recommended: it can be limited to one repository), or a classic token with “repo”.`,
      { status: 200, permission: 'repo' },
    );
  }
  const expiry = headers['github-authentication-token-expiration'];
  return { login: data.login, kind, scopes, expiresAt: typeof expiry === 'string' ? expiry : null };
}

/** Checks a pasted token and keeps it (sealed) as the student's GitHub connection. */
export async function connectGitHub(
  app: AppContext,
  props: { userId: string; token: string; tuning?: Partial<GitHubTuning> },
): Promise<TokenCheck> {
  const parsed = tokenSchema.safeParse(props.token);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error).map((i) => ({ ...i, field: 'token' })));
  const check = await checkGitHubToken(app, parsed.data, props.tuning);
  storeGitHubConnection(app, { userId: props.userId, login: check.login, token: parsed.data, tokenKind: check.kind === 'oauth' ? 'oauth' : 'pat' });
  return check;
}
