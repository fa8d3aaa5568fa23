/** A public hub's JSON Feed 1.1: contributions that are public at their source. */
import type { APIRoute } from 'astro';
import { hubFeedResponse } from '../../../server/hubs/responses.ts';

export const GET: APIRoute = (context) => hubFeedResponse(context, 'json');
