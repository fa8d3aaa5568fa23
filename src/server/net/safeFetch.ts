/**
 * The one fetcher for everything that leaves the machine (feeds now; Webmention and GitHub later).
 *
 * A URL typed by a student or teacher must never make the server reach into its own network (SSRF), so every
 * request is checked three times: the URL (scheme, port, IP literal), every address the hostname resolves to AT
 * CONNECT TIME (a custom `lookup` handed to node:http, so there is no gap between "checked" and "connected" for a
 * rebinding DNS server to exploit), and the address the socket actually connected to (a backstop for anything that
 * bypasses `lookup`: a proxy, a future Node code path). Redirects are followed by hand so each hop gets the same
 * three checks. Connections stay open for the next request to the same host (a pool per policy and resolver), and a
 * reused connection gets the connected-address check again. Bodies are streamed with a cap on the bytes received and
 * a separate cap on the bytes they decompress to, so a 50 MB feed or a gzip bomb costs a few megabytes at most.
 *
 * Expected outcomes (blocked, too large, 404, timeout ...) are a typed result, never an exception: the poller
 * stores `reason` and shows `message` to the teacher as is.
 */
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupAddress } from 'node:dns';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { classifyAddress, describeRange } from './address.ts';
import { createFetchLimits } from './semaphore.ts';
import type { FetchLimits, Release } from './semaphore.ts';

/** Why a fetch failed; stable codes the poller stores and maps to back-off decisions. */
export type FetchFailureReason =
  | 'blocked-address'
  | 'bad-scheme'
  | 'bad-port'
  | 'timeout'
  | 'too-large'
  | 'http-error'
  | 'network'
  | 'too-many-redirects';

/** A response the caller can use (2xx, or 304 when a conditional GET found nothing new). */
export interface FetchSuccess {
  ok: true;
  status: number;
  /** The URL that finally answered, after redirects. */
  url: string;
  /** Response headers, names lowercase, repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The decoded body (gzip/br/deflate already undone); empty for 304. */
  body: Buffer;
  notModified: boolean;
  /** True when the first hop was a permanent redirect (301/308): the caller should store `permanentUrl`. */
  redirectedPermanently: boolean;
  /** Where the unbroken chain of permanent redirects from the requested URL ends (the requested URL when none). */
  permanentUrl: string;
}

/** A fetch that did not produce a usable response; `message` is written for a teacher, not a developer. */
export interface FetchFailure {
  ok: false;
  reason: FetchFailureReason;
  message: string;
  /** The HTTP status, for `http-error`. */
  status?: number;
  /** From `Retry-After` on 429/503: how long the server asked us to wait. */
  retryAfterSeconds?: number;
  /** The URL of the hop that failed (differs from the requested one after redirects). */
  url?: string;
  /** For a redirected POST: where the site pointed (absolute), for a caller that resends it after its own checks. */
  location?: string;
}

/** What safeFetch returns. */
export type FetchResult = FetchSuccess | FetchFailure;

/** The signature of `dns.lookup` (callback form), as node:http calls it. */
export type LookupFunction = (
  hostname: string,
  options: { all?: boolean; family?: number | string; hints?: number },
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/** Options for one fetch. Everything has a safe default; nothing is read from the environment here. */
export interface SafeFetchOptions {
  /**
   * Also allow loopback, RFC 1918 and unique-local IPv6 addresses, on any port (POTLUCK_ALLOW_PRIVATE_NETWORKS:
   * tests and local demos). Link-local (cloud metadata), multicast and wrapped addresses stay refused.
   */
  allowPrivateNetworks?: boolean;
  /** Ports a public address may be fetched on. Default 80 and 443. */
  allowedPorts?: readonly number[];
  /** Most redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** Longest wait for DNS plus the TCP connection, per hop. Default 10 s. */
  connectTimeoutMs?: number;
  /** Longest one hop may take from start to the last byte of the body. Default 30 s. */
  timeoutMs?: number;
  /** Most bytes accepted off the wire. Default 5 MB (a generous feed). */
  maxBytes?: number;
  /** Most bytes the body may decompress to. Default: the same as `maxBytes`. */
  maxDecompressedBytes?: number;
  /** Conditional GET: the ETag stored from the last 200. */
  ifNoneMatch?: string;
  /** Conditional GET: the Last-Modified stored from the last 200. */
  ifModifiedSince?: string;
  /** The Accept header; default any type. Feeds pass `FEED_ACCEPT`. */
  accept?: string;
  /** Default `potluckUserAgent()`. */
  userAgent?: string;
  /** Overall and per-host concurrency; default one process-wide pair (`sharedFetchLimits`). */
  limits?: FetchLimits;
  /**
   * Resolves hostnames instead of the system DNS (same signature as `dns.lookup`). safeFetch validates every
   * address it returns, at connect time. Tests use it to point `feeds.example` at 127.0.0.1, or to answer
   * differently on each call as a rebinding DNS server does.
   */
  lookup?: LookupFunction;
  /**
   * Opens the socket instead of node:http's default (node:http's own `createConnection` option, plain HTTP only).
   * Only for tests that must simulate a network that routes somewhere other than the address that was checked:
   * the connected-socket check has to catch that.
   */
  createConnection?: (
    options: http.ClientRequestArgs,
    callback: (error: Error | null, socket: Duplex) => void,
  ) => Duplex;
  /** Clock for Retry-After dates. */
  now?: () => Date;
  /**
   * POST instead of GET (a WebSub delivery or subscription request), with this body. A POST is never redirected:
   * a 3xx answer is an `http-error`, so a body is only ever sent to an address that passed the checks.
   */
  post?: { body: string | Buffer; contentType: string; headers?: Record<string, string> };
}

const MB = 1024 * 1024;
const DEFAULTS = {
  allowedPorts: [80, 443] as readonly number[],
  maxRedirects: 5,
  connectTimeoutMs: 10_000,
  timeoutMs: 30_000,
  maxBytes: 5 * MB,
};

/** The Accept header for feed requests: feed types first, then XML and JSON in general, then anything. */
export const FEED_ACCEPT =
  'application/atom+xml, application/rss+xml, application/feed+json, application/rdf+xml;q=0.9, ' +
  'application/xml;q=0.8, text/xml;q=0.8, application/json;q=0.8, */*;q=0.5';

/** The User-Agent naming Potluck, with the instance's public URL so a site owner can find out who we are. */
export function potluckUserAgent(siteUrl?: string): string {
  return siteUrl
    ? `Potluck/0.1 (+${siteUrl}; student portfolios and course hubs)`
    : 'Potluck/0.1 (student portfolios and course hubs)';
}

/**
 * The process-wide limits used when a caller passes none: 16 requests at once, 2 per host. Shared on purpose —
 * the limit protects this machine and other people's servers, so two pollers must not each get their own.
 */
export const sharedFetchLimits: FetchLimits = createFetchLimits({ overall: 16, perHost: 2 });

/** An expected failure travelling through node:http's error paths; turned into a FetchFailure at the edge. */
class FetchError extends Error {
  readonly reason: FetchFailureReason;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  constructor(
    reason: FetchFailureReason,
    message: string,
    extra: { status?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'FetchError';
    this.reason = reason;
    this.status = extra.status;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

interface Policy {
  allowPrivateNetworks: boolean;
  allowedPorts: readonly number[];
}

/** One request URL after the checks that need no network: scheme, port, IP literal. */
interface CheckedUrl {
  url: URL;
  port: number;
  /** Hostname as node:http wants it (IPv6 without brackets). */
  host: string;
  /** The port is not on the public list, so only a local address (allowPrivateNetworks) may serve it. */
  localOnly: boolean;
}

function portOf(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function checkUrl(url: URL, policy: Policy): CheckedUrl {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError(
      'bad-scheme',
      `Potluck only fetches web addresses that start with http:// or https:// (this one starts with ${url.protocol}).`,
    );
  }
  const port = portOf(url);
  const portAllowed = policy.allowedPorts.includes(port);
  if (!portAllowed && !policy.allowPrivateNetworks) {
    throw new FetchError(
      'bad-port',
      `Potluck only fetches from the standard web ports (${policy.allowedPorts.join(' and ')}); this address uses port ${port}. Ask the site owner for an address without a port number.`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // The WHATWG parser has already turned decimal, octal, hex and short IPv4 spellings into dotted form, so an IP
  // literal reaches this point only as dotted IPv4 or bracketed IPv6. node:http skips `lookup` for literals, so
  // they are judged here.
  const literal = classifyAddress(host);
  if (literal.family !== 0) assertAddress(literal.address, host, policy, !portAllowed, port);
  return { url, port, host, localOnly: !portAllowed };
}

/** Refuses an address the policy does not allow; `name` is what the person typed (a hostname or the literal). */
function assertAddress(address: string, name: string, policy: Policy, localOnly: boolean, port: number): void {
  const verdict = classifyAddress(address);
  const allowed = verdict.scope === 'public' || (verdict.scope === 'local' && policy.allowPrivateNetworks);
  if (!allowed) {
    const where = name === address ? address : `${name} (${address})`;
    throw new FetchError(
      'blocked-address',
      `${where} leads to ${describeRange(verdict.range)}, not to the public internet, so Potluck will not fetch it. Use the feed's public address.`,
    );
  }
  if (localOnly && verdict.scope === 'public') {
    throw new FetchError(
      'bad-port',
      `Potluck only fetches from the standard web ports (${policy.allowedPorts.join(' and ')}); this address uses port ${port}. Ask the site owner for an address without a port number.`,
    );
  }
}

/** Wraps a resolver so that every address it returns is checked before node:http may connect to it. */
function validatingLookup(resolver: LookupFunction, policy: Policy, target: CheckedUrl): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname, { ...options, all: true }, (error, result, family) => {
      if (error) {
        callback(error, options.all ? [] : '', undefined);
        return;
      }
      const addresses: LookupAddress[] = Array.isArray(result)
        ? result
        : typeof result === 'string' && result
          ? [{ address: result, family: family ?? (result.includes(':') ? 6 : 4) }]
          : [];
      try {
        if (addresses.length === 0) {
          throw new FetchError('network', `The site name ${hostname} did not resolve to any address.`);
        }
        // Every address, not just the first: the connection may fall back to any of them (happy eyeballs).
        for (const entry of addresses) assertAddress(entry.address, hostname, policy, target.localOnly, target.port);
      } catch (failure) {
        callback(failure as NodeJS.ErrnoException, options.all ? [] : '', undefined);
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** Reads `Retry-After`: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function describeBytes(bytes: number): string {
  return bytes >= MB ? `${Math.round((bytes / MB) * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`;
}

const STATUS_WORDS: Record<number, string> = {
  400: 'rejected the request as malformed (400)',
  401: 'asks for a password (401); Potluck can only read feeds that are open to everyone',
  403: 'refused access (403); the feed may be private, or the site may block automated readers',
  404: 'has no page at this address (404); check the address, or the feed may have moved',
  410: 'says this feed is gone for good (410); ask the student whether they moved their blog',
  429: 'says Potluck is asking too often (429) and will be left alone for a while',
  500: 'had an internal error (500); this is usually temporary',
  502: 'had a gateway error (502); this is usually temporary',
  503: 'is unavailable right now (503); this is usually temporary',
  504: 'timed out behind a gateway (504); this is usually temporary',
};

function httpErrorMessage(status: number): string {
  const words = STATUS_WORDS[status];
  if (words) return `The site ${words}.`;
  return status >= 500
    ? `The site had a server error (${status}); this is usually temporary.`
    : `The site answered with an error (${status}).`;
}

function networkMessage(error: NodeJS.ErrnoException, host: string): FetchError {
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new FetchError('network', `The site name ${host} could not be found. Check the address for typos.`);
    case 'ECONNREFUSED':
      return new FetchError('network', `The site ${host} refused the connection; it may be down.`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new FetchError('network', `The connection to ${host} was cut off before the feed arrived.`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new FetchError('network', `The site ${host} cannot be reached from this server's network.`);
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
    case 'ERR_ZLIB_INITIALIZATION_FAILED':
      return new FetchError('network', `The site ${host} sent a compressed feed that could not be unpacked.`);
    default:
      if (error.code?.startsWith('ERR_TLS') || /certificate|SSL|TLS/i.test(error.message)) {
        return new FetchError('network', `A secure connection to ${host} could not be made (${error.message}).`);
      }
      return new FetchError('network', `The feed at ${host} could not be fetched (${error.code ?? error.message}).`);
  }
}

type Hop =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: Buffer }
  | { kind: 'redirect'; status: number; location: string };

interface HopSettings {
  policy: Policy;
  resolver: LookupFunction;
  connectTimeoutMs: number;
  timeoutMs: number;
  maxBytes: number;
  maxDecompressedBytes: number;
  requestHeaders: Record<string, string>;
  createConnection: SafeFetchOptions['createConnection'];
  post: SafeFetchOptions['post'];
  now: () => Date;
}

function decoderFor(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  const value = (encoding ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return null;
  if (value === 'gzip' || value === 'x-gzip') return zlib.createGunzip();
  if (value === 'br') return zlib.createBrotliDecompress();
  // Servers disagree on whether "deflate" means zlib-wrapped or raw; inflate handles the standard (zlib) form.
  if (value === 'deflate') return zlib.createInflate();
  throw new FetchError('network', `The site sent the feed compressed as "${value}", which Potluck cannot unpack.`);
}

/** How long an idle kept-alive connection waits for the next request before it is closed. */
const IDLE_SOCKET_MS = 4_000;

/**
 * Agents that keep connections open between requests, one per resolver, scheme and policy: a poll reads many feeds
 * from the same few hosts, and a new TCP (and TLS) connection per feed cost more than reading a 304. A socket is
 * only ever reused by a request made under the policy and resolver it was opened with, and every request, on a new
 * socket or a reused one, still checks the address the socket is connected to (requestHop's `checkPeer`).
 */
const agents = new WeakMap<LookupFunction, Map<string, http.Agent>>();

function agentFor(resolver: LookupFunction, secure: boolean, policy: Policy): http.Agent {
  let byPolicy = agents.get(resolver);
  if (!byPolicy) agents.set(resolver, (byPolicy = new Map()));
  const key = `${secure ? 'https' : 'http'} ${policy.allowPrivateNetworks ? 'private' : 'public'} ${policy.allowedPorts.join(',')}`;
  let agent = byPolicy.get(key);
  if (!agent) {
    // A server's `Keep-Alive: timeout=N` is believed to within a quarter second (Node's default margin of a whole
    // second would never reuse a connection to a server that keeps them for one); should the server still close
    // first, the request is sent again on a new connection (StaleSocket).
    const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const, agentKeepAliveTimeoutBuffer: 250 };
    agent = secure ? new https.Agent(options) : new http.Agent(options);
    byPolicy.set(key, agent);
  }
  return agent;
}

/** A kept-alive connection the server had already closed when the request went out: worth one try on a new one. */
class StaleSocket extends Error {}

function requestHop(target: CheckedUrl, settings: HopSettings, freshSocket = false): Promise<Hop> {
  return new Promise<Hop>((resolve, reject) => {
    const { url } = target;
    const secure = url.protocol === 'https:';
    let settled = false;
    let answered = false;
    const timers: NodeJS.Timeout[] = [];
    let req: http.ClientRequest | undefined;
    let decoder: ReturnType<typeof decoderFor> = null;

    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      decoder?.destroy();
      const reused = req?.reusedSocket === true;
      req?.destroy();
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (reused && !answered && (code === 'ECONNRESET' || code === 'EPIPE')) reject(new StaleSocket());
      else if (error instanceof FetchError) reject(error);
      else reject(networkMessage(error as NodeJS.ErrnoException, target.host));
    };
    const succeed = (hop: Hop): void => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      resolve(hop);
    };

    timers.push(
      setTimeout(
        () =>
          fail(
            new FetchError(
              'timeout',
              `The site ${target.host} took longer than ${Math.round(settings.timeoutMs / 1000)} seconds to send the feed.`,
            ),
          ),
        settings.timeoutMs,
      ),
    );
    const connectTimer = setTimeout(
      () =>
        fail(
          new FetchError(
            'timeout',
            `The site ${target.host} did not accept a connection within ${Math.round(settings.connectTimeoutMs / 1000)} seconds.`,
          ),
        ),
      settings.connectTimeoutMs,
    );
    timers.push(connectTimer);

    const requestOptions: http.RequestOptions & https.RequestOptions = {
      protocol: url.protocol,
      hostname: target.host,
      port: target.port,
      path: `${url.pathname}${url.search}`,
      method: settings.post ? 'POST' : 'GET',
      headers: settings.post
        ? {
            ...settings.requestHeaders,
            ...settings.post.headers,
            'content-type': settings.post.contentType,
            'content-length': String(Buffer.byteLength(settings.post.body)),
          }
        : settings.requestHeaders,
      lookup: validatingLookup(settings.resolver, settings.policy, target) as unknown as http.RequestOptions['lookup'],
    };
    if (settings.createConnection && !secure) {
      requestOptions.createConnection = settings.createConnection as http.RequestOptions['createConnection'];
    } else if (freshSocket || settings.post) {
      requestOptions.agent = false;
    } else {
      requestOptions.agent = agentFor(settings.resolver, secure, settings.policy);
    }

    try {
      req = (secure ? https : http).request(requestOptions);
    } catch (error) {
      fail(error);
      return;
    }

    req.on('socket', (socket: Socket) => {
      const checkPeer = (): void => {
        clearTimeout(connectTimer);
        // A socket that died while connecting (refused lookup, DNS failure) reports through 'error' instead.
        if (socket.destroyed) return;
        const peer = socket.remoteAddress;
        try {
          if (!peer)
            throw new FetchError(
              'blocked-address',
              `Potluck could not tell which address ${target.host} connected to, so it stopped.`,
            );
          assertAddress(peer, target.host, settings.policy, target.localOnly, target.port);
        } catch (error) {
          // Destroy the socket itself, before the request head is flushed to it.
          socket.destroy();
          fail(error);
        }
      };
      if (socket.connecting) socket.once('connect', checkPeer);
      else checkPeer();
    });

    req.on('error', fail);

    req.on('response', (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      const headers = flattenHeaders(res.headers);
      if (status >= 300 && status < 400 && status !== 304) {
        res.resume();
        const location = headers.location;
        if (!location) {
          fail(
            new FetchError('http-error', `The site answered with a redirect (${status}) but did not say where to.`, {
              status,
            }),
          );
          return;
        }
        succeed({ kind: 'redirect', status, location });
        req?.destroy();
        return;
      }
      if (status >= 400 || status < 200) {
        res.resume();
        const retryAfterSeconds =
          status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'], settings.now()) : undefined;
        fail(
          new FetchError('http-error', httpErrorMessage(status), {
            status,
            ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
          }),
        );
        return;
      }
      if (status === 304) {
        res.resume();
        succeed({ kind: 'response', status, headers, body: Buffer.alloc(0) });
        return;
      }

      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > settings.maxBytes) {
        fail(
          new FetchError(
            'too-large',
            `The feed is ${describeBytes(declared)}, more than the ${describeBytes(settings.maxBytes)} Potluck reads.`,
          ),
        );
        return;
      }
      try {
        decoder = decoderFor(headers['content-encoding']);
      } catch (error) {
        fail(error);
        return;
      }

      const chunks: Buffer[] = [];
      let received = 0;
      let decoded = 0;
      const collect = (chunk: Buffer): void => {
        decoded += chunk.length;
        if (decoded > settings.maxDecompressedBytes) {
          fail(
            new FetchError(
              'too-large',
              `The feed unpacks to more than ${describeBytes(settings.maxDecompressedBytes)}, more than Potluck reads.`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      };
      const finish = (): void => succeed({ kind: 'response', status, headers, body: Buffer.concat(chunks) });

      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        received += chunk.length;
        if (received > settings.maxBytes) {
          fail(
            new FetchError(
              'too-large',
              `The feed is larger than the ${describeBytes(settings.maxBytes)} Potluck reads.`,
            ),
          );
          return;
        }
        if (decoder) decoder.write(chunk);
        else collect(chunk);
      });
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete)
          fail(new FetchError('network', `The connection to ${target.host} was cut off before the feed arrived.`));
      });
      if (decoder) {
        decoder.on('data', (chunk: Buffer) => {
          if (!settled) collect(chunk);
        });
        decoder.on('error', fail);
        decoder.on('end', finish);
        res.on('end', () => decoder?.end());
      } else {
        res.on('end', finish);
      }
    });

    req.end(settings.post?.body);
  });
}

async function acquireSlots(limits: FetchLimits, host: string): Promise<Release> {
  // Host first, then overall: a request waiting for a busy host must not sit on one of the overall slots.
  const releaseHost = await limits.perHost.acquire(host.toLowerCase());
  const releaseOverall = await limits.overall.acquire();
  return () => {
    releaseOverall();
    releaseHost();
  };
}

/**
 * Fetches a URL from the public internet with every safety check Potluck promises (see the file comment).
 * Never throws for expected failures; returns a FetchResult.
 */
export async function safeFetch(input: string | URL, options: SafeFetchOptions = {}): Promise<FetchResult> {
  const policy: Policy = {
    allowPrivateNetworks: options.allowPrivateNetworks === true,
    allowedPorts: options.allowedPorts ?? DEFAULTS.allowedPorts,
  };
  const maxBytes = options.maxBytes ?? DEFAULTS.maxBytes;
  const requestHeaders: Record<string, string> = {
    'user-agent': options.userAgent ?? potluckUserAgent(),
    accept: options.accept ?? '*/*',
    'accept-encoding': 'gzip, br',
  };
  if (options.ifNoneMatch) requestHeaders['if-none-match'] = options.ifNoneMatch;
  if (options.ifModifiedSince) requestHeaders['if-modified-since'] = options.ifModifiedSince;
  const settings: HopSettings = {
    policy,
    resolver: options.lookup ?? (dnsLookup as unknown as LookupFunction),
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    maxBytes,
    maxDecompressedBytes: options.maxDecompressedBytes ?? maxBytes,
    requestHeaders,
    createConnection: options.createConnection,
    post: options.post,
    now: options.now ?? (() => new Date()),
  };
  const limits = options.limits ?? sharedFetchLimits;
  const maxRedirects = options.maxRedirects ?? DEFAULTS.maxRedirects;

  let current: URL;
  try {
    current = new URL(input);
  } catch {
    return {
      ok: false,
      reason: 'bad-scheme',
      message: `"${String(input)}" is not a web address. Feed addresses start with http:// or https://.`,
    };
  }

  const seen = new Set<string>();
  let permanentUrl = current.href;
  let onlyPermanentSoFar = true;
  for (let hop = 0; ; hop++) {
    seen.add(current.href);
    let result: Hop;
    try {
      const target = checkUrl(current, policy);
      const release = await acquireSlots(limits, target.host);
      try {
        result = await requestHop(target, settings).catch((error: unknown) => {
          if (error instanceof StaleSocket) return requestHop(target, settings, true);
          throw error;
        });
      } finally {
        release();
      }
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      return {
        ok: false,
        reason: error.reason,
        message: error.message,
        url: current.href,
        ...(error.status === undefined ? {} : { status: error.status }),
        ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
      };
    }

    if (result.kind === 'response') {
      return {
        ok: true,
        status: result.status,
        url: current.href,
        headers: result.headers,
        body: result.body,
        notModified: result.status === 304,
        redirectedPermanently: permanentUrl !== new URL(input).href,
        permanentUrl,
      };
    }

    if (options.post) {
      return {
        ok: false,
        reason: 'http-error',
        status: result.status,
        url: current.href,
        ...(URL.canParse(result.location, current) ? { location: new URL(result.location, current).href } : {}),
        message: `The site answered the request with a redirect (${result.status}); Potluck does not resend it elsewhere.`,
      };
    }
    let next: URL;
    try {
      next = new URL(result.location, current);
    } catch {
      return {
        ok: false,
        reason: 'http-error',
        status: result.status,
        url: current.href,
        message: `The site redirected to "${result.location}", which is not a web address.`,
      };
    }
    next.hash = '';
    if (hop >= maxRedirects || seen.has(next.href)) {
      const circle = seen.has(next.href);
      return {
        ok: false,
        reason: 'too-many-redirects',
        url: current.href,
        message: circle
          ? 'The feed address redirects in a circle, so there is no feed to read. Ask the site owner to fix the redirect.'
          : `The feed address redirected more than ${maxRedirects} times; Potluck stopped following it.`,
      };
    }
    if (onlyPermanentSoFar && (result.status === 301 || result.status === 308)) permanentUrl = next.href;
    else onlyPermanentSoFar = false;
    current = next;
  }
}
