/**
 * A received Webmention's status, at the address the endpoint gave in `Location`: queued, verified, rejected (and
 * why) or deleted. It says nothing of the student's decision: whether a mention shows is theirs to decide, not the
 * sender's to watch. The id is random and unguessable; an unknown one is 404.
 */
import type { APIRoute } from 'astro';
import { eq } from 'drizzle-orm';
import { webmentions } from '../../../server/db/schema.ts';

const MESSAGES = {
  queued: 'Queued: Potluck will fetch the source and check that it links to the target.',
  verified: 'Verified: the source links to the target. The author of the piece decides whether it shows.',
  rejected: 'Rejected.',
  deleted: 'Deleted: the source is gone or no longer links to the target.',
} as const;

export const GET: APIRoute = ({ params, locals }) => {
  const m = locals.app.db
    .select({ status: webmentions.status, reason: webmentions.reason, source: webmentions.source, target: webmentions.target })
    .from(webmentions)
    .where(eq(webmentions.id, params.id ?? ''))
    .get();
  const headers = { 'cache-control': 'no-store' };
  if (!m) return Response.json({ error: 'No Webmention has this status address.' }, { status: 404, headers });
  const message = m.reason ? `${MESSAGES[m.status]} ${m.reason}`.replace('Rejected. ', 'Rejected: ') : MESSAGES[m.status];
  return Response.json({ status: m.status, reason: m.reason, message, source: m.source, target: m.target }, { headers });
};
