import type { APIRoute } from 'astro';
import { micropubMedia } from '../../server/micropub/endpoint.ts';

/** The Micropub media endpoint: multipart `file`, the upload limits and EXIF stripping of the media pipeline. */
export const POST: APIRoute = ({ request, locals }) => micropubMedia(locals.app, request);
