import type { APIRoute } from 'astro';
import { feedResponse } from '../../server/http/feedResponse.ts';

/** The portfolio's RSS 2.0 feed: its newest public work. */
export const GET: APIRoute = (context) => feedResponse(context, 'rss');

export const HEAD = GET;
