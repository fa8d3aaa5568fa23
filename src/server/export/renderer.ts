/**
 * How the exporter gets rendered pages: always from the real Astro handler (one set of templates), either mounted
 * in this process for the length of an export and called directly (the CLI, benchmarks) or, inside the running web
 * server, over its own loopback address. Requests carry the static render token, so the token never leaves the machine.
 */
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { PotluckError } from '../../core/errors.ts';
import { STATIC_BASE_HEADER, STATIC_COPY_HEADER, STATIC_TOKEN_HEADER, staticRenderToken } from '../http/renderMode.ts';
import { loadSite, type RequestListener, type Site } from '../http/siteListener.ts';

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
 * Mounts the built site (`dist/server/entry.mjs`) in this process for the length of an export and calls its request
 * listener directly, with an in-memory request and response: the same listener, host check, client files and Astro
 * handler as over HTTP, without a socket, an HTTP parser or a client in between. The site reads its configuration
 * from `process.env` (POTLUCK_DATA...) like the web server does, and keeps it for the life of the process, so one
 * process exports from one data folder.
 */
export async function handlerRenderer(entry: string): Promise<Renderer> {
  if (!loaded) {
    loaded = { entry, dataDir: process.env.POTLUCK_DATA, site: await loadSite(entry) };
  } else if (loaded.dataDir !== process.env.POTLUCK_DATA) {
    throw new Error('This process already rendered pages from another data folder; run the export in a new process.');
  }
  return listenerRenderer(loaded.site.listener);
}

/** A renderer that answers each path by calling `listener` in this process (see handlerRenderer). */
export function listenerRenderer(listener: RequestListener): Renderer {
  return {
    get(path, base, servedAt) {
      return new Promise<Rendered>((resolve, reject) => {
        const socket = new MemorySocket();
        const req = new MemoryRequest(path, { host: MEMORY_HOST, ...staticRenderHeaders(base, servedAt) }, socket);
        const res = new MemoryResponse(req, resolve, reject);
        listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      });
    },
    close: async () => {},
  };
}

// The address the in-memory requests name: loopback, as the requests over HTTP did.
const MEMORY_HOST = '127.0.0.1';

/** The part of a socket the listener and Astro's Node adapter read: addresses, and the close event they wait for. */
class MemorySocket extends EventEmitter {
  readonly remoteAddress = MEMORY_HOST;
  readonly localAddress = MEMORY_HOST;
  readonly localPort = 0;
  destroyed = false;
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

/** A GET request with no body, as `http.IncomingMessage` presents it to a listener. */
class MemoryRequest extends EventEmitter {
  readonly method = 'GET';
  readonly httpVersion = '1.1';
  readonly complete = true;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly socket: MemorySocket;
  readonly connection: MemorySocket;
  constructor(url: string, headers: Record<string, string>, socket: MemorySocket) {
    super();
    this.url = url;
    this.headers = headers;
    this.socket = this.connection = socket;
  }
}

/**
 * The part of `http.ServerResponse` the listener and Astro's `writeResponse` use: the status and headers are kept,
 * the body is collected, and the answer settles when the response ends (or is destroyed: an error mid-stream).
 */
class MemoryResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  finished = false;
  private readonly names = new Map<string, string | string[]>();
  private readonly chunks: Buffer[] = [];
  readonly req: MemoryRequest;
  private readonly resolve: (rendered: Rendered) => void;
  private readonly reject: (error: Error) => void;
  constructor(req: MemoryRequest, resolve: (rendered: Rendered) => void, reject: (error: Error) => void) {
    super();
    this.req = req;
    this.resolve = resolve;
    this.reject = reject;
  }
  setHeader(name: string, value: string | number | readonly string[]): this {
    this.names.set(name.toLowerCase(), Array.isArray(value) ? [...value] : String(value));
    return this;
  }
  getHeader(name: string): string | string[] | undefined {
    return this.names.get(name.toLowerCase());
  }
  hasHeader(name: string): boolean {
    return this.names.has(name.toLowerCase());
  }
  removeHeader(name: string): void {
    this.names.delete(name.toLowerCase());
  }
  writeHead(status: number, reason?: string | Record<string, unknown>, headers?: Record<string, unknown>): this {
    const fields = typeof reason === 'object' ? reason : headers;
    if (typeof reason === 'string') this.statusMessage = reason;
    this.statusCode = status;
    for (const [name, value] of Object.entries(fields ?? {})) {
      if (value !== undefined) this.setHeader(name, Array.isArray(value) ? value.map(String) : String(value));
    }
    this.headersSent = true;
    return this;
  }
  write(chunk: string | Uint8Array, encoding?: BufferEncoding | (() => void), done?: () => void): boolean {
    this.headersSent = true;
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const callback = typeof encoding === 'function' ? encoding : done;
    if (callback) queueMicrotask(callback);
    return true;
  }
  end(chunk?: string | Uint8Array | (() => void)): this {
    if (this.writableEnded) return this;
    if (chunk !== undefined && typeof chunk !== 'function') this.write(chunk);
    this.headersSent = true;
    this.writableEnded = this.finished = true;
    const headers: Rendered['headers'] = {};
    for (const [name, value] of this.names) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    this.resolve({ status: this.statusCode, headers, body: Buffer.concat(this.chunks) });
    this.emit('finish');
    this.emit('close');
    return this;
  }
  destroy(error?: Error): this {
    if (!this.writableEnded) this.reject(error ?? new Error(`The page ${this.req.url} stopped while rendering.`));
    this.writableEnded = true;
    this.emit('close');
    this.req.socket.destroy();
    return this;
  }
}
