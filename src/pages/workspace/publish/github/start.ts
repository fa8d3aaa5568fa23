import type { APIRoute } from 'astro';
import { notFound } from '../../../../core/errors.ts';
import { OAUTH_CALLBACK_PATH, OAUTH_STATE_COOKIE, githubOAuth } from '../../../../server/github/oauth.ts';

/** "Sign in with GitHub": remembers a random state in a cookie and sends the student to GitHub. */
export const POST: APIRoute = ({ locals, cookies, redirect }) => {
  const oauth = githubOAuth(locals.app.config);
  if (!oauth) throw notFound('Sign in with GitHub');
  const { state, url } = oauth.start();
  cookies.set(OAUTH_STATE_COOKIE, state, {
    httpOnly: true,
    sameSite: 'lax',
    secure: locals.app.config.secureCookies,
    path: OAUTH_CALLBACK_PATH,
    maxAge: 600,
  });
  return redirect(url.toString(), 303);
};
