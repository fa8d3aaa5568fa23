import type { APIRoute } from 'astro';
import { json, readParams } from '../../server/indieauth/responses.ts';
import { revokeTokenBySecret } from '../../server/indieauth/tokens.ts';

/** Token revocation (RFC 7009, IndieAuth §7): the token stops working at once; an unknown one is not an error. */
export const POST: APIRoute = async ({ request, locals }) => {
  const params = await readParams(request, 64 * 1024);
  revokeTokenBySecret(locals.app, params.get('token') ?? '');
  return json({});
};
