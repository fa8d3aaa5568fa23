/**
 * The app asking for access: its client_id (a URL, IndieAuth §3.2), what its page or metadata document says about
 * it (name, redirect URLs), and whether a redirect_uri belongs to it. A redirect_uri on another scheme, host or port
 * than the client_id is accepted only when the client itself lists it; otherwise the request is refused on
 * Potluck's own page and nobody is redirected anywhere (no open redirect).
 */
import { mf2 } from 'microformats-parser';
import type { AppContext } from '../context.ts';
import { safeFetch } from '../net/safeFetch.ts';

export interface ClientInfo {
  clientId: string;
  /** The app's name from its metadata or h-app, or its host when it says none. */
  name: string;
  /** Redirect URLs the client lists (metadata `redirect_uris`, `rel=redirect_uri` links and headers). */
  redirectUris: string[];
  /** Whether the client's page or metadata could be read. */
  fetched: boolean;
}

function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '[::1]' || host === 'localhost';
}

/** A client_id or profile-like URL as the spec allows it, or an error sentence. */
export function checkClientId(value: string | null | undefined): { ok: true; url: URL } | { ok: false; message: string } {
  if (!value) return { ok: false, message: 'The app did not say who it is (client_id is missing).' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, message: 'The app’s client_id is not a web address.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, message: 'The app’s client_id must start with https://.' };
  if (url.hash || url.username || url.password) return { ok: false, message: 'The app’s client_id may not have a #fragment, a user name or a password.' };
  if (/(^|\/)\.\.?(\/|$)/.test(url.pathname.replace(/^\//, ''))) return { ok: false, message: 'The app’s client_id may not contain /./ or /../.' };
  // Bare IP addresses are refused, except loopback ones (apps on the student's own computer).
  if ((/^\d+\.\d+\.\d+\.\d+$/.test(url.hostname) || url.hostname.startsWith('[')) && !isLoopbackHost(url.host.replace(/:\d+$/, ''))) {
    return { ok: false, message: 'The app’s client_id must be a name, not an IP address.' };
  }
  return { ok: true, url };
}

/** Whether `redirectUri` may receive the code for this client. */
export function redirectAllowed(client: ClientInfo, redirectUri: string): boolean {
  let target: URL;
  let id: URL;
  try {
    target = new URL(redirectUri);
    id = new URL(client.clientId);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return false;
  if (target.hash || target.username || target.password) return false;
  if (target.protocol === id.protocol && target.host === id.host) return true;
  return client.redirectUris.includes(target.href);
}

const MAX_CLIENT_BYTES = 512 * 1024;

/** Reads what the client says about itself; an app whose page cannot be read is still named by its host. */
export async function fetchClientInfo(app: AppContext, clientId: string): Promise<ClientInfo> {
  const host = new URL(clientId).host;
  const info: ClientInfo = { clientId, name: host, redirectUris: [], fetched: false };
  const response = await safeFetch(clientId, {
    allowPrivateNetworks: app.config.allowPrivateNetworks,
    accept: 'application/json, text/html;q=0.9, */*;q=0.1',
    maxBytes: MAX_CLIENT_BYTES,
    maxRedirects: 3,
    timeoutMs: 8000,
  }).catch(() => null);
  if (!response || !response.ok || response.status !== 200) return info;
  info.fetched = true;
  const base = response.url;
  const add = (href: unknown) => {
    if (typeof href !== 'string') return;
    try {
      const url = new URL(href, base).href;
      if (!info.redirectUris.includes(url)) info.redirectUris.push(url);
    } catch {
      /* not a URL: ignored */
    }
  };
  for (const part of (response.headers['link'] ?? '').split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?([^";]*\s)?redirect_uri(\s[^";]*)?"?/i.test(match[2])) add(match[1]);
  }
  const type = response.headers['content-type'] ?? '';
  const text = response.body.toString('utf8');
  if (/json/i.test(type)) {
    try {
      const doc = JSON.parse(text) as { client_id?: unknown; client_name?: unknown; redirect_uris?: unknown };
      // A metadata document names the client it describes; one that names another is ignored.
      if (doc.client_id === undefined || doc.client_id === clientId) {
        if (typeof doc.client_name === 'string' && doc.client_name.trim()) info.name = doc.client_name.trim().slice(0, 100);
        if (Array.isArray(doc.redirect_uris)) doc.redirect_uris.forEach(add);
      }
    } catch {
      /* not JSON after all */
    }
    return info;
  }
  if (/html/i.test(type) || type === '') {
    try {
      const parsed = mf2(text, { baseUrl: base });
      for (const href of parsed.rels['redirect_uri'] ?? []) add(href);
      const appItem = parsed.items.find((item) => item.type?.some((t) => t === 'h-app' || t === 'h-x-app'));
      const name = appItem?.properties?.['name']?.[0];
      if (typeof name === 'string' && name.trim()) info.name = name.trim().slice(0, 100);
    } catch {
      /* unreadable page: the host names the app */
    }
  }
  return info;
}
