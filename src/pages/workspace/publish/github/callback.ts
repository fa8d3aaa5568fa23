import type { APIRoute } from 'astro';
import { connectGitHub } from '../../../../commands/githubConnector.ts';
import { PotluckError, notFound } from '../../../../core/errors.ts';
import { OAUTH_CALLBACK_PATH, OAUTH_STATE_COOKIE, githubOAuth, stateMatches } from '../../../../server/github/oauth.ts';
import { errorResponse } from '../../../../server/http/errorPage.ts';

/** GitHub sends the student back here with a code: check the state, exchange the code, keep the token sealed. */
export const GET: APIRoute = async ({ locals, cookies, url, redirect }) => {
  const oauth = githubOAuth(locals.app.config);
  if (!oauth) throw notFound('Sign in with GitHub');
  const expected = cookies.get(OAUTH_STATE_COOKIE)?.value;
  cookies.delete(OAUTH_STATE_COOKIE, { path: OAUTH_CALLBACK_PATH });
  if (!stateMatches(expected, url.searchParams.get('state'))) {
    return errorResponse(
      400,
      'Sign-in with GitHub not finished',
      'This sign-in link does not belong to this browser, or it is more than ten minutes old. Start again from Publish to GitHub Pages.',
    );
  }
  const code = url.searchParams.get('code');
  if (!code) return redirect('/workspace/publish?oauth=failed', 303);
  try {
    const token = await oauth.exchange(code);
    await connectGitHub(locals.app, { userId: locals.user!.id, token });
  } catch (error) {
    if (!(error instanceof PotluckError)) throw error;
    return errorResponse(error.status, 'Sign-in with GitHub not finished', error.message);
  }
  return redirect('/workspace/publish?connected=1', 303);
};
