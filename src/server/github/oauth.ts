/**
 * "Sign in with GitHub" for connecting publishing, where the instance is configured with a GitHub OAuth app
 * (POTLUCK_GITHUB_CLIENT_ID / _SECRET; POTLUCK_GITHUB_OAUTH_URL for GitHub Enterprise or a test server).
 * The authorization code flow with arctic; the state travels in a short-lived HttpOnly cookie.
 */
import { OAuth2Client, OAuth2RequestError, generateState } from 'arctic';
import { timingSafeEqual } from 'node:crypto';
import { PotluckError } from '../../core/errors.ts';
import type { Config } from '../config.ts';

export const OAUTH_STATE_COOKIE = 'potluck_github_oauth';
export const OAUTH_CALLBACK_PATH = '/workspace/publish/github/callback';
/** Publishing to a repository and turning on Pages needs `repo` for an OAuth app. */
const SCOPES = ['repo'];

/** The OAuth client for this instance, or null when no OAuth app is configured. */
export function githubOAuth(config: Config) {
  const app = config.githubOAuth;
  if (!app) return null;
  const client = new OAuth2Client(app.clientId, app.clientSecret, `${config.siteUrl}${OAUTH_CALLBACK_PATH}`);
  return {
    /** A new state and the GitHub address to send the student to. */
    start(): { state: string; url: URL } {
      const state = generateState();
      return { state, url: client.createAuthorizationURL(`${app.baseUrl}/login/oauth/authorize`, state, SCOPES) };
    },
    /** Exchanges the code GitHub sent back for an access token. */
    async exchange(code: string): Promise<string> {
      try {
        const tokens = await client.validateAuthorizationCode(`${app.baseUrl}/login/oauth/access_token`, code, null);
        return tokens.accessToken();
      } catch (error) {
        const message =
          error instanceof OAuth2RequestError
            ? 'GitHub did not accept the sign-in (the code may have expired). Try “Sign in with GitHub” again.'
            : 'Potluck could not reach GitHub to finish the sign-in. Try again in a minute.';
        throw new PotluckError(error instanceof OAuth2RequestError ? 'UNAUTHENTICATED' : 'UPSTREAM', message, { cause: error });
      }
    },
  };
}

/** Whether the state GitHub sent back is the one this browser was given. */
export function stateMatches(expected: string | undefined, received: string | null): boolean {
  if (!expected || !received) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(received);
  return a.length === b.length && timingSafeEqual(a, b);
}
