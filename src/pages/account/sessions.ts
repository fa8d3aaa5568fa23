/**
 * "Sign out this one" and "Sign out all others" from the sessions list on /account. Only the person's own sessions
 * can be named; ending the one in use signs this browser out.
 */
import type { APIRoute } from 'astro';
import { revokeOtherSessions, revokeSession } from '../../commands/sessionRevoker.ts';
import { PotluckError } from '../../core/errors.ts';
import { endSession, requireUser } from '../../server/auth/currentUser.ts';
import { errorResponse } from '../../server/http/errorPage.ts';

/** Ends one session or all others, then back to /account. */
export const POST: APIRoute = async (context) => {
  const gate = requireUser(context);
  if (!gate.user) return gate.response;
  const app = context.locals.app;
  const session = context.locals.session!;
  const form = await context.request.formData().catch(() => new FormData());
  const address = context.locals.address;
  const props = { user: gate.user, currentSessionId: session.id, address };
  const intent = form.get('intent');
  try {
    if (intent === 'revoke-others') {
      const { ended } = revokeOtherSessions(app, props);
      return context.redirect(`/account?signedout=${ended}#sessions`, 303);
    }
    if (intent === 'revoke') {
      const { current } = revokeSession(app, { ...props, ref: String(form.get('session') ?? '') });
      if (current) {
        endSession(context);
        return context.redirect('/signin', 303);
      }
      return context.redirect('/account?signedout=1#sessions', 303);
    }
  } catch (error) {
    if (!(error instanceof PotluckError)) throw error;
    return errorResponse(error.status, 'Session not found', error.message);
  }
  return errorResponse(400, 'Something needs fixing', 'That button did not say what to do. Go back to your account page and try again.');
};
