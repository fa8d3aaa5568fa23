/**
 * A feed server on loopback for hub tests: each path answers whatever the test put there (a feed document, a
 * status, a redirect, a slow or huge body), and every request is recorded with its headers. Hub commands reach it
 * because the tests run with POTLUCK_ALLOW_PRIVATE_NETWORKS=1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one path answers. */
export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A request the server saw. */
export interface SeenRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface FeedServer {
  base: string;
  routes: Map<string, Route>;
  requests: SeenRequest[];
  /** Serves a document at `path` with an ETag and Last-Modified, answering 304 to a matching conditional GET. */
  serve(path: string, body: string | (() => string), options?: { type?: string; etag?: boolean }): void;
  /** Requests seen for one path. */
  hits(path: string): SeenRequest[];
  close(): Promise<void>;
}

/** Starts a feed server on 127.0.0.1 and a free port. */
export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, Route>();
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: req.headers });
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    routes,
    requests,
    serve(path, body, options = {}) {
      const type = options.type ?? 'application/rss+xml; charset=utf-8';
      routes.set(path, (req, res) => {
        const text = typeof body === 'function' ? body() : body;
        const etag = `"${Buffer.from(text).length.toString(36)}-${hash(text)}"`;
        if (options.etag !== false && req.headers['if-none-match'] === etag) {
          res.writeHead(304, { etag });
          res.end();
          return;
        }
        res.writeHead(200, { 'content-type': type, ...(options.etag !== false ? { etag, 'last-modified': 'Sat, 01 Mar 2025 10:00:00 GMT' } : {}) });
        res.end(text);
      });
    },
    hits(path) {
      return requests.filter((r) => r.path === path);
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** One RSS item as tests write them. */
export interface TestItem {
  title: string;
  link?: string;
  guid?: string;
  date?: string;
  categories?: string[];
  html?: string;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** An RSS 2.0 document with these items. */
export function rss(title: string, items: TestItem[], link = 'https://blog.example/'): string {
  const body = items
    .map(
      (i) =>
        `<item><title>${escapeXml(i.title)}</title>${i.link ? `<link>${escapeXml(i.link)}</link>` : ''}${i.guid ? `<guid>${escapeXml(i.guid)}</guid>` : ''}` +
        `${i.date ? `<pubDate>${new Date(i.date).toUTCString()}</pubDate>` : ''}${(i.categories ?? []).map((c) => `<category>${escapeXml(c)}</category>`).join('')}` +
        `<description>${escapeXml(i.html ?? `<p>${i.title}</p>`)}</description></item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${escapeXml(title)}</title><link>${link}</link><description>test</description>\n${body}\n</channel></rss>`;
}
