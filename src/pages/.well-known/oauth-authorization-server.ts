import type { APIRoute } from 'astro';
import { SCOPE_NAMES } from '../../server/indieauth/scopes.ts';
import { indieAuthUrls } from '../../server/indieauth/urls.ts';

/** IndieAuth server metadata (RFC 8414, IndieAuth §4.1.1): where an app finds every endpoint and what they accept. */
export const GET: APIRoute = ({ locals }) => {
  const urls = indieAuthUrls(locals.app);
  return Response.json(
    {
      issuer: urls.issuer,
      authorization_endpoint: urls.authorization,
      token_endpoint: urls.token,
      revocation_endpoint: urls.revocation,
      revocation_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint: urls.introspection,
      introspection_endpoint_auth_methods_supported: ['Bearer'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: SCOPE_NAMES,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      service_documentation: 'https://indieauth.spec.indieweb.org/',
      authorization_response_iss_parameter_supported: true,
    },
    { headers: { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' } },
  );
};
