import type { APIRoute } from 'astro';
import { serveRobotsTxt } from '../server/http/discoveryResponse.ts';

/** robots.txt: portfolios open to crawlers, private areas closed, where the sitemap is. */
export const GET: APIRoute = (context) => serveRobotsTxt(context);

export const HEAD = GET;
