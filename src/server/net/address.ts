/**
 * Which IP addresses Potluck may connect to. Everything that leaves the machine goes through safeFetch, and
 * safeFetch asks this module about every address it is about to use: the IP literal in a URL, every address a
 * hostname resolves to, and the address the socket actually connected to.
 *
 * The rule is an allowlist in spirit: IPv4 is public unless it falls in a special-purpose block of the IANA
 * registry; IPv6 is refused unless it is global unicast (2000::/3) outside the special blocks inside it. Addresses
 * that embed an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) are refused outright: they are
 * the classic way to smuggle `127.0.0.1` past a filter that only reads IPv4.
 */
import { isIP } from 'node:net';

/** What kind of address this is, named after the IANA special-purpose registry entries. */
export type AddressRange =
  | 'public'
  | 'this-network'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'unique-local'
  | 'cgnat'
  | 'link-local'
  | 'site-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'ietf-protocol'
  | '6to4-relay'
  | 'ipv4-mapped'
  | 'ipv4-compatible'
  | 'nat64'
  | '6to4'
  | 'teredo'
  | 'discard-only'
  | 'not-global-unicast'
  | 'invalid';

/**
 * `public`: anyone may fetch it. `local`: a machine on the operator's own networks, allowed only when the
 * instance is configured with POTLUCK_ALLOW_PRIVATE_NETWORKS (tests, a demo on a laptop). `never`: refused always
 * (cloud metadata on link-local, multicast, unspecified, addresses that embed another address).
 */
export type AddressScope = 'public' | 'local' | 'never';

/** The verdict on one address. */
export interface AddressClass {
  /** The address in canonical form (IPv6 lowercase and fully expanded to groups, zone removed). */
  address: string;
  family: 4 | 6 | 0;
  range: AddressRange;
  scope: AddressScope;
}

interface Block {
  /** Network as a bigint of the family's width. */
  network: bigint;
  prefix: number;
  range: AddressRange;
  scope: AddressScope;
}

const LOCAL_RANGES: ReadonlySet<AddressRange> = new Set(['loopback', 'private', 'unique-local']);

function block(cidr: string, range: AddressRange): Block {
  const [ip, prefixText] = cidr.split('/') as [string, string];
  const value = isIP(ip) === 4 ? ipv4ToBigInt(ip) : ipv6ToBigInt(ip);
  if (value === undefined) throw new Error(`Bad CIDR in the address table: ${cidr}`);
  return { network: value, prefix: Number(prefixText), range, scope: LOCAL_RANGES.has(range) ? 'local' : 'never' };
}

// Most specific first: the first match names the range.
const IPV4_BLOCKS: Block[] = [
  block('255.255.255.255/32', 'broadcast'),
  block('0.0.0.0/32', 'unspecified'),
  block('0.0.0.0/8', 'this-network'),
  block('10.0.0.0/8', 'private'),
  block('100.64.0.0/10', 'cgnat'),
  block('127.0.0.0/8', 'loopback'),
  block('169.254.0.0/16', 'link-local'),
  block('172.16.0.0/12', 'private'),
  block('192.0.0.0/24', 'ietf-protocol'),
  block('192.0.2.0/24', 'documentation'),
  block('192.88.99.0/24', '6to4-relay'),
  block('192.168.0.0/16', 'private'),
  block('198.18.0.0/15', 'benchmarking'),
  block('198.51.100.0/24', 'documentation'),
  block('203.0.113.0/24', 'documentation'),
  block('224.0.0.0/4', 'multicast'),
  block('240.0.0.0/4', 'reserved'),
];

const IPV6_BLOCKS: Block[] = [
  block('::/128', 'unspecified'),
  block('::1/128', 'loopback'),
  block('::ffff:0:0/96', 'ipv4-mapped'),
  block('::/96', 'ipv4-compatible'),
  block('64:ff9b::/96', 'nat64'),
  block('64:ff9b:1::/48', 'nat64'),
  block('100::/64', 'discard-only'),
  block('2001::/32', 'teredo'),
  block('2001:db8::/32', 'documentation'),
  block('2001::/23', 'ietf-protocol'),
  block('2002::/16', '6to4'),
  block('3fff::/20', 'documentation'),
  block('fc00::/7', 'unique-local'),
  block('fe80::/10', 'link-local'),
  block('fec0::/10', 'site-local'),
  block('ff00::/8', 'multicast'),
];

const GLOBAL_UNICAST = block('2000::/3', 'public');

function inBlock(value: bigint, width: number, b: Block): boolean {
  const shift = BigInt(width - b.prefix);
  return value >> shift === b.network >> shift;
}

function ipv4ToBigInt(ip: string): bigint | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function ipv6ToBigInt(input: string): bigint | undefined {
  let ip = input;
  // A trailing dotted quad (::ffff:127.0.0.1) counts as the last two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) {
    const v4 = ipv4ToBigInt(dotted[1]!);
    if (v4 === undefined) return undefined;
    ip = `${ip.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = ip.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

function bigIntToIpv6(value: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
}

/**
 * Classifies one IP address (IPv4 dotted, or IPv6 in any spelling, with or without brackets or a zone). Anything
 * that is not an IP address is `invalid` and `never` allowed, so a caller cannot mistake a hostname for a verdict.
 */
export function classifyAddress(input: string): AddressClass {
  const ip = input
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const family = isIP(ip);
  if (family === 4) {
    const value = ipv4ToBigInt(ip)!;
    const hit = IPV4_BLOCKS.find((b) => inBlock(value, 32, b));
    return { address: ip, family: 4, range: hit?.range ?? 'public', scope: hit?.scope ?? 'public' };
  }
  if (family === 6) {
    const value = ipv6ToBigInt(ip);
    if (value === undefined) return { address: ip, family: 0, range: 'invalid', scope: 'never' };
    const address = bigIntToIpv6(value);
    const hit = IPV6_BLOCKS.find((b) => inBlock(value, 128, b));
    if (hit?.range === 'ipv4-mapped') {
      // The operating system may report a loopback peer as ::ffff:127.0.0.1 on a dual-stack socket, so a mapped
      // loopback or private address is as local as the address it wraps; a mapped public one is still refused.
      const inner = classifyAddress(bigIntToIpv4(value & 0xffffffffn));
      return { address, family: 6, range: 'ipv4-mapped', scope: inner.scope === 'local' ? 'local' : 'never' };
    }
    if (hit) return { address, family: 6, range: hit.range, scope: hit.scope };
    if (!inBlock(value, 128, GLOBAL_UNICAST)) {
      return { address, family: 6, range: 'not-global-unicast', scope: 'never' };
    }
    return { address, family: 6, range: 'public', scope: 'public' };
  }
  return { address: ip, family: 0, range: 'invalid', scope: 'never' };
}

/** The connection policy safeFetch applies: public addresses always, local ones only when the instance allows. */
export function isAddressAllowed(address: string, options: { allowPrivateNetworks?: boolean } = {}): boolean {
  const { scope } = classifyAddress(address);
  return scope === 'public' || (scope === 'local' && options.allowPrivateNetworks === true);
}

const RANGE_WORDS: Record<AddressRange, string> = {
  public: 'a public address',
  'this-network': 'a "this network" address (0.0.0.0/8)',
  unspecified: 'the unspecified address',
  loopback: 'the server itself (loopback)',
  private: 'a private network',
  'unique-local': 'a private IPv6 network (unique-local)',
  cgnat: "a carrier's internal network (CGNAT)",
  'link-local': 'a link-local address (used for cloud metadata and local links)',
  'site-local': 'a site-local IPv6 address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  documentation: 'an address reserved for documentation examples',
  benchmarking: 'an address reserved for network benchmarks',
  'ietf-protocol': 'an address reserved for network protocols',
  '6to4-relay': 'a 6to4 relay address',
  'ipv4-mapped': 'an IPv4 address wrapped in IPv6 (IPv4-mapped)',
  'ipv4-compatible': 'an IPv4 address wrapped in IPv6 (IPv4-compatible)',
  nat64: 'an IPv4 address wrapped in IPv6 (NAT64)',
  '6to4': 'an IPv4 address wrapped in IPv6 (6to4)',
  teredo: 'a Teredo tunnel address',
  'discard-only': 'a discard-only address',
  'not-global-unicast': 'an IPv6 address outside the public internet range',
  invalid: 'something that is not an internet address',
};

/** Plain words for where an address points, for messages a teacher reads. */
export function describeRange(range: AddressRange): string {
  return RANGE_WORDS[range];
}
