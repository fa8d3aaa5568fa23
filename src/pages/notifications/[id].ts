/**
 * Opening one notification: marks it read and sends its owner on to what it is about. Anyone else's (or a missing)
 * id is a 404 and changes nothing; someone signed out is asked to sign in and comes back here.
 */
import type { APIRoute } from 'astro';
import { markNotificationRead } from '../../commands/notificationReader.ts';

const open: APIRoute = ({ locals, params, url, redirect }) => {
  if (!locals.user) return redirect(`/signin?next=${encodeURIComponent(url.pathname)}`, 303);
  locals.noindex = true;
  const { url: target } = markNotificationRead(locals.app, { actor: locals.user, id: params.id ?? '' });
  // Stored addresses are paths on this site; anything else goes to the inbox rather than off-site.
  return redirect(target.startsWith('/') && !target.startsWith('//') ? target : '/notifications', 303);
};

export const GET = open;
export const POST = open;
