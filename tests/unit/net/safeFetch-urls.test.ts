// The checks safeFetch makes before any connection: scheme, port, IP literals in every spelling, and what the
// hostname resolves to. Nothing here reaches a server: a check that failed to refuse would surface as a
// connection error instead of the expected reason.
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, safeFetch } from '../../../src/server/net/safeFetch.ts';
import type { LookupFunction } from '../../../src/server/net/safeFetch.ts';

function resolvesTo(...addresses: string[]): LookupFunction {
  return (_hostname, _options, callback) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
}

describe('what the WHATWG URL parser does with odd IPv4 spellings', () => {
  // We rely on this normalisation: after it, only dotted IPv4 or bracketed IPv6 literals remain to be judged.
  it.each([
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://127.0.0.1./', '127.0.0.1'],
    ['http://%31%32%37.0.0.1/', '127.0.0.1'],
    ['http://127。0。0。1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[0:0:0:0:0:ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[64:ff9b::127.0.0.1]/', '[64:ff9b::7f00:1]'],
  ])('%s has hostname %s', (url, hostname) => {
    expect(new URL(url).hostname).toBe(hostname);
  });

  it('leaves names that merely contain an address to DNS', () => {
    expect(new URL('http://127.0.0.1.nip.io/').hostname).toBe('127.0.0.1.nip.io');
    expect(new URL('http://localhost/').hostname).toBe('localhost');
  });

  it('rejects spellings that overflow or have too many parts', () => {
    expect(() => new URL('http://4294967296/')).toThrow();
    expect(() => new URL('http://1.2.3.4.5/')).toThrow();
  });
});

describe('safeFetch refuses before connecting', () => {
  it.each([
    'http://2130706433/feed.xml',
    'http://0177.0.0.1/feed.xml',
    'http://0x7f.1/feed.xml',
    'http://127.1/feed.xml',
    'http://127.0.0.1/feed.xml',
    'http://0/',
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://[::1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[64:ff9b::127.0.0.1]/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'https://192.0.2.1/',
  ])('%s is a blocked address', async (url) => {
    const result = await safeFetch(url);
    expect(result).toMatchObject({ ok: false, reason: 'blocked-address' });
  });

  it('keeps cloud metadata blocked even when private networks are allowed', async () => {
    const result = await safeFetch('http://169.254.169.254/latest/meta-data/', { allowPrivateNetworks: true });
    expect(result).toMatchObject({ ok: false, reason: 'blocked-address' });
  });

  it.each(['ftp://example.com/feed.xml', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://example.com/'])(
    '%s has a bad scheme',
    async (url) => {
      const result = await safeFetch(url);
      expect(result).toMatchObject({ ok: false, reason: 'bad-scheme' });
    },
  );

  it('says plainly that something is not a web address', async () => {
    const result = await safeFetch('my blog');
    expect(result).toMatchObject({ ok: false, reason: 'bad-scheme' });
    if (!result.ok) expect(result.message).toMatch(/not a web address/);
  });

  it.each(['http://example.com:8080/feed', 'https://example.com:22/', 'http://example.com:6379/'])(
    '%s uses a port that is not allowed',
    async (url) => {
      const result = await safeFetch(url, { lookup: resolvesTo('93.184.216.34') });
      expect(result).toMatchObject({ ok: false, reason: 'bad-port' });
    },
  );

  it('lets allowPrivateNetworks open other ports only on local addresses', async () => {
    const result = await safeFetch('http://feeds.example:8080/', {
      allowPrivateNetworks: true,
      lookup: resolvesTo('93.184.216.34'),
    });
    expect(result).toMatchObject({ ok: false, reason: 'bad-port' });
  });

  it.each([
    [['127.0.0.1']],
    [['::1']],
    [['10.1.1.1']],
    [['93.184.216.34', '127.0.0.1']],
    [['2606:4700:4700::1111', '::ffff:127.0.0.1']],
    [['169.254.169.254']],
  ])('refuses a hostname that resolves to %j', async (addresses) => {
    const result = await safeFetch('http://feeds.example/feed.xml', { lookup: resolvesTo(...addresses) });
    expect(result).toMatchObject({ ok: false, reason: 'blocked-address' });
    if (!result.ok) expect(result.message).toMatch(/not to the public internet/);
  });

  it('refuses localhost through the system resolver', async () => {
    const result = await safeFetch('http://localhost/feed.xml');
    expect(result).toMatchObject({ ok: false, reason: 'blocked-address' });
  });

  it('reports an unknown host as a network problem in plain words', async () => {
    const result = await safeFetch('http://feeds.example/', {
      lookup: (hostname, _options, callback) =>
        callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []),
    });
    expect(result).toMatchObject({ ok: false, reason: 'network' });
    if (!result.ok)
      expect(result.message).toBe('The site name feeds.example could not be found. Check the address for typos.');
  });

  it('times out a lookup that never answers', async () => {
    const result = await safeFetch('http://feeds.example/', { lookup: () => undefined, connectTimeoutMs: 100 });
    expect(result).toMatchObject({ ok: false, reason: 'timeout' });
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2025-03-01T12:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:05:00 GMT', now)).toBe(300);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
