/** Sign out: POST only (a link or an image cannot sign anyone out), ends the session on the server, then home. */
import type { APIRoute } from 'astro';
import { endSession } from '../server/auth/currentUser.ts';
import { errorResponse } from '../server/http/errorPage.ts';

export const POST: APIRoute = (context) => {
  endSession(context);
  return new Response(null, { status: 303, headers: { location: '/', 'cache-control': 'no-store' } });
};

export const GET: APIRoute = () => {
  const response = errorResponse(
    405,
    'Use the Sign out button',
    'Signing out needs the "Sign out" button at the top of every page; opening this address does nothing.',
  );
  response.headers.set('allow', 'POST');
  return response;
};
