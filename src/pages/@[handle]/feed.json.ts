import type { APIRoute } from 'astro';
import { feedResponse } from '../../server/http/feedResponse.ts';

/** The portfolio's JSON Feed 1.1 feed: its newest public work. */
export const GET: APIRoute = (context) => feedResponse(context, 'json');

export const HEAD = GET;
