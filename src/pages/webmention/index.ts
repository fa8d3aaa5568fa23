/**
 * The Webmention endpoint (W3C Webmention, "Receiving Webmentions"): `source` and `target` as a form post. Checked
 * at once (400 with what is wrong, 403 for a blocked domain, 429 with Retry-After for a flood from one host), then
 * verified asynchronously: 202 with a `Location` where the mention's status can be read. Found by discovery
 * (src/server/discovery/webmention.ts), never by a guessed path. No cookie is read: anyone on the web may send one.
 */
import type { APIRoute } from 'astro';
import { receiveWebmention } from '../../commands/webmentionReceiver.ts';
import { formToObject } from '../../server/http/forms.ts';
import { allowedOrigins, siteHostsFor } from '../../server/http/siteHosts.ts';

const text = (status: number, message: string, headers: Record<string, string> = {}) =>
  new Response(message + '\n', { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers } });

export const POST: APIRoute = async ({ request, locals }) => {
  const app = locals.app;
  if (!app.config.webmentions) return text(404, 'This Potluck does not receive Webmentions (POTLUCK_WEBMENTIONS=off).');
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded|^multipart\/form-data/i.test(type)) {
    return text(400, 'Send source and target as a form (application/x-www-form-urlencoded), as the Webmention specification says.');
  }
  const form = await request.formData().catch(() => null);
  if (!form) return text(400, 'The form could not be read. Send source and target as application/x-www-form-urlencoded.');
  const outcome = receiveWebmention(app, { form: formToObject(form), origins: allowedOrigins(siteHostsFor(app.config), locals.localPort) });
  if (!outcome.ok) {
    return text(outcome.status, outcome.message, outcome.retryAfterSeconds ? { 'retry-after': String(outcome.retryAfterSeconds) } : {});
  }
  const location = new URL(outcome.statusPath, app.config.siteUrl).href;
  return text(202, `Accepted: the mention is queued for verification. Its status is at ${location}`, { location });
};

export const GET: APIRoute = () =>
  text(405, 'This is a Webmention endpoint: POST a form with source and target (https://www.w3.org/TR/webmention/).', { allow: 'POST' });
