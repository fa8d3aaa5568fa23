import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { conditional } from '../../../src/server/http/caching.ts';
import { decodedEtag, encodeResponse, encodedEtag, isCompressible, negotiateEncoding, varyOnEncoding } from '../../../src/server/http/compression.ts';

describe('content codings', () => {
  it('reads Accept-Encoding with its quality values', () => {
    expect(negotiateEncoding(null)).toBeNull();
    expect(negotiateEncoding('gzip, deflate, br')).toBe('br');
    expect(negotiateEncoding('gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(negotiateEncoding('gzip;q=0, br;q=0')).toBeNull();
    expect(negotiateEncoding('identity')).toBeNull();
    expect(negotiateEncoding('*')).toBe('br');
  });

  it('compresses text (HTML, feeds, OPML) and leaves pictures and zips alone', () => {
    for (const type of ['text/html; charset=utf-8', 'application/rss+xml; charset=utf-8', 'application/feed+json; charset=utf-8', 'text/x-opml; charset=utf-8', 'application/xml']) {
      expect(isCompressible(type), type).toBe(true);
    }
    for (const type of ['image/webp', 'application/zip', 'application/pdf', null]) expect(isCompressible(type), String(type)).toBe(false);
  });

  it('gives the encoded copy its own ETag, which a conditional request still recognises', () => {
    const body = new TextEncoder().encode('<p>hello</p>'.repeat(100));
    const headers = new Headers({ 'content-type': 'text/html; charset=utf-8', etag: '"abc"', vary: 'Cookie' });
    const out = encodeResponse({ status: 200, headers, body, path: '/@maya/', coding: 'gzip' })!;
    expect(out.headers.get('content-encoding')).toBe('gzip');
    expect(out.headers.get('etag')).toBe('"abc-gzip"');
    expect(out.headers.get('vary')).toBe('Cookie, Accept-Encoding');
    expect(gunzipSync(out.body).toString()).toBe('<p>hello</p>'.repeat(100));
    // The same version asked again: the very bytes kept, not compressed afresh.
    expect(encodeResponse({ status: 200, headers, body, path: '/@maya/', coding: 'gzip' })!.body).toBe(out.body);
    expect(decodedEtag(encodedEtag('"abc"', 'br'))).toBe('"abc"');
    const request = new Request('http://x/', { headers: { 'if-none-match': '"abc-gzip"' } });
    expect(conditional(request, { etag: '"abc"' })?.status).toBe(304);
    expect(conditional(new Request('http://x/', { headers: { 'if-none-match': '"abd-gzip"' } }), { etag: '"abc"' })).toBeNull();
    expect(varyOnEncoding('Accept-Encoding')).toBe('Accept-Encoding');
  });
});
