/**
 * The request listener of a Potluck server: the built site (`dist/server/entry.mjs`, Astro's Node handler in
 * middleware mode) behind the client files served from memory (clientAssets.ts). `potluck serve` puts its page-cache
 * front before it; the static export mounts it as it is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { clientDirOf, loadClientAssets, type ClientAssets } from './clientAssets.ts';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface Site {
  listener: RequestListener;
  assets: ClientAssets;
}

/**
 * Loads the built site. `front` sees each request first and returns true when it has answered it. The site reads
 * its configuration from `process.env` (POTLUCK_DATA…) when it handles its first request.
 */
export async function loadSite(entry: string, front?: (req: IncomingMessage, res: ServerResponse) => boolean): Promise<Site> {
  const mod = (await import(/* @vite-ignore */ pathToFileURL(entry).href)) as {
    handler?: (req: IncomingMessage, res: ServerResponse, next: undefined, locals: Partial<App.Locals>) => unknown;
  };
  const handler = mod.handler;
  if (typeof handler !== 'function') throw new Error(`${entry} does not export a handler; rebuild the site.`);
  const assets = loadClientAssets(clientDirOf(entry));
  const listener: RequestListener = (req, res) => {
    // An address no browser would send (a broken percent escape) gets a plain 400 instead of reaching the router.
    try {
      decodeURI(req.url ?? '/');
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Bad request: the address has a broken percent escape.');
      return;
    }
    if (assets.serve(req, res)) return;
    if (front?.(req, res)) return;
    // The socket's address travels in locals: sign-in limits read it (and X-Forwarded-For only from trusted proxies).
    void handler(req, res, undefined, { peerAddress: req.socket.remoteAddress ?? '' });
  };
  return { listener, assets };
}
