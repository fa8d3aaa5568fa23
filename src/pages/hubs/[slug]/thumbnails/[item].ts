/** The stored picture of an external feed item in a hub's river (server/hubs/thumbnails.ts). */
import type { APIRoute } from 'astro';
import { hubThumbnailResponse } from '../../../../server/hubs/responses.ts';

export const GET: APIRoute = (context) => hubThumbnailResponse(context);
