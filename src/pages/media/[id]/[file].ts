import type { APIRoute } from 'astro';
import { serveMedia } from '../../../server/media/serve.ts';

/** One stored file of a media item: `original.<ext>` or a WebP variant (`w960.webp`); anything else is a 404. */
export const GET: APIRoute = ({ params, locals, request }) => {
  const { response, publiclyReadable } = serveMedia(locals.app, locals.user, {
    id: params.id ?? '',
    file: params.file ?? '',
    method: request.method === 'HEAD' ? 'HEAD' : 'GET',
    headers: request.headers,
  });
  if (!publiclyReadable) locals.noindex = true;
  return response;
};

export const HEAD = GET;
