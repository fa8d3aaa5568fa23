import type { APIRoute } from 'astro';
import { micropubPost, micropubQuery } from '../server/micropub/endpoint.ts';

/** The Micropub endpoint (see server/micropub/endpoint.ts): Bearer tokens only, never the session cookie. */
export const GET: APIRoute = ({ request, url, locals }) => micropubQuery(locals.app, request, url);
export const POST: APIRoute = ({ request, locals }) => micropubPost(locals.app, request);
