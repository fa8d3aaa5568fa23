import type { APIRoute } from 'astro';
import { serveSitemap } from '../server/http/discoveryResponse.ts';

/** The instance's sitemap: public work of every indexable portfolio. */
export const GET: APIRoute = (context) => serveSitemap(context);

export const HEAD = GET;
