/**
 * Requests that name another host get 421 before anything runs; the cross-site check compares with the configured
 * origin, not the request's Host; every kind of response carries the security headers (HSTS on an https site).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { HOST_SESSION_COOKIE, createSession, generateSessionToken } from '../../../src/server/auth/sessions.ts';
import type { User } from '../../../src/server/db/schema.ts';
import { picture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

const SITE = 'https://potluck.school.example';

/** A raw HTTP request, so that the Host header says what an attacker wants (fetch always sends the URL's host). */
export function rawRequest(
  base: string,
  path: string,
  options: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        hostname: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? url.host, ...options.headers },
        setHost: false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (c: string) => (body += c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

let site: TestServer;
let maya: User;
let slug: string;
beforeAll(async () => {
  // An https site reached, as behind a proxy, over plain http; one alias; loopback names do not count here.
  site = await startServer({ env: { POTLUCK_SITE_URL: SITE, POTLUCK_HOST_ALIASES: 'portfolio.school.example' } });
  maya = await makeUser(site.app, { handle: 'maya' });
  slug = (await makeArtifact(site.app, maya, { title: 'Public essay', visibility: 'public', body: 'Hello' })).slug;
});
afterAll(() => site?.stop());

describe('the Host header', () => {
  it('answers 421 to another host on pages, client files, cached pages and forms, before anything runs', async () => {
    // Warm the page cache through the right host first: the server front must not answer a forged host from it.
    expect((await rawRequest(site.url, `/@maya/${slug}/`, { host: 'potluck.school.example' })).status).toBe(200);
    expect((await rawRequest(site.url, `/@maya/${slug}/`, { host: 'potluck.school.example' })).headers['x-potluck-cache']).toBe('hit');
    for (const path of ['/', `/@maya/${slug}/`, '/styles/potluck.css', '/signin', '/healthz']) {
      const res = await rawRequest(site.url, path, { host: 'evil.example' });
      expect(res.status, path).toBe(421);
      expect(res.body).toContain('answers only at https://potluck.school.example');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const form = await rawRequest(site.url, '/signin', {
      host: 'evil.example',
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'login=maya&password=whatever-it-is',
    });
    expect(form.status).toBe(421);
  });

  it('holds a request target in absolute form to the same rule as Host', async () => {
    expect((await rawRequest(site.url, 'http://evil.example/', { host: 'potluck.school.example' })).status).toBe(421);
    expect((await rawRequest(site.url, `http://evil.example/@maya/${slug}/`, { host: 'potluck.school.example' })).status).toBe(421);
    // The site's own host in absolute form passes the check (what the router then makes of it is its own business).
    expect((await rawRequest(site.url, 'https://potluck.school.example/', { host: 'potluck.school.example' })).status).not.toBe(421);
  });

  it('refuses loopback names when the site URL is not loopback and no alias lists them', async () => {
    const port = new URL(site.url).port;
    expect((await rawRequest(site.url, '/', { host: `127.0.0.1:${port}` })).status).toBe(421);
    expect((await rawRequest(site.url, '/', { host: `localhost:${port}` })).status).toBe(421);
    expect((await rawRequest(site.url, '/', { host: 'potluck.school.example.evil.example' })).status).toBe(421);
  });

  it('answers the site host (with or without its default port) and the listed alias', async () => {
    for (const host of ['potluck.school.example', 'POTLUCK.school.example:443', 'portfolio.school.example']) {
      expect((await rawRequest(site.url, '/', { host })).status, host).toBe(200);
    }
  });

  it('answers loopback names on the listening port when the site itself is loopback', async () => {
    const local = await startServer({ env: { POTLUCK_HOST_ALIASES: '' } });
    try {
      const port = new URL(local.url).port;
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        expect((await rawRequest(local.url, '/', { host })).status, host).toBe(200);
      }
      expect((await rawRequest(local.url, '/', { host: `localhost:${Number(port) + 1}` })).status).toBe(421);
      expect((await rawRequest(local.url, '/', { host: 'evil.example' })).status).toBe(421);
      // No HSTS on a plain http site; a signed-in person's pages carry the other headers too.
      expect((await rawRequest(local.url, '/', {})).headers['strict-transport-security']).toBeUndefined();
      const ada = await makeUser(local.app, { handle: 'ada' });
      const mine = await signedIn(local.url, local.app, ada).get('/workspace');
      expect(mine.status).toBe(200);
      expect(mine.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(mine.headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await local.stop();
    }
  });
});

describe('the cross-site check', () => {
  it('compares Origin with the configured origin, not with what the Host and scheme of the request make of it', async () => {
    // Plain http reached the server, so the request's own origin is http://potluck.school.example: a page there
    // (a captive portal, a downgraded connection) is not the https site and must not post its forms.
    const res = await rawRequest(site.url, '/signin', {
      host: 'potluck.school.example',
      method: 'POST',
      headers: { origin: 'http://potluck.school.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'login=maya&password=whatever-it-is',
    });
    expect(res.status).toBe(403);
    expect(res.body).toContain('sent from another website');
    const same = await rawRequest(site.url, '/signin', {
      host: 'potluck.school.example',
      method: 'POST',
      headers: { origin: SITE, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'login=maya&password=whatever-it-is',
    });
    expect(same.status).not.toBe(403);
    const alias = await rawRequest(site.url, '/signin', {
      host: 'portfolio.school.example',
      method: 'POST',
      headers: { origin: 'https://portfolio.school.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'login=maya&password=whatever-it-is',
    });
    expect(alias.status).not.toBe(403);
  });
});

describe("the site download inside the server", () => {
  it('still renders through its own loopback address, which no visitor may use', async () => {
    // The server asks itself on 127.0.0.1 with its render token: the one request a loopback Host may make here.
    const token = generateSessionToken();
    createSession(site.app, token, maya.id);
    const res = await rawRequest(site.url, '/workspace/site', {
      host: 'potluck.school.example',
      method: 'POST',
      headers: { origin: SITE, cookie: `${HOST_SESSION_COOKIE}=${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'base=',
    });
    expect(res.status, res.body.slice(0, 500)).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.body).toContain('public-essay/index.html');
  });
});

describe('security headers on every response', () => {
  it('on client files, cached pages and their 304s, media, feeds, errors and redirects', async () => {
    const host = 'potluck.school.example';
    const picture_ = await uploadMedia(site.app, { ownerId: maya.id, file: { name: 'cover.jpg', bytes: await picture(640, 480) }, alt: 'A cover' });
    await makeArtifact(site.app, maya, { title: 'With a picture', visibility: 'public', body: `![](media:${picture_.id})` });
    const asset = await rawRequest(site.url, '/styles/potluck.css', { host });
    const page = await rawRequest(site.url, `/@maya/${slug}/`, { host });
    const cached = await rawRequest(site.url, `/@maya/${slug}/`, { host });
    expect(cached.headers['x-potluck-cache']).toBe('hit');
    const feed = await rawRequest(site.url, '/@maya/feed.xml', { host });
    const responses = {
      asset,
      'asset 304': await rawRequest(site.url, '/styles/potluck.css', { host, headers: { 'if-none-match': String(asset.headers.etag) } }),
      page,
      cached,
      'page 304 (server front)': await rawRequest(site.url, `/@maya/${slug}/`, { host, headers: { 'if-none-match': String(page.headers.etag) } }),
      media: await rawRequest(site.url, `/media/${picture_.id}/`, { host }),
      feed,
      'feed 304': await rawRequest(site.url, '/@maya/feed.xml', { host, headers: { 'if-none-match': String(feed.headers.etag) } }),
      'missing page': await rawRequest(site.url, '/no/such/page', { host }),
      'missing portfolio': await rawRequest(site.url, '/@nobody/', { host }),
      redirect: await rawRequest(site.url, '/workspace', { host }),
      'broken address': await rawRequest(site.url, '/%E0%A4%A', { host }),
    };
    const statuses = Object.fromEntries(Object.entries(responses).map(([k, r]) => [k, r.status]));
    expect(statuses).toEqual({
      asset: 200,
      'asset 304': 304,
      page: 200,
      cached: 200,
      'page 304 (server front)': 304,
      media: 200,
      feed: 200,
      'feed 304': 304,
      'missing page': 404,
      'missing portfolio': 404,
      redirect: 303,
      'broken address': 400,
    });
    for (const [kind, res] of Object.entries(responses)) {
      expect(res.headers['content-security-policy'], kind).toMatch(/default-src '(self|none)'/);
      expect(res.headers['x-content-type-options'], kind).toBe('nosniff');
      expect(res.headers['referrer-policy'], kind).toBe('strict-origin-when-cross-origin');
      expect(res.headers['x-frame-options'], kind).toBe('DENY');
      expect(res.headers['cross-origin-opener-policy'], kind).toBe('same-origin');
      expect(res.headers['strict-transport-security'], kind).toBe('max-age=31536000; includeSubDomains');
    }
  });

  it('sends no Strict-Transport-Security when POTLUCK_HSTS=off, and the preload form when asked', async () => {
    const off = await startServer({ env: { POTLUCK_SITE_URL: SITE, POTLUCK_HSTS: 'off' } });
    const preload = await startServer({ env: { POTLUCK_SITE_URL: SITE, POTLUCK_HSTS: 'preload' } });
    try {
      const a = await new Browser(off.url).get('/');
      expect(a.status).toBe(200);
      expect(a.headers.get('strict-transport-security')).toBeNull();
      const b = await new Browser(preload.url).get('/styles/potluck.css');
      expect(b.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains; preload');
    } finally {
      await Promise.all([off.stop(), preload.stop()]);
    }
  });
});
