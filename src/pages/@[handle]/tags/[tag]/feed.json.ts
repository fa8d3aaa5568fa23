import type { APIRoute } from 'astro';
import { feedResponse } from '../../../../server/http/feedResponse.ts';

/** One tag's JSON Feed 1.1 feed (what a course hub subscribes to for an assignment): the newest public work with that tag. */
export const GET: APIRoute = (context) => feedResponse(context, 'json');

export const HEAD = GET;
