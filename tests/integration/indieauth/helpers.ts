/** An IndieAuth client on loopback (its page names it and may list redirect URLs) and the steps an app takes. */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from '../../helpers/http.ts';

export interface ClientApp {
  /** `http://127.0.0.1:PORT/app/`: the client_id. */
  clientId: string;
  redirectUri: string;
  origin: string;
  /** Extra redirect URLs the client page lists with rel=redirect_uri. */
  listed: string[];
  close(): Promise<void>;
}

/** A client whose page is an h-app named `name`, on its own loopback port. */
export async function startClientApp(name = 'Quill Test'): Promise<ClientApp> {
  const listed: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/app/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head>${listed.map((u) => `<link rel="redirect_uri" href="${u}">`).join('')}</head>
        <body><div class="h-app"><a class="u-url p-name" href="/app/">${name}</a></div></body></html>`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('back at the app');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    clientId: `${origin}/app/`,
    redirectUri: `${origin}/app/callback`,
    origin,
    listed,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeQuery(client: ClientApp, props: { challenge: string; scope?: string; state?: string; redirectUri?: string; method?: string | null; extra?: Record<string, string> }) {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: props.redirectUri ?? client.redirectUri,
    state: props.state ?? 'state-123',
    code_challenge: props.challenge,
    scope: props.scope ?? 'profile create',
    ...props.extra,
  });
  if (props.method !== null) q.set('code_challenge_method', props.method ?? 'S256');
  return q;
}

/** Opens the consent page and presses Allow (keeping `grant` scopes); returns the redirect's URL. */
export async function approve(browser: Browser, query: URLSearchParams, grant?: string[]): Promise<URL> {
  const page = await browser.get(`/auth?${query}`);
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}: ${await page.text()}`);
  await page.arrayBuffer();
  const fields: Record<string, string | string[]> = Object.fromEntries(query);
  fields.decision = 'allow';
  fields.grant = grant ?? (query.get('scope') ?? '').split(' ').filter(Boolean);
  const res = await browser.postForm('/auth', fields);
  if (res.status !== 303) throw new Error(`approval answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** Posts a form as an app's server does: no cookie, no Origin. */
export function appPost(base: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(new URL(path, base), { method: 'POST', body: new URLSearchParams(fields), headers, redirect: 'manual' });
}

/** The whole flow for `browser`'s member: returns the access token. */
export async function getToken(base: string, browser: Browser, client: ClientApp, scope: string): Promise<string> {
  const { verifier, challenge } = pkce();
  const back = await approve(browser, authorizeQuery(client, { challenge, scope }));
  const res = await appPost(base, '/token', {
    grant_type: 'authorization_code',
    code: back.searchParams.get('code')!,
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    code_verifier: verifier,
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}
