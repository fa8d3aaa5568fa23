/**
 * Which host a request may name, and which origins may send it forms. A forged `Host` header makes anything of
 * `context.url`: links in pages, the origin a CSRF check compares with, cache keys. So the host and the origins come
 * from configuration (POTLUCK_SITE_URL, POTLUCK_HOST_ALIASES), and a request naming another host gets
 * 421 Misdirected Request before anything runs.
 */
import type { Config } from '../config.ts';

/** The hosts and origins a configuration answers to, computed once. */
export interface SiteHosts {
  /** Lower-case `host[:port]` values, including the explicit default port (`example.org:443`). */
  hosts: Set<string>;
  /** Lower-case origins a form may come from. */
  origins: string[];
  /** Whether loopback names on the listening port count (a loopback site URL, or the `loopback` alias). */
  loopback: boolean;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Whether a URL's host name is this machine (localhost, 127.x.x.x, ::1). */
export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function withDefaultPort(url: URL): string[] {
  const host = url.host.toLowerCase();
  if (url.port) return [host];
  return [host, `${host}:${url.protocol === 'https:' ? 443 : 80}`];
}

/** The hosts and origins of a configuration. */
export function siteHostsOf(config: Pick<Config, 'siteUrl' | 'hostAliases'>): SiteHosts {
  const site = new URL(config.siteUrl);
  const hosts = new Set(withDefaultPort(site));
  const origins = [site.origin.toLowerCase()];
  for (const origin of config.hostAliases.origins) {
    for (const host of withDefaultPort(new URL(origin))) hosts.add(host);
    origins.push(origin);
  }
  const loopback = isLoopbackHostname(site.hostname) || config.hostAliases.loopback;
  // A loopback site URL's own port (which a test server's PORT=0 is not) also counts for every loopback name.
  if (loopback && site.port) for (const name of LOOPBACK_NAMES) hosts.add(`${name}:${site.port}`);
  return { hosts, origins, loopback };
}

const memo = new WeakMap<object, SiteHosts>();

/** `siteHostsOf`, computed once per configuration object (it is asked on every request). */
export function siteHostsFor(config: Pick<Config, 'siteUrl' | 'hostAliases'>): SiteHosts {
  let hosts = memo.get(config);
  if (!hosts) memo.set(config, (hosts = siteHostsOf(config)));
  return hosts;
}

/**
 * Whether a request's `Host` names this site. `localPort` is the port the connection arrived on: loopback names
 * count with it only when the site is loopback (or `loopback` is an alias), so a test server on a free port and a
 * machine-local health check work without making loopback names valid on a public site.
 */
export function isSiteHost(site: SiteHosts, host: string | undefined, localPort: number | undefined): boolean {
  if (!host) return false;
  const name = host.trim().toLowerCase();
  if (site.hosts.has(name)) return true;
  return site.loopback && localPort !== undefined && LOOPBACK_NAMES.some((n) => name === `${n}:${localPort}`);
}

/** The origins a form may be sent from: the site's, the aliases', and loopback ones on the listening port. */
export function allowedOrigins(site: SiteHosts, localPort: number | undefined): string[] {
  if (!site.loopback || localPort === undefined) return site.origins;
  const local = LOOPBACK_NAMES.flatMap((n) => [`http://${n}:${localPort}`, `https://${n}:${localPort}`]);
  return [...site.origins, ...local];
}
