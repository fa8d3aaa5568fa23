/** `/feed.xsl`: the stylesheet RSS feeds name, so that a feed opened in a browser is a page (server/http/feed.xsl). */
import type { APIRoute } from 'astro';
import { feedStylesheetResponse } from '../server/http/feedResponse.ts';
// Bundled with the server as text: the file is the one source, and nothing is read from disk per request.
import stylesheet from '../server/http/feed.xsl?raw';

export const GET: APIRoute = () => feedStylesheetResponse(stylesheet);
