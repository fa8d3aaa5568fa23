import type { APIRoute } from 'astro';
import { json, oauthError, readParams } from '../../server/indieauth/responses.ts';
import { bearerOf, checkToken } from '../../server/indieauth/tokens.ts';
import { profileUrl } from '../../server/indieauth/urls.ts';

/**
 * Token introspection (RFC 7662, IndieAuth §6.1): whether a token is active, for whom and with what scope. The
 * caller authenticates with a live Bearer token of its own, so the endpoint cannot be used to probe for tokens.
 */
export const POST: APIRoute = async ({ request, locals }) => {
  const { token: caller } = bearerOf(request);
  if (!caller || !checkToken(locals.app, caller).ok) {
    return oauthError(401, 'invalid_token', 'Authenticate with Authorization: Bearer and a live access token.');
  }
  const params = await readParams(request, 64 * 1024);
  const check = checkToken(locals.app, params.get('token') ?? '');
  if (!check.ok) return json({ active: false });
  return json({
    active: true,
    me: profileUrl(locals.app, check.user.handle),
    client_id: check.token.clientId,
    scope: check.token.scope,
    iat: Math.floor(check.token.createdAt.getTime() / 1000),
    exp: Math.floor(check.token.expiresAt.getTime() / 1000),
  });
};
