/** A small, complete HTML page for errors raised outside the Astro templates (middleware, API routes). */
import { safeNextPath } from '../../core/accounts.ts';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The HTML of an error page: a title and a message that says what to do (no stack, never empty). */
export function errorPageHtml(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · Potluck</title><link rel="stylesheet" href="/styles/potluck.css"></head><body><main id="main" class="page narrow"><h1>${escapeHtml(title)}</h1><p class="notice notice-error" role="alert">${escapeHtml(message)}</p><p><a href="/">Go to the start page</a></p></main></body></html>`;
}

/**
 * What every 404 says, whatever the reason: nothing at that address, or something the reader may not open (class-only
 * or private work, a members-only hub). One text for both, so the answer never tells that a piece exists.
 */
export const NOT_FOUND_PAGE = {
  title: 'Not found',
  message:
    'There is nothing here that you can open. Check the address for a typing mistake. If someone shared this link with you, sign in: work shared with a class shows only to its members and teachers.',
} as const;

/** The sign-in address that comes back to `path` afterwards (only a path on this site; anything else comes back to the start). */
export function signInHref(path: string): string {
  return `/signin?next=${encodeURIComponent(safeNextPath(path, '/'))}`;
}

/** The one 404 page: the same bytes for "missing" and "not for you", apart from the sign-in link back to `path`. */
export function notFoundPageHtml(path: string): string {
  const { title, message } = NOT_FOUND_PAGE;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · Potluck</title><link rel="stylesheet" href="/styles/potluck.css"></head><body><main id="main" class="page narrow"><h1>${escapeHtml(title)}</h1><p class="notice notice-error" role="alert">${escapeHtml(message)}</p><p><a href="${escapeHtml(signInHref(path))}">Sign in</a> · <a href="/">Go to the start page</a></p></main></body></html>`;
}

/**
 * The 404 response for a request (`path` with its query): never cached by a shared cache, since the same address
 * answers a signed-in reader with the page.
 */
export function notFoundResponse(path: string): Response {
  return new Response(notFoundPageHtml(path), { status: 404, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
}

/** An error page with a status, a title and a message that says what to do. */
export function errorResponse(status: number, title: string, message: string): Response {
  const html = errorPageHtml(title, message);
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

/** The page of an unexpected error: what happened and what to do; the details go to the server's log only. */
export const UNEXPECTED_ERROR = {
  title: 'Something went wrong',
  message:
    'Potluck could not finish this request because of a problem on the server. Nothing you sent was lost on your side: go back, wait a minute and try again. If it keeps happening, tell your school\'s Potluck admin the time it happened.',
} as const;
