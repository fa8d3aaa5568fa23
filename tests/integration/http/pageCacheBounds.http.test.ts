/**
 * The page cache's key and bounds: a query string no page reads names the same cached page (and ETag), and the cache
 * keeps no more pages than POTLUCK_PAGE_CACHE_ENTRIES says, the least recently used going first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import type { User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let maya: User;
const slugs: string[] = [];

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_PAGE_CACHE_ENTRIES: '3' } });
  maya = await makeUser(server.app, { handle: 'maya' });
  for (let i = 0; i < 5; i++) slugs.push((await makeArtifact(server.app, maya, { title: `Poem ${i}`, visibility: 'public' })).slug);
});
afterAll(() => server?.stop());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${server.url}${path}`, { headers });

describe('the page cache key and bounds', () => {
  it('serves the same cached page, with the same ETag, whatever query string no page reads', async () => {
    const plain = await get(`/@maya/${slugs[0]}/`);
    const etag = plain.headers.get('etag');
    const body = await plain.text();
    for (const query of ['?utm_source=newsletter', '?fbclid=abc&x=%3Cscript%3E', '?']) {
      const res = await get(`/@maya/${slugs[0]}/${query}`);
      expect(res.headers.get('x-potluck-cache'), query).toBe('hit');
      expect(res.headers.get('etag'), query).toBe(etag);
      expect(await res.text(), query).toBe(body);
    }
    const revalidated = await get(`/@maya/${slugs[0]}/?utm_campaign=spring`, { 'if-none-match': etag! });
    expect(revalidated.status).toBe(304);
  });

  it('keeps at most the configured number of pages, dropping the least recently used', async () => {
    for (const slug of slugs.slice(0, 3)) await (await get(`/@maya/${slug}/`)).text();
    expect((await get(`/@maya/${slugs[0]}/`)).headers.get('x-potluck-cache')).toBe('hit');
    // Two more pages push out the two least recently used (slugs 1 and 2), not slug 0, just read.
    for (const slug of slugs.slice(3)) await (await get(`/@maya/${slug}/`)).text();
    expect((await get(`/@maya/${slugs[0]}/`)).headers.get('x-potluck-cache')).toBe('hit');
    expect((await get(`/@maya/${slugs[1]}/`)).headers.get('x-potluck-cache')).toBeNull();
  });

  it('refuses a cache size that is not a whole number, saying what to write', () => {
    expect(() => loadConfig({ POTLUCK_PAGE_CACHE_MB: 'lots' })).toThrow(/POTLUCK_PAGE_CACHE_MB must be a number of megabytes/);
    expect(() => loadConfig({ POTLUCK_PAGE_CACHE_ENTRIES: '2.5' })).toThrow(/POTLUCK_PAGE_CACHE_ENTRIES must be a whole number/);
    expect(loadConfig({ POTLUCK_PAGE_CACHE_MB: '8', POTLUCK_PAGE_CACHE_ENTRIES: '100' }).pageCache).toEqual({ maxBytes: 8 * 1024 * 1024, maxEntries: 100 });
  });
});
