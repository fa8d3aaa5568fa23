/** An HTTP client for tests that behaves like a browser tab: keeps cookies, sends Origin on writes, no redirects followed. */
export class Browser {
  readonly base: string;
  private cookies = new Map<string, string>();

  constructor(base: string) {
    this.base = base;
  }

  /** Sends a request with the cookie jar; records Set-Cookie. */
  async request(pathname: string, init: RequestInit & { origin?: string | null } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const method = (init.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD' && init.origin !== null && !headers.has('origin')) {
      headers.set('origin', init.origin ?? this.base);
    }
    const response = await fetch(new URL(pathname, this.base), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /expires=Thu, 01 Jan 1970/i.test(a));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  get(pathname: string, init: RequestInit = {}) {
    return this.request(pathname, init);
  }

  /** POSTs a urlencoded form, as a browser form without JavaScript does. */
  postForm(pathname: string, fields: Record<string, string | string[]>, init: RequestInit & { origin?: string | null } = {}) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const item of [v].flat()) body.append(k, item);
    return this.request(pathname, { ...init, method: 'POST', body });
  }

  /** POSTs multipart form data (file uploads). */
  postMultipart(pathname: string, form: FormData, init: RequestInit & { origin?: string | null } = {}) {
    return this.request(pathname, { ...init, method: 'POST', body: form });
  }

  /** Puts a cookie in the jar, as if the server had set it. */
  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/**
 * "Export everything" as a student does it without JavaScript: press the button, follow the export's page as it
 * reloads itself until it offers the download, then download. Returns the download's response (and the job page).
 */
export async function exportArchiveOnTheWeb(browser: Browser, timeoutMs = 60_000): Promise<{ download: Response; jobPath: string }> {
  const started = await browser.postForm('/workspace/export', {});
  if (started.status !== 303) throw new Error(`The export did not start: ${started.status} ${await started.text()}`);
  const jobPath = started.headers.get('location')!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const html = await (await browser.get(jobPath)).text();
    if (html.includes(`href="${jobPath}/download"`)) break;
    if (!html.includes('http-equiv="refresh"')) throw new Error(`The export did not finish: ${html.match(/<h1>.*?<\/h1>/s)?.[0]} ${html.match(/role="alert">(.*?)<\/div>/s)?.[1] ?? ''}`);
    if (Date.now() > deadline) throw new Error('The export took too long');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { download: await browser.get(`${jobPath}/download`), jobPath };
}
