/**
 * The request listener of a Potluck server: the built site (`dist/server/entry.mjs`, Astro's Node handler in
 * middleware mode) behind the client files served from memory (clientAssets.ts). `potluck serve` puts its page-cache
 * front before it; the static export mounts it as it is. Before any of them, the listener refuses requests for
 * another host (421, siteHosts.ts), and it answers anything that escapes them with Potluck's own 500 page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from '../config.ts';
import { logger } from '../logger.ts';
import { clientDirOf, loadClientAssets, type ClientAssets } from './clientAssets.ts';
import { UNEXPECTED_ERROR, errorPageHtml } from './errorPage.ts';
import { STATIC_TOKEN_HEADER, isStaticRenderToken } from './renderMode.ts';
import { securityHeaders } from './security.ts';
import { isSiteHost, siteHostsFor } from './siteHosts.ts';
import type { KeyedValidators } from './caching.ts';
import { requestArrived } from '../db/changes.ts';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface Site {
  listener: RequestListener;
  assets: ClientAssets;
}

/**
 * Loads the built site. `front` sees each request first and returns true when it has answered it; it may instead
 * hand the site the validators it worked out for the page (they reach the middleware in `locals`). The site reads
 * its configuration from `process.env` (POTLUCK_DATA…) when it handles its first request; the listener's own checks
 * (the Host header, the headers of its own answers) use `config`, by default the same environment's.
 */
export async function loadSite(
  entry: string,
  front?: (req: IncomingMessage, res: ServerResponse) => boolean | KeyedValidators,
  config: Config = loadConfig(),
): Promise<Site> {
  const mod = (await import(/* @vite-ignore */ pathToFileURL(entry).href)) as {
    handler?: (req: IncomingMessage, res: ServerResponse, next: undefined, locals: Partial<App.Locals>) => unknown;
  };
  const handler = mod.handler;
  if (typeof handler !== 'function') throw new Error(`${entry} does not export a handler; rebuild the site.`);
  const headers = securityHeaders(config);
  const assets = loadClientAssets(clientDirOf(entry), headers);
  const hosts = siteHostsFor(config);
  const listener: RequestListener = (req, res) => {
    // A request sent after a commit elsewhere (the CLI, another node) is answered as of after it (db/changes.ts).
    requestArrived();
    try {
      // Before anything else runs (client files, the page cache, sessions, the page): a request for another host is
      // not ours, and answering it would let a forged Host decide links and origins. The exporter's own requests
      // (loopback, with this process's render token) are the one exception.
      const localPort = req.socket.localPort;
      // A request target in absolute form (`GET http://other.example/ HTTP/1.1`) names a host too, and wins over Host
      // wherever a URL is built from it, so it is held to the same rule.
      const named = absoluteFormHost(req.url);
      const ours = isSiteHost(hosts, req.headers.host, localPort) && (named === null || isSiteHost(hosts, named, localPort));
      if (!ours && !isStaticRenderToken(headerOf(req, STATIC_TOKEN_HEADER))) {
        sendPage(res, headers, 421, 'Wrong address', `This Potluck server answers only at ${config.siteUrl}. Open that address instead.`);
        return;
      }
      // An address no browser would send (a broken percent escape) gets a 400 instead of reaching the router.
      try {
        decodeURI(req.url ?? '/');
      } catch {
        sendPage(res, headers, 400, 'Bad address', 'The address has a broken percent escape (a % not followed by two hex digits). Check the link and try again.');
        return;
      }
      if (assets.serve(req, res)) return;
      const fronted = front?.(req, res) ?? false;
      if (fronted === true) return;
      // The socket's addresses travel in locals: sign-in limits read the peer (and X-Forwarded-For only from trusted
      // proxies); the cross-site check reads the local port. What the front worked out about the page goes along.
      const locals: Partial<App.Locals> = { peerAddress: req.socket.remoteAddress ?? '', localPort };
      if (fronted) locals.frontValidators = fronted;
      Promise.resolve(handler(req, res, undefined, locals)).catch((error: unknown) => unexpected(req, res, headers, error));
    } catch (error) {
      unexpected(req, res, headers, error);
    }
  };
  return { listener, assets };
}

/** The host an absolute-form request target names (`http://host:port/path`), '' when unreadable, null for `/path`. */
function absoluteFormHost(target: string | undefined): string | null {
  if (!target || target.startsWith('/') || target === '*') return null;
  try {
    return new URL(target).host;
  } catch {
    return '';
  }
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Sends a small HTML page with the security headers; a response already under way can only be cut off. */
function sendPage(res: ServerResponse, headers: Record<string, string>, status: number, title: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorPageHtml(title, message);
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-robots-tag': 'noindex, nofollow',
  });
  res.end(body);
}

/** An error nothing else caught: logged as one JSON line (secrets redacted), answered with the 500 page. */
function unexpected(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>, error: unknown): void {
  logger.error('Unexpected error while answering a request', { method: req.method, path: req.url, error });
  sendPage(res, headers, 500, UNEXPECTED_ERROR.title, UNEXPECTED_ERROR.message);
}
