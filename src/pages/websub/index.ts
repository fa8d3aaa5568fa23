/**
 * Potluck's WebSub hub (W3C WebSub §5.1): `POST /websub` with `hub.mode=subscribe|unsubscribe`, `hub.topic` (one of
 * this site's public feeds), `hub.callback`, optional `hub.lease_seconds` and `hub.secret`. Answers 202 and verifies
 * the intent afterwards (src/server/websub/publisher.ts); a request that cannot be right answers 400 with the reason.
 */
import type { APIRoute } from 'astro';
import { readTextLimited } from '../../server/http/bodyLimits.ts';
import { errorResponse } from '../../server/http/errorPage.ts';
import { requestSubscription } from '../../server/websub/publisher.ts';

export const POST: APIRoute = async ({ request, locals }) => {
  if (!locals.app.config.websub) {
    return new Response('This Potluck runs no WebSub hub (POTLUCK_WEBSUB=off).\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });
  }
  const text = await readTextLimited(request, 16 * 1024, 'This subscription request');
  const form = Object.fromEntries(new URLSearchParams(text));
  const answer = requestSubscription(locals.app, form);
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
  if (answer.status === 429) headers['retry-after'] = '300';
  return new Response(`${answer.message}\n`, { status: answer.status, headers });
};

export const GET: APIRoute = () => {
  const response = errorResponse(
    405,
    'This is a WebSub hub',
    'Feed readers subscribe here with a POST (hub.mode, hub.topic, hub.callback). Every Potluck feed names this hub in its rel="hub" link.',
  );
  response.headers.set('allow', 'POST');
  return response;
};
