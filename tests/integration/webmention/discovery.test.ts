/**
 * Endpoint discovery against webmention.rocks' numbered discovery tests (../shared/corpora/webmention-rocks): a real
 * loopback server answers each test page with that test's headers and HTML (the site's own address rewritten to
 * the loopback one), and Potluck must find the endpoint the test expects.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverEndpoint, endpointFromHtml, endpointFromLinkHeader } from '../../../src/server/webmention/discover.ts';

interface Case {
  num: number;
  name: string;
  url: string;
  status: number;
  headers: [string, string][];
  html: string;
  expected_endpoint: string;
  redirect?: { from: string; status: number; location: string };
}

const corpus = path.resolve(import.meta.dirname, '../../../../shared/corpora/webmention-rocks/discovery.json');
const cases = JSON.parse(fs.readFileSync(corpus, 'utf8')) as Case[];
const SITE = 'https://webmention.rocks';

let server: http.Server;
let origin = '';
const local = (url: string) => url.split(SITE).join(origin);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const redirect = cases.find((c) => c.redirect && new URL(c.redirect.from).pathname === url.pathname);
    if (redirect?.redirect) {
      res.writeHead(redirect.redirect.status, { location: redirect.redirect.location });
      res.end();
      return;
    }
    const found = cases.find((c) => new URL(c.url).pathname === url.pathname);
    if (!found) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such test');
      return;
    }
    const headers: [string, string][] = [['Content-Type', 'text/html; charset=utf-8'], ...found.headers.map(([k, v]) => [k, local(v)] as [string, string])];
    res.writeHead(found.status, headers.flat());
    res.end(local(found.html));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('webmention.rocks discovery tests', () => {
  it('has all 23 numbered tests', () => {
    expect(cases.map((c) => c.num)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  });

  for (const c of cases) {
    it(`#${c.num}: ${c.name}`, async () => {
      const target = local(c.redirect ? c.redirect.from : c.url);
      const result = await discoverEndpoint(target, { allowPrivateNetworks: true });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.endpoint).toBe(local(c.expected_endpoint));
    });
  }
});

describe('discovery rules', () => {
  it('takes the Link header before any HTML, whatever the HTML says first', () => {
    expect(endpointFromLinkHeader('<https://a.example/wm>; rel="other webmention"', 'https://b.example/')).toBe('https://a.example/wm');
    expect(endpointFromLinkHeader('<https://a.example/x>; rel=preload, </wm?x=1>; rel=WebMention', 'https://b.example/p')).toBe('https://b.example/wm?x=1');
    expect(endpointFromLinkHeader('<https://a.example/x>; rel="not-webmention"', 'https://b.example/')).toBeNull();
  });

  it('ignores <link> in comments, escaped HTML, and links without href; an empty href is the page', () => {
    expect(endpointFromHtml('<!-- <link rel="webmention" href="/bad"> --><a rel="webmention" href="/good">x</a>', 'https://b.example/p')).toBe('https://b.example/good');
    expect(endpointFromHtml('<p>&lt;link rel="webmention" href="/bad"&gt;</p>', 'https://b.example/p')).toBeNull();
    expect(endpointFromHtml('<link rel="webmention"><link rel="webmention" href="/wm">', 'https://b.example/p')).toBe('https://b.example/wm');
    expect(endpointFromHtml('<link rel="webmention" href="">', 'https://b.example/p?q=1')).toBe('https://b.example/p?q=1');
  });

  it('refuses a target on a private address unless the instance allows private networks', async () => {
    // The port is allowed here, so only the address itself can refuse it.
    const result = await discoverEndpoint(`${origin}/test/1`, { allowedPorts: [Number(new URL(origin).port)] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.failure.reason).toBe('blocked-address');
  });

  it('never takes a javascript: or other non-web endpoint', () => {
    expect(endpointFromHtml('<a rel="webmention" href="javascript:alert(1)">x</a>', 'https://b.example/')).toBeNull();
  });
});
