import type { APIRoute } from 'astro';
import { redeemCode } from '../commands/indieauthCodeRedeemer.ts';
import { json, oauthError, readParams } from '../server/indieauth/responses.ts';
import { bearerOf, checkToken, revokeTokenBySecret } from '../server/indieauth/tokens.ts';
import { profileUrl } from '../server/indieauth/urls.ts';

/**
 * The IndieAuth token endpoint. POST grant_type=authorization_code exchanges a code (with its PKCE verifier) for an
 * access token; the older `action=revoke` revokes one. GET with a Bearer token answers what the token is (the
 * verification older Micropub servers do). Apps call it from their servers: it reads no session cookie.
 */
export const POST: APIRoute = async ({ request, locals }) => {
  const params = await readParams(request, 64 * 1024);
  if (params.get('action') === 'revoke') {
    revokeTokenBySecret(locals.app, params.get('token') ?? '');
    return json({});
  }
  if (params.get('grant_type') !== 'authorization_code') {
    return oauthError(400, 'unsupported_grant_type', 'Potluck gives tokens for grant_type=authorization_code only.');
  }
  const result = redeemCode(
    locals.app,
    { code: params.get('code') ?? '', clientId: params.get('client_id') ?? '', redirectUri: params.get('redirect_uri') ?? '', codeVerifier: params.get('code_verifier') ?? '' },
    { forToken: true },
  );
  return result.ok ? json(result.body) : oauthError(result.status, result.error, result.message);
};

export const GET: APIRoute = ({ request, locals }) => {
  const { token } = bearerOf(request);
  if (!token) return oauthError(401, 'unauthorized', 'Send the access token as Authorization: Bearer TOKEN.');
  const check = checkToken(locals.app, token);
  if (!check.ok) return oauthError(check.status, check.error, check.message);
  return json({ me: profileUrl(locals.app, check.user.handle), client_id: check.token.clientId, scope: check.token.scope });
};
