/** Which Host headers and origins a configuration answers to (POTLUCK_SITE_URL, POTLUCK_HOST_ALIASES, POTLUCK_HSTS). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { allowedOrigins, isSiteHost, siteHostsOf } from '../../../src/server/http/siteHosts.ts';

const config = (env: Record<string, string>) => loadConfig({ POTLUCK_DATA: '/tmp/unused', ...env });

describe('POTLUCK_HOST_ALIASES', () => {
  it('takes hosts, hosts with ports, origins and loopback', () => {
    const c = config({ POTLUCK_SITE_URL: 'https://potluck.school.example', POTLUCK_HOST_ALIASES: 'Portfolio.School.Example, potluck.local:8080 ,http://old.school.example,loopback' });
    expect(c.hostAliases).toEqual({
      hosts: ['portfolio.school.example', 'potluck.local:8080', 'old.school.example'],
      origins: ['https://portfolio.school.example', 'https://potluck.local:8080', 'http://old.school.example'],
      loopback: true,
    });
  });

  it('refuses an entry with a path, credentials or another scheme, naming it', () => {
    for (const bad of ['potluck.school.example/app', 'user:pw@potluck.school.example', 'ftp://potluck.school.example', 'a b']) {
      expect(() => config({ POTLUCK_HOST_ALIASES: bad }), bad).toThrow(/POTLUCK_HOST_ALIASES/);
    }
  });
});

describe('the site host', () => {
  it('is the site URL host (any case, default port or none) and the aliases, nothing else', () => {
    const hosts = siteHostsOf(config({ POTLUCK_SITE_URL: 'https://potluck.school.example', POTLUCK_HOST_ALIASES: 'portfolio.school.example' }));
    for (const ok of ['potluck.school.example', 'POTLUCK.SCHOOL.EXAMPLE', 'potluck.school.example:443', 'portfolio.school.example']) {
      expect(isSiteHost(hosts, ok, 4321), ok).toBe(true);
    }
    for (const bad of [undefined, '', 'evil.example', 'potluck.school.example:8443', 'potluck.school.example.evil.example', '127.0.0.1:4321', 'localhost:4321']) {
      expect(isSiteHost(hosts, bad, 4321), String(bad)).toBe(false);
    }
    expect(allowedOrigins(hosts, 4321)).toEqual(['https://potluck.school.example', 'https://portfolio.school.example']);
  });

  it('counts loopback names on the listening port only for a loopback site URL', () => {
    const hosts = siteHostsOf(config({ HOST: '127.0.0.1', PORT: '0' }));
    expect(isSiteHost(hosts, 'localhost:5173', 5173)).toBe(true);
    expect(isSiteHost(hosts, '[::1]:5173', 5173)).toBe(true);
    expect(isSiteHost(hosts, 'localhost:5174', 5173)).toBe(false);
    expect(allowedOrigins(hosts, 5173)).toContain('http://127.0.0.1:5173');
  });
});

describe('POTLUCK_HSTS', () => {
  it('is on for https by default, never for http, and off or preload when asked', () => {
    expect(config({ POTLUCK_SITE_URL: 'https://potluck.school.example' }).hsts).toBe('max-age=31536000; includeSubDomains');
    expect(config({ POTLUCK_SITE_URL: 'http://potluck.school.example', POTLUCK_HSTS: 'on' }).hsts).toBeNull();
    expect(config({ POTLUCK_SITE_URL: 'https://potluck.school.example', POTLUCK_HSTS: 'off' }).hsts).toBeNull();
    expect(config({ POTLUCK_SITE_URL: 'https://potluck.school.example', POTLUCK_HSTS: 'preload' }).hsts).toBe('max-age=63072000; includeSubDomains; preload');
    expect(() => config({ POTLUCK_HSTS: 'yes' })).toThrow(/POTLUCK_HSTS must be auto, off, on or preload/);
  });
});
