/** A small, complete HTML page for errors raised outside the Astro templates (middleware, API routes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The HTML of an error page: a title and a message that says what to do (no stack, never empty). */
export function errorPageHtml(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · Potluck</title><link rel="stylesheet" href="/styles/potluck.css"></head><body><main id="main" class="page narrow"><h1>${escapeHtml(title)}</h1><p class="notice notice-error" role="alert">${escapeHtml(message)}</p><p><a href="/">Go to the start page</a></p></main></body></html>`;
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
