import { describe, expect, it } from 'vitest';
import { PageCache, handleOfPath, pageKeyOf } from '../../../src/server/http/pageCache.ts';

const page = (version: number, size = 10) => ({ version: `v${version}`, status: 200, headers: [], body: new Uint8Array(size) });

describe('the public page cache', () => {
  it('serves a page only at the version it was rendered for', () => {
    const cache = new PageCache();
    cache.set('/@maya/poem/', page(3));
    expect(cache.get('/@maya/poem/', 'v3')).toBeDefined();
    expect(cache.get('/@maya/poem/', 'v4')).toBeUndefined();
    // the stale entry is gone, even for its old version
    expect(cache.get('/@maya/poem/', 'v3')).toBeUndefined();
  });

  it('evicts the least recently used pages beyond its byte budget', () => {
    const cache = new PageCache({ maxBytes: 20_000 });
    cache.set('a', page(1, 600));
    cache.set('b', page(1, 600));
    cache.get('a', 'v1'); // 'a' is now more recently used than 'b'
    for (let i = 0; i < 40; i++) cache.set(`x${i}`, page(1, 600));
    // 42 pages of 600 bytes (and their bookkeeping) are over 20,000: the least recently used ones go first
    expect(cache.get('b', 'v1')).toBeUndefined();
    expect(cache.get('x39', 'v1')).toBeDefined();
    expect(cache.weight).toBeLessThanOrEqual(20_000);
    expect(cache.size).toBeGreaterThan(20);
  });

  it('counts headers and keys against the byte budget, and keeps no more entries than it may', () => {
    const byEntries = new PageCache({ maxEntries: 100 });
    for (let i = 0; i < 50_000; i++) byEntries.set(`/@maya/page-${i}/`, page(1, 10));
    expect(byEntries.size).toBe(100);
    expect(byEntries.get('/@maya/page-49999/', 'v1')).toBeDefined();
    expect(byEntries.get('/@maya/page-0/', 'v1')).toBeUndefined();

    const byBytes = new PageCache({ maxBytes: 64 * 1024 });
    const heavy = { version: 'v1', status: 200, headers: [['content-security-policy', 'x'.repeat(2000)]] as [string, string][], body: new Uint8Array(1) };
    for (let i = 0; i < 1000; i++) byBytes.set(`/@maya/${i}/`, heavy);
    expect(byBytes.weight).toBeLessThanOrEqual(64 * 1024);
    expect(byBytes.size).toBeLessThan(20);
  });

  it('drops a page as it is replaced or when nothing may be kept', () => {
    const cache = new PageCache({ maxEntries: 0 });
    cache.set('a', page(1));
    expect(cache.size).toBe(0);
    const one = new PageCache();
    one.set('a', page(1, 100));
    const before = one.weight;
    one.set('a', page(2, 100));
    expect(one.weight).toBe(before);
    expect(one.get('a', 'v2')).toBeDefined();
  });

  it('keys a page by its path: query strings no page reads are not part of it', () => {
    expect(pageKeyOf(new URL('http://x/@maya/poem/'))).toBe('/@maya/poem/');
    expect(pageKeyOf(new URL('http://x/@maya/poem/?utm_source=newsletter&fbclid=abc'))).toBe('/@maya/poem/');
    expect(pageKeyOf(new URL('http://x/@maya/?'))).toBe('/@maya/');
  });

  it('finds the handle of portfolio paths only', () => {
    expect(handleOfPath('/@maya/poem/')).toBe('maya');
    expect(handleOfPath('/@maya')).toBe('maya');
    expect(handleOfPath('/workspace')).toBeNull();
    expect(handleOfPath('/@/x')).toBeNull();
  });
});
