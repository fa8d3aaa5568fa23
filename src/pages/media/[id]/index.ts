import type { APIRoute } from 'astro';
import { serveMedia } from '../../../server/media/serve.ts';

/**
 * A media item's default file, the address rendered Markdown uses (`media:ID` -> `/media/ID/`): the widest WebP
 * variant of a picture, the file itself for an attachment.
 */
export const GET: APIRoute = ({ params, locals, request }) => {
  const { response, publiclyReadable } = serveMedia(locals.app, locals.user, {
    id: params.id ?? '',
    file: null,
    method: request.method === 'HEAD' ? 'HEAD' : 'GET',
    headers: request.headers,
  });
  if (!publiclyReadable) locals.noindex = true;
  return response;
};

export const HEAD = GET;
