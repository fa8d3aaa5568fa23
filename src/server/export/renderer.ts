/**
 * How the exporter gets rendered pages: always from the real Astro handler (one set of templates), either mounted
 * in this process for the length of an export (the CLI, benchmarks) or, inside the running web server, over its own
 * loopback address. Requests carry the static render token, so the token never leaves the machine.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PotluckError } from '../../core/errors.ts';
import { STATIC_BASE_HEADER, STATIC_COPY_HEADER, STATIC_TOKEN_HEADER, staticRenderToken } from '../http/renderMode.ts';
import { loadSite, type Site } from '../http/siteListener.ts';

/** What the server answered for one address. */
export interface Rendered {
  status: number;
  /** Response headers by lower-case name. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/** Something that answers live paths of this instance (`/@maya/poem/`) the way the web server would. */
export interface Renderer {
  /**
   * GET of a path (already percent-encoded), with the static-mode headers for `base` (and the other addresses the
   * copy is served at); redirects are not followed.
   */
  get(path: string, base: string, servedAt?: string[]): Promise<Rendered>;
  /** Releases what the renderer holds (an in-process server); never throws. */
  close(): Promise<void>;
}

/**
 * The headers that make the handler render a page as the static export (anonymous, links under `base`; `servedAt`:
 * where else this copy will be served, see RenderMode.servedAt).
 */
export function staticRenderHeaders(base: string, servedAt: string[] = []): Record<string, string> {
  const headers: Record<string, string> = { [STATIC_TOKEN_HEADER]: staticRenderToken(), [STATIC_BASE_HEADER]: base, accept: 'text/html,*/*' };
  if (servedAt.length) headers[STATIC_COPY_HEADER] = servedAt.join(' ');
  return headers;
}

function isLoopback(origin: URL): boolean {
  const host = origin.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/**
 * A renderer that asks a Potluck server on this machine (the running web server asks itself). The static token goes
 * with every request, so only a loopback address is accepted unless the caller vouches for `origin` (the web
 * server's own address, bound to one interface).
 */
export function loopbackRenderer(origin: string, onClose: () => Promise<void> = async () => {}, options: { ownAddress?: boolean } = {}): Renderer {
  const url = new URL(origin);
  if (!options.ownAddress && !isLoopback(url)) throw new Error(`The exporter only renders through a loopback address, not ${url.origin}.`);
  // Plain node:http with kept-alive connections: hundreds of small requests, no need for fetch's streams.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  return {
    get(path, base, servedAt) {
      return new Promise<Rendered>((resolve, reject) => {
        const request = http.get(
          { agent, protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path, headers: staticRenderHeaders(base, servedAt) },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', reject);
            response.on('end', () => {
              const headers: Rendered['headers'] = {};
              for (const [name, value] of Object.entries(response.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
              resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
            });
          },
        );
        request.on('error', reject);
      });
    },
    close: async () => {
      agent.destroy();
      await onClose().catch(() => {});
    },
  };
}

/**
 * The renderer inside the running web server: `potluck serve` sets POTLUCK_INTERNAL_URL to its own loopback address
 * once it listens.
 */
export function internalRenderer(env: Record<string, string | undefined> = process.env): Renderer {
  const origin = env.POTLUCK_INTERNAL_URL;
  if (!origin) {
    throw new PotluckError(
      'CONFLICT',
      'The site download needs the server started with "potluck serve" (or npm start). Use "potluck site" from a shell instead.',
    );
  }
  return loopbackRenderer(origin, undefined, { ownAddress: true });
}

let loaded: { entry: string; dataDir: string | undefined; site: Site } | undefined;

/**
 * Mounts the built site (`dist/server/entry.mjs`) on a private HTTP server on 127.0.0.1, port 0, for the length of
 * an export. The site reads its configuration from `process.env` (POTLUCK_DATA...) like the web server does, and
 * keeps it for the life of the process, so one process exports from one data folder.
 */
export async function handlerRenderer(entry: string): Promise<Renderer> {
  if (!loaded) {
    loaded = { entry, dataDir: process.env.POTLUCK_DATA, site: await loadSite(entry) };
  } else if (loaded.dataDir !== process.env.POTLUCK_DATA) {
    throw new Error('This process already rendered pages from another data folder; run the export in a new process.');
  }
  const server = http.createServer(loaded.site.listener);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return loopbackRenderer(
    `http://127.0.0.1:${port}`,
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
}
