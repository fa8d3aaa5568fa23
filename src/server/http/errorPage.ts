/** A small, complete HTML page for errors raised outside the Astro templates (middleware, API routes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An error page with a status, a title and a message that says what to do. */
export function errorResponse(status: number, title: string, message: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)} · Potluck</title><link rel="stylesheet" href="/styles/potluck.css"></head><body><main id="main" class="page narrow"><h1>${escapeHtml(title)}</h1><p class="notice notice-error" role="alert">${escapeHtml(message)}</p><p><a href="/">Go to the start page</a></p></main></body></html>`;
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}
