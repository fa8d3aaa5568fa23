// The built client files (stylesheet, favicon, scripts) are served by the real server from memory, with validators
// and caching; anything else goes on to the site.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

const client = path.resolve(import.meta.dirname, '..', '..', '..', 'dist', 'client');

let server: TestServer;
let visitor: Browser;
beforeAll(async () => {
  server = await startServer();
  visitor = new Browser(server.url);
});
afterAll(() => server?.stop());

describe('client files', () => {
  it('serves the stylesheet as built, with a validator, revalidated on each use, and nosniff; 304 when unchanged', async () => {
    const css = await visitor.get('/styles/potluck.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('no-cache');
    expect(css.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await css.arrayBuffer()).equals(fs.readFileSync(path.join(client, 'styles', 'potluck.css')))).toBe(true);
    const etag = css.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{27}"$/);

    const again = await visitor.get('/styles/potluck.css', { headers: { 'if-none-match': `W/${etag}, "other"` } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const changed = await visitor.get('/styles/potluck.css', { headers: { 'if-none-match': '"something-else"' } });
    expect(changed.status).toBe(200);
    expect((await visitor.get('/styles/potluck.css?v=2')).status).toBe(200);
    // Spelled with escapes, as a browser may: the same file. Other spellings reach no file here.
    expect((await visitor.get('/styles/potluck%2Ecss')).status).toBe(200);
    for (const other of ['/styles/potluck.css/', '/STYLES/potluck.css', '/styles/potluck.css%00']) {
      const response = await visitor.get(other);
      expect(response.headers.get('content-type') ?? '', other).not.toContain('text/css');
    }
  });

  it('answers HEAD with the length and no body', async () => {
    const head = await visitor.request('/favicon.svg', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/svg+xml');
    expect(Number(head.headers.get('content-length'))).toBe(fs.statSync(path.join(client, 'favicon.svg')).size);
    expect(await head.text()).toBe('');
  });

  it('lets hashed build files be cached for good', async () => {
    const built = fs.readdirSync(path.join(client, '_astro'));
    expect(built.length).toBeGreaterThan(0);
    for (const name of built) {
      const response = await visitor.get(`/_astro/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
  });

  it('leaves everything else to the site: unknown files, other methods, folders', async () => {
    expect((await visitor.get('/styles/missing.css')).status).toBe(404);
    expect((await visitor.get('/styles/')).status).toBe(404);
    const post = await visitor.postForm('/styles/potluck.css', { a: '1' });
    expect(post.headers.get('content-type') ?? '').not.toContain('text/css');
    expect(post.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses an address with a broken percent escape with a plain 400', async () => {
    const response = await visitor.get('/@maya/%E0%A4%A/');
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/broken percent escape/);
  });
});
