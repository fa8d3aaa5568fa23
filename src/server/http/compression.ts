/**
 * Compressed public responses: HTML, feeds (RSS, Atom, JSON Feed, OPML), the sitemap and other text go out with
 * brotli or gzip when the client asks (`Accept-Encoding`), with `Vary: Accept-Encoding`. Each encoding of one
 * representation is compressed once and kept by its address and ETag, so a page or feed served from a cache is not
 * compressed again on every hit. An encoded response's ETag names its encoding (`"abc-br"`), as RFC 9110 §8.8.3
 * asks of a different representation; conditional requests compare tags without that suffix (caching.ts).
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** The encodings Potluck sends, best first. */
export type ContentCoding = 'br' | 'gzip';

const COMPRESSIBLE = /^(?:text\/|application\/(?:[a-z0-9.+-]*\+)?(?:xml|json)\b|application\/(?:javascript|xslt\+xml))/i;

/** Whether a response of this media type is worth compressing (text of some kind, not pictures or zips). */
export function isCompressible(contentType: string | null): boolean {
  return contentType !== null && COMPRESSIBLE.test(contentType.trim());
}

/**
 * The coding to answer `Accept-Encoding` with, or null for identity. Quality values count (`gzip;q=0` refuses gzip);
 * `*` stands for any coding not named.
 */
export function negotiateEncoding(header: string | null | undefined): ContentCoding | null {
  if (!header) return null;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let quality = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(param);
      if (match) quality = Number(match[1]);
    }
    if (!Number.isNaN(quality)) q.set(name, quality);
  }
  const qualityOf = (coding: string) => q.get(coding) ?? (coding === 'gzip' ? q.get('x-gzip') : undefined) ?? q.get('*') ?? 0;
  const br = qualityOf('br');
  const gzip = qualityOf('gzip');
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip && br > 0 ? 'br' : 'gzip';
}

/** The ETag of the `coding` encoding of a representation whose ETag is `etag`. */
export function encodedEtag(etag: string, coding: ContentCoding): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-${coding}"` : etag;
}

/** The ETag a client sent back for an encoded representation, with the coding taken off (`"abc-br"` -> `"abc"`). */
export function decodedEtag(opaque: string): string {
  return opaque.replace(/-(?:br|gzip)"$/, '"');
}

function compress(body: Uint8Array, coding: ContentCoding): Uint8Array<ArrayBuffer> {
  const out =
    coding === 'br'
      ? // Quality 5: most of brotli's gain at a small part of its cost for the largest settings.
        brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength } })
      : gzipSync(body, { level: 6 });
  return new Uint8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength) as ArrayBuffer);
}

/** How many compressed bodies are kept at most, whatever their size. */
const MAX_ENCODED_BODIES = 4000;

/**
 * Compressed bodies by address, ETag and coding: least recently used dropped first beyond a byte budget or
 * MAX_ENCODED_BODIES of them.
 */
class EncodedBodies {
  private readonly entries = new Map<string, Uint8Array<ArrayBuffer>>();
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get(key: string): Uint8Array<ArrayBuffer> | undefined {
    const body = this.entries.get(key);
    if (body) {
      this.entries.delete(key);
      this.entries.set(key, body);
    }
    return body;
  }

  set(key: string, body: Uint8Array<ArrayBuffer>): void {
    if (body.byteLength > this.maxBytes / 16 || this.entries.has(key)) return;
    this.entries.set(key, body);
    this.bytes += body.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= MAX_ENCODED_BODIES) break;
      this.entries.delete(k);
      this.bytes -= v.byteLength;
    }
  }
}

const SHARED = Symbol.for('potluck.encodedBodies');

// One store per process: the bundled site and the server front (frontCache.ts) are separate module graphs.
function encodedBodies(): EncodedBodies {
  const holder = globalThis as typeof globalThis & { [SHARED]?: EncodedBodies };
  holder[SHARED] ??= new EncodedBodies(32 * 1024 * 1024);
  return holder[SHARED];
}

/**
 * `body` in `coding`: kept and reused when the representation has an ETag (which names its exact bytes), compressed
 * afresh otherwise.
 */
export function encodedBody(body: Uint8Array, coding: ContentCoding, key: { path: string; etag: string | null }): Uint8Array<ArrayBuffer> {
  if (!key.etag) return compress(body, coding);
  const id = `${coding}\u0000${key.path}\u0000${key.etag}`;
  const store = encodedBodies();
  let encoded = store.get(id);
  if (!encoded) {
    encoded = compress(body, coding);
    store.set(id, encoded);
  }
  return encoded;
}

/** Adds `Accept-Encoding` to a Vary header value (kept as it is when already there). */
export function varyOnEncoding(vary: string | null): string {
  if (!vary) return 'Accept-Encoding';
  return /(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary) ? vary : `${vary}, Accept-Encoding`;
}

/**
 * The headers a HEAD answers with when its GET would be encoded in `coding` (no body, so no length to give).
 */
export function encodeHeadResponse(props: { status: number; headers: Headers; coding: ContentCoding | null }): Headers | null {
  const { status, headers, coding } = props;
  if (status !== 200 || headers.has('content-encoding') || !isCompressible(headers.get('content-type'))) return null;
  const out = new Headers(headers);
  out.set('vary', varyOnEncoding(headers.get('vary')));
  if (!coding) return out;
  out.set('content-encoding', coding);
  out.delete('content-length');
  const etag = headers.get('etag');
  if (etag) out.set('etag', encodedEtag(etag, coding));
  return out;
}

/**
 * The headers and body of a compressible 200 for a client that accepts `coding` (null: identity, but Vary is still
 * set, so that caches keep the encodings apart). Returns null when the response is not to be compressed.
 */
export function encodeResponse(
  props: { status: number; headers: Headers; body: Uint8Array; path: string; coding: ContentCoding | null },
): { headers: Headers; body: Uint8Array } | null {
  const { status, headers, body, coding } = props;
  if (status !== 200 || headers.has('content-encoding') || !isCompressible(headers.get('content-type'))) return null;
  const out = new Headers(headers);
  out.set('vary', varyOnEncoding(headers.get('vary')));
  // Every size is compressed, even where it gains little: a HEAD must name the encoding its GET would have.
  if (!coding) return { headers: out, body };
  const etag = headers.get('etag');
  const encoded = encodedBody(body, coding, { path: props.path, etag });
  out.set('content-encoding', coding);
  out.set('content-length', String(encoded.byteLength));
  if (etag) out.set('etag', encodedEtag(etag, coding));
  return { headers: out, body: encoded };
}
