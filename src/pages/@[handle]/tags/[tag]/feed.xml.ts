import type { APIRoute } from 'astro';
import { feedResponse } from '../../../../server/http/feedResponse.ts';

/** One tag's RSS 2.0 feed (what a course hub subscribes to for an assignment): the newest public work with that tag. */
export const GET: APIRoute = (context) => feedResponse(context, 'rss');

export const HEAD = GET;
