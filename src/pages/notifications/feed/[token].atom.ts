/**
 * Someone's private notifications feed (Atom 1.0) at its secret address. A wrong or reset secret is a 404, like any
 * address that does not exist. Never cached by anyone but the reader, never indexed, never listed anywhere.
 */
import type { APIRoute } from 'astro';
import { notFound } from '../../../core/errors.ts';
import { feedOwnerOf, feedPath, notificationsAtom } from '../../../server/notifications/feed.ts';

export const GET: APIRoute = ({ locals, params }) => {
  locals.noindex = true;
  const token = params.token ?? '';
  const owner = feedOwnerOf(locals.app, token);
  if (!owner) throw notFound('That feed');
  return new Response(notificationsAtom(locals.app, owner, feedPath(token)), {
    status: 200,
    headers: {
      'content-type': 'application/atom+xml; charset=utf-8',
      'cache-control': 'private, no-store',
      'x-robots-tag': 'noindex',
      'referrer-policy': 'no-referrer',
    },
  });
};
