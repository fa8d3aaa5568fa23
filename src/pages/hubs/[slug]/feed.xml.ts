/** A public hub's RSS 2.0 feed: contributions that are public at their source. */
import type { APIRoute } from 'astro';
import { hubFeedResponse } from '../../../server/hubs/responses.ts';

export const GET: APIRoute = (context) => hubFeedResponse(context, 'rss');
