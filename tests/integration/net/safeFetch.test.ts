// safeFetch against a real HTTP server on 127.0.0.1. Loopback is only reachable with allowPrivateNetworks (as
// POTLUCK_ALLOW_PRIVATE_NETWORKS does for tests and demos); the tests that need the strict policy inject a
// resolver (`lookup`) and, for rebinding, a connection function, both documented options of safeFetch.
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { safeFetch } from '../../../src/server/net/safeFetch.ts';
import type { LookupFunction, SafeFetchOptions } from '../../../src/server/net/safeFetch.ts';
import { createFetchLimits } from '../../../src/server/net/semaphore.ts';

const MB = 1024 * 1024;
const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>Ada writes</title></channel></rss>';

let server: http.Server;
let base: string;
let port: number;
const stats = { requests: 0, connections: 0, bigBytesWritten: 0, inFlight: 0, mostInFlight: 0 };
const seenHeaders: http.IncomingHttpHeaders[] = [];

function redirect(res: http.ServerResponse, status: number, location: string): void {
  res.writeHead(status, { location });
  res.end();
}

const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
  '/feed.xml': (req, res) => {
    res.writeHead(200, {
      'content-type': 'application/rss+xml',
      etag: '"v1"',
      'last-modified': 'Sat, 01 Mar 2025 10:00:00 GMT',
    });
    res.end(FEED);
  },
  '/conditional.xml': (req, res) => {
    if (
      req.headers['if-none-match'] === '"v1"' ||
      req.headers['if-modified-since'] === 'Sat, 01 Mar 2025 10:00:00 GMT'
    ) {
      res.writeHead(304, { etag: '"v1"' });
      res.end();
      return;
    }
    res.writeHead(200, { etag: '"v1"', 'last-modified': 'Sat, 01 Mar 2025 10:00:00 GMT' });
    res.end(FEED);
  },
  '/moved-permanently': (_req, res) => redirect(res, 301, '/feed.xml'),
  '/moved-308': (_req, res) => redirect(res, 308, `${base}/feed.xml`),
  '/found': (_req, res) => redirect(res, 302, '/feed.xml'),
  '/permanent-then-temporary': (_req, res) => redirect(res, 301, '/found'),
  '/temporary-then-permanent': (_req, res) => redirect(res, 302, '/moved-permanently'),
  '/loop-a': (_req, res) => redirect(res, 302, '/loop-b'),
  '/loop-b': (_req, res) => redirect(res, 302, '/loop-a'),
  '/to-metadata': (_req, res) => redirect(res, 302, 'http://169.254.169.254/latest/meta-data/'),
  '/to-mapped-metadata': (_req, res) => redirect(res, 302, 'http://[::ffff:169.254.169.254]/'),
  '/to-nat64-loopback': (_req, res) => redirect(res, 302, 'http://[64:ff9b::7f00:1]/'),
  '/to-evil-name': (_req, res) => redirect(res, 302, 'http://evil.example/'),
  '/to-file': (_req, res) => redirect(res, 302, 'file:///etc/passwd'),
  '/no-location': (_req, res) => {
    res.writeHead(302);
    res.end();
  },
  '/slow-body': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.write('<rss>');
    const timer = setInterval(() => res.write(' '), 50);
    res.on('close', () => clearInterval(timer));
  },
  '/no-answer': () => {
    // Accepts the request and never answers.
  },
  '/big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const total = 50 * MB;
    const pump = (): void => {
      while (stats.bigBytesWritten < total) {
        stats.bigBytesWritten += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  },
  '/big-declared': (_req, res) => {
    res.writeHead(200, { 'content-length': String(50 * MB) });
    res.write('<rss>');
    // Never sends the rest: the declared length alone must be enough to refuse.
  },
  '/gzip': (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/rss+xml' });
    res.end(zlib.gzipSync(FEED));
  },
  '/br': (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'br', 'content-type': 'application/rss+xml' });
    res.end(zlib.brotliCompressSync(FEED));
  },
  '/gzip-bomb': (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/rss+xml' });
    res.end(gzipBomb);
  },
  '/br-bomb': (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'br', 'content-type': 'application/rss+xml' });
    res.end(brBomb);
  },
  '/bad-gzip': (_req, res) => {
    res.writeHead(200, { 'content-encoding': 'gzip' });
    res.end('this is not gzip');
  },
  '/too-many-requests': (_req, res) => {
    res.writeHead(429, { 'retry-after': '120' });
    res.end();
  },
  '/unavailable': (_req, res) => {
    res.writeHead(503, { 'retry-after': 'Sat, 01 Mar 2025 12:10:00 GMT' });
    res.end();
  },
  '/gone': (_req, res) => {
    res.writeHead(410);
    res.end('gone');
  },
  '/missing': (_req, res) => {
    res.writeHead(404);
    res.end();
  },
  '/held': (_req, res) => {
    stats.inFlight++;
    stats.mostInFlight = Math.max(stats.mostInFlight, stats.inFlight);
    setTimeout(() => {
      stats.inFlight--;
      res.end(FEED);
    }, 60);
  },
};

let gzipBomb: Buffer;
let brBomb: Buffer;

beforeAll(async () => {
  gzipBomb = zlib.gzipSync(Buffer.alloc(10 * MB));
  brBomb = zlib.brotliCompressSync(Buffer.alloc(10 * MB));
  server = http.createServer((req, res) => {
    stats.requests++;
    seenHeaders.push(req.headers);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const hop = /^\/hop\/(\d+)$/.exec(url.pathname);
    if (hop) {
      const n = Number(hop[1]);
      if (n === 0) res.end(FEED);
      else redirect(res, 302, `/hop/${n - 1}`);
      return;
    }
    const route = routes[url.pathname];
    if (route) route(req, res);
    else routes['/missing']!(req, res);
  });
  server.on('connection', () => stats.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  Object.assign(stats, { requests: 0, connections: 0, bigBytesWritten: 0, inFlight: 0, mostInFlight: 0 });
  seenHeaders.length = 0;
});

const local: SafeFetchOptions = { allowPrivateNetworks: true, limits: createFetchLimits({ overall: 8, perHost: 4 }) };

function resolvesTo(...answers: string[]): LookupFunction {
  return (_hostname, _options, callback) =>
    callback(
      null,
      answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
}

describe('a plain fetch', () => {
  it('returns the body and headers, and names Potluck in the User-Agent', async () => {
    const result = await safeFetch(`${base}/feed.xml`, local);
    expect(result).toMatchObject({ ok: true, status: 200, notModified: false, redirectedPermanently: false });
    if (!result.ok) return;
    expect(result.body.toString()).toBe(FEED);
    expect(result.headers.etag).toBe('"v1"');
    expect(seenHeaders[0]?.['user-agent']).toMatch(/^Potluck\//);
    expect(seenHeaders[0]?.['accept-encoding']).toBe('gzip, br');
  });

  it('refuses loopback without allowPrivateNetworks, before any request is sent', async () => {
    const result = await safeFetch(`${base}/feed.xml`, { allowedPorts: [port] });
    expect(result).toMatchObject({ ok: false, reason: 'blocked-address' });
    expect(stats.connections).toBe(0);
  });

  it('refuses the non-standard port of the test server without allowPrivateNetworks', async () => {
    const result = await safeFetch(`${base}/feed.xml`);
    expect(result).toMatchObject({ ok: false, reason: 'bad-port' });
  });
});

describe('redirects', () => {
  it('follows a 301 and reports the new URL so the stored one can be updated', async () => {
    const result = await safeFetch(`${base}/moved-permanently`, local);
    expect(result).toMatchObject({
      ok: true,
      status: 200,
      url: `${base}/feed.xml`,
      redirectedPermanently: true,
      permanentUrl: `${base}/feed.xml`,
    });
  });

  it('treats 308 as permanent too', async () => {
    const result = await safeFetch(`${base}/moved-308`, local);
    expect(result).toMatchObject({ ok: true, redirectedPermanently: true, permanentUrl: `${base}/feed.xml` });
  });

  it('follows a 302 without asking to change the stored URL', async () => {
    const result = await safeFetch(`${base}/found`, local);
    expect(result).toMatchObject({
      ok: true,
      url: `${base}/feed.xml`,
      redirectedPermanently: false,
      permanentUrl: `${base}/found`,
    });
  });

  it('stores only the permanent part of a mixed chain', async () => {
    const mixed = await safeFetch(`${base}/permanent-then-temporary`, local);
    expect(mixed).toMatchObject({
      ok: true,
      url: `${base}/feed.xml`,
      redirectedPermanently: true,
      permanentUrl: `${base}/found`,
    });
    const temporaryFirst = await safeFetch(`${base}/temporary-then-permanent`, local);
    expect(temporaryFirst).toMatchObject({ ok: true, redirectedPermanently: false });
  });

  it('stops a redirect loop', async () => {
    const result = await safeFetch(`${base}/loop-a`, local);
    expect(result).toMatchObject({ ok: false, reason: 'too-many-redirects' });
    if (!result.ok) expect(result.message).toMatch(/circle/);
  });

  it('follows five redirects but not six', async () => {
    expect(await safeFetch(`${base}/hop/5`, local)).toMatchObject({ ok: true, url: `${base}/hop/0` });
    const six = await safeFetch(`${base}/hop/6`, local);
    expect(six).toMatchObject({ ok: false, reason: 'too-many-redirects' });
    expect(stats.requests).toBe(6 + 6);
  });

  it('reports a redirect without a Location', async () => {
    expect(await safeFetch(`${base}/no-location`, local)).toMatchObject({
      ok: false,
      reason: 'http-error',
      status: 302,
    });
  });

  it.each([
    ['/to-metadata', 'blocked-address'],
    ['/to-mapped-metadata', 'blocked-address'],
    ['/to-nat64-loopback', 'blocked-address'],
    ['/to-file', 'bad-scheme'],
  ])('checks every hop: %s is refused (%s)', async (path, reason) => {
    const result = await safeFetch(`${base}${path}`, local);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('checks what a redirect target resolves to', async () => {
    const lookup: LookupFunction = (hostname, options, callback) =>
      hostname === 'evil.example'
        ? resolvesTo('169.254.169.254')(hostname, options, callback)
        : resolvesTo('127.0.0.1')(hostname, options, callback);
    const result = await safeFetch(`http://feeds.example:${port}/to-evil-name`, { ...local, lookup });
    expect(result).toMatchObject({ ok: false, reason: 'blocked-address', url: 'http://evil.example/' });
    expect(stats.requests).toBe(1);
  });
});

describe('addresses a hostname resolves to, at connect time', () => {
  it('refuses feeds.example when it resolves to 127.0.0.1 (strict policy)', async () => {
    const result = await safeFetch(`http://feeds.example:${port}/feed.xml`, {
      allowedPorts: [port],
      lookup: resolvesTo('127.0.0.1'),
    });
    expect(result).toMatchObject({ ok: false, reason: 'blocked-address' });
    expect(stats.connections).toBe(0);
  });

  it('connects to feeds.example on loopback when private networks are allowed', async () => {
    const result = await safeFetch(`http://feeds.example:${port}/feed.xml`, {
      ...local,
      lookup: resolvesTo('127.0.0.1'),
    });
    expect(result).toMatchObject({ ok: true, status: 200 });
  });

  it('refuses a rebinding name whose connection lands on loopback after the lookup said public', async () => {
    // A rebinding DNS server answers "public" to the check and "loopback" to whoever asks next. Here the lookup
    // safeFetch validates gets the public answer; the connection layer asks again, gets loopback, and connects
    // there (as a proxy or a resolver outside our `lookup` would). Only the connected-socket check can catch it.
    let calls = 0;
    const rebinding = (): string => (calls++ === 0 ? '93.184.216.34' : '127.0.0.1');
    const lookup: LookupFunction = (_hostname, options, callback) => {
      const address = rebinding();
      callback(null, [{ address, family: 4 }]);
    };
    const result = await safeFetch(`http://feeds.example/feed.xml`, {
      lookup,
      createConnection: (options, callback) => {
        // The connection layer's own resolution: validated lookup first (as node:http would), then rebinding.
        const validated = options.lookup as unknown as LookupFunction;
        validated('feeds.example', { all: true }, (error) => {
          if (error) callback(error, socket);
        });
        const socket = net.connect({ host: rebinding(), port });
        return socket;
      },
    });
    expect(result).toMatchObject({ ok: false, reason: 'blocked-address' });
    if (!result.ok) expect(result.message).toContain('127.0.0.1');
    expect(calls).toBe(2);
    // The TCP connection happened (that is the attack), but not one byte of request reached the server.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stats.requests).toBe(0);
  });

  it('checks every address of a multi-address answer, not just the first', async () => {
    const result = await safeFetch(`http://feeds.example:${port}/feed.xml`, {
      ...local,
      lookup: resolvesTo('127.0.0.1', '169.254.169.254'),
    });
    expect(result).toMatchObject({ ok: false, reason: 'blocked-address' });
    expect(stats.connections).toBe(0);
  });
});

describe('timeouts and size caps', () => {
  it('gives up on a server that trickles the body', async () => {
    const started = Date.now();
    const result = await safeFetch(`${base}/slow-body`, { ...local, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('gives up on a server that never answers', async () => {
    const result = await safeFetch(`${base}/no-answer`, { ...local, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
    if (!result.ok) expect(result.message).toMatch(/longer than/);
  });

  it('stops reading a 50 MB feed at the 5 MB cap without receiving it all', async () => {
    const result = await safeFetch(`${base}/big`, local);
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Socket buffers let the server get a little ahead of the cap, but nowhere near 50 MB.
    expect(stats.bigBytesWritten).toBeLessThan(20 * MB);
  });

  it('refuses a declared Content-Length over the cap without reading the body', async () => {
    const result = await safeFetch(`${base}/big-declared`, local);
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
    if (!result.ok) expect(result.message).toMatch(/50 MB/);
  });

  it('unpacks gzip and brotli bodies', async () => {
    for (const path of ['/gzip', '/br']) {
      const result = await safeFetch(`${base}${path}`, local);
      expect(result.ok && result.body.toString()).toBe(FEED);
    }
  });

  it('stops a gzip bomb at the decompressed-size cap', async () => {
    expect(gzipBomb.length).toBeLessThan(64 * 1024);
    const result = await safeFetch(`${base}/gzip-bomb`, local);
    expect(result).toMatchObject({ ok: false, reason: 'too-large' });
    if (!result.ok) expect(result.message).toMatch(/unpacks to more than 5 MB/);
  });

  it('stops a brotli bomb the same way', async () => {
    expect(await safeFetch(`${base}/br-bomb`, local)).toMatchObject({ ok: false, reason: 'too-large' });
  });

  it('lets a caller raise the decompressed cap', async () => {
    const result = await safeFetch(`${base}/gzip-bomb`, { ...local, maxDecompressedBytes: 11 * MB });
    expect(result.ok && result.body.length).toBe(10 * MB);
  });

  it('reports a broken gzip body as a network problem', async () => {
    expect(await safeFetch(`${base}/bad-gzip`, local)).toMatchObject({ ok: false, reason: 'network' });
  });
});

describe('conditional GET and HTTP errors', () => {
  it('passes If-None-Match and returns 304 as not modified', async () => {
    const result = await safeFetch(`${base}/conditional.xml`, { ...local, ifNoneMatch: '"v1"' });
    expect(result).toMatchObject({ ok: true, status: 304, notModified: true });
    expect(result.ok && result.body.length).toBe(0);
    expect(seenHeaders[0]?.['if-none-match']).toBe('"v1"');
  });

  it('passes If-Modified-Since', async () => {
    const result = await safeFetch(`${base}/conditional.xml`, {
      ...local,
      ifModifiedSince: 'Sat, 01 Mar 2025 10:00:00 GMT',
    });
    expect(result).toMatchObject({ ok: true, status: 304, notModified: true });
  });

  it('returns 200 when the validators do not match', async () => {
    const result = await safeFetch(`${base}/conditional.xml`, { ...local, ifNoneMatch: '"v0"' });
    expect(result).toMatchObject({ ok: true, status: 200, notModified: false });
  });

  it('honours Retry-After in seconds on 429', async () => {
    const result = await safeFetch(`${base}/too-many-requests`, local);
    expect(result).toMatchObject({ ok: false, reason: 'http-error', status: 429, retryAfterSeconds: 120 });
  });

  it('honours Retry-After as an HTTP date on 503', async () => {
    const result = await safeFetch(`${base}/unavailable`, { ...local, now: () => new Date('2025-03-01T12:00:00Z') });
    expect(result).toMatchObject({ ok: false, reason: 'http-error', status: 503, retryAfterSeconds: 600 });
  });

  it('reports 410 as gone for good, in words a teacher understands', async () => {
    const result = await safeFetch(`${base}/gone`, local);
    expect(result).toMatchObject({ ok: false, reason: 'http-error', status: 410 });
    if (!result.ok) expect(result.message).toMatch(/gone for good/);
  });

  it('reports 404 with advice', async () => {
    const result = await safeFetch(`${base}/missing`, local);
    expect(result).toMatchObject({ ok: false, reason: 'http-error', status: 404 });
  });
});

describe('concurrency', () => {
  it('keeps to the per-host limit', async () => {
    const limits = createFetchLimits({ overall: 8, perHost: 2 });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => safeFetch(`${base}/held`, { allowPrivateNetworks: true, limits })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(stats.mostInFlight).toBe(2);
  });

  it('keeps to the overall limit across hosts', async () => {
    const limits = createFetchLimits({ overall: 3, perHost: 3 });
    const lookup = resolvesTo('127.0.0.1');
    const hosts = ['a.example', 'b.example', 'c.example', 'd.example', 'e.example', 'f.example'];
    const results = await Promise.all(
      hosts.map((host) => safeFetch(`http://${host}:${port}/held`, { allowPrivateNetworks: true, limits, lookup })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(stats.mostInFlight).toBe(3);
  });
});

describe('kept-alive connections', () => {
  // A server of its own, so no connection another test left open is reused here.
  let own: http.Server;
  let ownBase: string;
  const seen = { connections: 0, requests: 0 };
  /** Requests on a socket that has served one already are cut off without an answer (a server closing idle sockets). */
  let dropSecondRequest = false;
  beforeAll(async () => {
    own = http.createServer((req, res) => {
      seen.requests++;
      const socket = req.socket as net.Socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (dropSecondRequest && socket.served > 1) {
        socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.end(FEED);
    });
    own.on('connection', () => seen.connections++);
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    ownBase = `http://127.0.0.1:${(own.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    own.closeAllConnections();
    await new Promise((resolve) => own.close(resolve));
  });
  beforeEach(() => {
    Object.assign(seen, { connections: 0, requests: 0 });
    dropSecondRequest = false;
  });

  it('reads one feed after another over one connection', async () => {
    for (let i = 0; i < 3; i++) expect(await safeFetch(`${ownBase}/feed.xml`, local)).toMatchObject({ ok: true, status: 200 });
    expect(seen).toEqual({ connections: 1, requests: 3 });
  });

  it('tries once more on a new connection when the server had closed the kept-alive one', async () => {
    expect(await safeFetch(`${ownBase}/feed.xml`, local)).toMatchObject({ ok: true });
    // The connection goes back to the pool a moment after the body ended.
    await new Promise((resolve) => setTimeout(resolve, 20));
    dropSecondRequest = true;
    const before = { ...seen };
    const again = await safeFetch(`${ownBase}/feed.xml`, local);
    expect(again).toMatchObject({ ok: true, status: 200 });
    // The request on the kept-alive connection, cut off; then the same request on a new connection.
    expect({ connections: seen.connections - before.connections, requests: seen.requests - before.requests }).toEqual({ connections: 1, requests: 2 });
  });

  it('never lends a connection opened under the lenient policy to a request under the strict one', async () => {
    expect(await safeFetch(`${ownBase}/feed.xml`, local)).toMatchObject({ ok: true });
    const strict = await safeFetch(`${ownBase}/feed.xml`, { allowedPorts: [Number(new URL(ownBase).port)] });
    expect(strict).toMatchObject({ ok: false, reason: 'blocked-address' });
    expect(seen.requests).toBe(1);
  });
});
