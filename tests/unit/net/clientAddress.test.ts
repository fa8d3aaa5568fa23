// Whose address a request is, behind reverse proxies or not (POTLUCK_TRUSTED_PROXIES).
import { describe, expect, it } from 'vitest';
import { clientAddress, parseTrustedProxies } from '../../../src/server/net/clientAddress.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDataDir } from '../../helpers/server.ts';

describe('parseTrustedProxies', () => {
  it('reads addresses, CIDR ranges of both families and "loopback"', () => {
    const trusted = parseTrustedProxies(' loopback, 10.0.0.0/8 ,192.0.2.1, fd00::/8 ');
    for (const yes of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '10.200.1.1', '192.0.2.1', 'fd12::1', '[::1]']) expect(trusted.has(yes), yes).toBe(true);
    for (const no of ['192.0.2.2', '11.0.0.1', 'fe80::1', '2001:db8::1', 'localhost', '']) expect(trusted.has(no), no).toBe(false);
    expect(parseTrustedProxies(undefined).has('127.0.0.1')).toBe(false);
  });

  it('refuses what is not an address or a range, naming it', () => {
    for (const bad of ['10.0.0.0/33', 'proxy.school.example', '10.0.0.0/8/1', '::1/129', '10.0.0.0/x']) {
      expect(() => parseTrustedProxies(bad), bad).toThrow(`"${bad}" is not an IP address or a CIDR range`);
    }
    expect(() => loadConfig({ POTLUCK_TRUSTED_PROXIES: 'loopback, nginx' })).toThrow(/POTLUCK_TRUSTED_PROXIES: "nginx" is not an IP address/);
  });

  it('a bad setting stops the CLI with the message and exit 1, not a stack trace', async () => {
    const result = await runCli(['user', 'list'], { env: { POTLUCK_DATA: tempDataDir(), POTLUCK_TRUSTED_PROXIES: 'nginx' } });
    expect(result.code).toBe(1);
    expect(result.err).toContain('POTLUCK_TRUSTED_PROXIES: "nginx" is not an IP address or a CIDR range');
    expect(result.err).not.toMatch(/\bat \w+ \(/);
  });
});

describe('clientAddress', () => {
  const trusted = parseTrustedProxies('loopback, 10.0.0.0/8');
  it('is the peer itself when the peer is not a trusted proxy, whatever the header says', () => {
    expect(clientAddress('198.51.100.4', '203.0.113.1', trusted)).toBe('198.51.100.4');
    expect(clientAddress('::ffff:198.51.100.4', null, trusted)).toBe('198.51.100.4');
  });

  it('behind trusted proxies, is the rightmost address no trusted proxy added', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.1', trusted)).toBe('203.0.113.1');
    expect(clientAddress('127.0.0.1', '198.51.100.9, 203.0.113.1', trusted)).toBe('203.0.113.1');
    expect(clientAddress('::1', '203.0.113.1, 10.0.0.2, 10.0.0.3', trusted)).toBe('203.0.113.1');
    expect(clientAddress('127.0.0.1', ' 2001:db8::7 ', trusted)).toBe('2001:db8::7');
    // Only proxies all the way: the leftmost of them.
    expect(clientAddress('127.0.0.1', '10.0.0.9, 10.0.0.2', trusted)).toBe('10.0.0.9');
    // No header, an empty one, or garbage at once: the proxy itself.
    expect(clientAddress('127.0.0.1', null, trusted)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', '', trusted)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', 'unknown', trusted)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', 'evil, 203.0.113.1', trusted)).toBe('203.0.113.1');
    // Some load balancers add the client's port.
    expect(clientAddress('127.0.0.1', '203.0.113.1:5678', trusted)).toBe('203.0.113.1');
    expect(clientAddress('127.0.0.1', '[2001:db8::7]:443', trusted)).toBe('2001:db8::7');
    expect(clientAddress('127.0.0.1', '203.0.113.1, 10.0.0.2:80', trusted)).toBe('203.0.113.1');
  });
});
