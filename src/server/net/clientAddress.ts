/**
 * The address of the person behind a request, for limits counted per address (sign-in attempts). Without a reverse
 * proxy it is the connection's own address. Behind one (nginx, a school's load balancer) every connection comes from
 * the proxy, so the whole school would share one counter: POTLUCK_TRUSTED_PROXIES names the proxies whose
 * `X-Forwarded-For` is believed. The header is read from the right (the entry the nearest proxy added) and the first
 * address that is not itself a trusted proxy is the client's; whatever a client writes there itself is ignored, as it
 * can only sit further left. From anyone else the header is ignored altogether.
 */
import { BlockList, isIP } from 'node:net';

/** The proxies whose X-Forwarded-For is believed: parsed POTLUCK_TRUSTED_PROXIES. */
export interface TrustedProxies {
  has(address: string): boolean;
  /** As configured, for messages. */
  readonly entries: string[];
}

/**
 * Strips what may come around an address: a port some proxies add (`1.2.3.4:5678`, `[2001:db8::1]:443`), brackets,
 * a zone id, and `::ffff:` for IPv4 on a dual-stack socket.
 */
function plain(address: string): string {
  const trimmed = address.trim();
  const withPort = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed) ?? /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(trimmed);
  const bare = (withPort ? withPort[1]! : trimmed).replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return mapped ? mapped[1] : bare;
}

/**
 * Parses a comma-separated list of addresses and CIDR ranges (`10.0.0.0/8`, `::1`, `fd00::/8`), or `loopback`.
 * Throws a message naming the entry that is not one.
 */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const list = new BlockList();
  const entries = (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? null : Number(bits);
    const max = family === 4 ? 32 : 128;
    if (!family || extra !== undefined || (prefix !== null && (!/^\d+$/.test(bits!) || prefix > max))) {
      throw new Error(`"${entry}" is not an IP address or a CIDR range (like 10.0.0.0/8 or fd00::/8), or "loopback".`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === null) list.addAddress(address, type);
    else list.addSubnet(address, prefix, type);
  }
  return {
    entries,
    has(address) {
      const ip = plain(address);
      const family = isIP(ip);
      return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** The client's address: the peer's, or from X-Forwarded-For when the peer is a trusted proxy. */
export function clientAddress(peer: string, forwardedFor: string | null | undefined, trusted: TrustedProxies): string {
  let address = plain(peer);
  if (!forwardedFor || !trusted.has(address)) return address;
  const hops = forwardedFor.split(',').map(plain);
  for (let i = hops.length - 1; i >= 0; i--) {
    // A hop that is not an address at all (a client's own garbage, an obfuscated name) ends the trust chain.
    if (!isIP(hops[i])) break;
    address = hops[i];
    if (!trusted.has(address)) break;
  }
  return address;
}
