/**
 * A small real blog on loopback for Webmention tests: `/post/<name>` pages advertise `/wm` as their endpoint in a
 * Link header (`/post/plain-*` advertise none, `/post/missing-*` answer 404), and the endpoint records what it got
 * (source, target, content type) and answers with the statuses a test scripted for a target, in order (202 after).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMention {
  source: string;
  target: string;
  contentType: string;
}

export interface Receiver {
  base: string;
  /** Every request, as "METHOD /path". */
  requests: string[];
  received: ReceivedMention[];
  /** Statuses the endpoint answers for `target`, one per POST (0: no answer at all). */
  script(target: string, statuses: number[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const scripts = new Map<string, number[]>();
  const requests: string[] = [];
  const received: ReceivedMention[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(`${req.method} ${path}`);
    if (req.method === 'GET' && path.startsWith('/post/missing-')) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<p>Not here</p>');
      return;
    }
    if (req.method === 'GET' && path.startsWith('/post/')) {
      const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' };
      if (!path.startsWith('/post/plain-')) headers.link = '</wm>; rel="webmention"';
      res.writeHead(200, headers).end(`<!doctype html><title>${path}</title><p>A post.</p>`);
      return;
    }
    if (req.method === 'POST' && path === '/wm') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        const mention = { source: form.get('source') ?? '', target: form.get('target') ?? '', contentType: req.headers['content-type'] ?? '' };
        received.push(mention);
        const status = scripts.get(mention.target)?.shift() ?? 202;
        // 0: never answer (a server that hangs), until the sender gives up on it.
        if (status === 0) {
          setTimeout(() => res.destroy(), 2_000).unref();
          return;
        }
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'Accepted' : 'No');
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    received,
    script: (target, statuses) => scripts.set(target, [...statuses]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
