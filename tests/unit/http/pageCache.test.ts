import { describe, expect, it } from 'vitest';
import { PageCache, handleOfPath } from '../../../src/server/http/pageCache.ts';

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
    const cache = new PageCache(1000);
    cache.set('a', page(1, 60));
    cache.set('b', page(1, 60));
    cache.get('a', 'v1'); // 'a' is now more recently used than 'b'
    for (let i = 0; i < 15; i++) cache.set(`x${i}`, page(1, 60));
    // 17 pages of 60 bytes are over 1,000: the least recently used one ('b') goes first
    expect(cache.get('b', 'v1')).toBeUndefined();
    expect(cache.get('a', 'v1')).toBeDefined();
    cache.set('x15', page(1, 60));
    cache.set('x16', page(1, 60));
    expect(cache.get('x0', 'v1')).toBeUndefined();
    expect(cache.get('x16', 'v1')).toBeDefined();
    expect(cache.size).toBe(16);
  });

  it('finds the handle of portfolio paths only', () => {
    expect(handleOfPath('/@maya/poem/')).toBe('maya');
    expect(handleOfPath('/@maya')).toBe('maya');
    expect(handleOfPath('/workspace')).toBeNull();
    expect(handleOfPath('/@/x')).toBeNull();
  });
});
