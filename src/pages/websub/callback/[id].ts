/**
 * Where WebSub hubs call a course hub's subscription back (src/server/websub/subscriber.ts): GET to verify the
 * subscription Potluck asked for (the challenge is echoed only then), POST to deliver the feed's new content, taken
 * only with a valid `X-Hub-Signature`.
 */
import type { APIRoute } from 'astro';
import { answerVerification, readDeliveryBody, receiveDelivery } from '../../../server/websub/subscriber.ts';
import { recordAudit } from '../../../server/audit/auditLog.ts';

const plain = (status: number, body: string) =>
  new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });

export const GET: APIRoute = ({ params, url, locals }) => {
  const answer = answerVerification(locals.app, params.id ?? '', url.searchParams);
  return plain(answer.status, answer.body);
};

/** A feed is at most a few megabytes, like a polled one (hubs/fetching.ts). */
const MAX_DELIVERY_BYTES = 5 * 1024 * 1024;

export const POST: APIRoute = async ({ params, request, locals }) => {
  const body = await readDeliveryBody(request, MAX_DELIVERY_BYTES);
  if (body === null) return plain(413, 'This delivery is larger than 5 MB, the most Potluck accepts.');
  const answer = await receiveDelivery(locals.app, params.id ?? '', {
    signature: request.headers.get('x-hub-signature'),
    contentType: request.headers.get('content-type'),
    body,
  });
  if (answer.status === 403) {
    recordAudit(locals.app, { action: 'websub.delivery.rejected', outcome: 'refused', details: { subscription: params.id ?? '' } });
  }
  return plain(answer.status, answer.body);
};
