/** A hub's sources as OPML 2.0: members' portfolio feeds and external feeds, ready for a feed reader or another hub. */
import type { APIRoute } from 'astro';
import { hubOpmlResponse } from '../../../server/hubs/responses.ts';

export const GET: APIRoute = (context) => hubOpmlResponse(context);
