import { describe, expect, it } from 'vitest';
import { classifyAddress, isAddressAllowed } from '../../../src/server/net/address.ts';
import type { AddressRange, AddressScope } from '../../../src/server/net/address.ts';

// Every range safeFetch must refuse, in the spellings an attacker (or a resolver, or a dual-stack socket) produces.
const table: Array<[address: string, range: AddressRange, scope: AddressScope]> = [
  // IPv4: this network, unspecified, broadcast
  ['0.0.0.0', 'unspecified', 'never'],
  ['0.1.2.3', 'this-network', 'never'],
  ['255.255.255.255', 'broadcast', 'never'],
  // loopback, the whole /8
  ['127.0.0.1', 'loopback', 'local'],
  ['127.255.255.254', 'loopback', 'local'],
  // private (RFC 1918), at both edges of each block
  ['10.0.0.0', 'private', 'local'],
  ['10.255.255.255', 'private', 'local'],
  ['172.16.0.1', 'private', 'local'],
  ['172.31.255.255', 'private', 'local'],
  ['192.168.0.1', 'private', 'local'],
  ['192.168.255.255', 'private', 'local'],
  // link-local incl. cloud metadata, CGNAT
  ['169.254.169.254', 'link-local', 'never'],
  ['169.254.0.1', 'link-local', 'never'],
  ['100.64.0.1', 'cgnat', 'never'],
  ['100.127.255.255', 'cgnat', 'never'],
  // multicast, reserved
  ['224.0.0.1', 'multicast', 'never'],
  ['239.255.255.250', 'multicast', 'never'],
  ['240.0.0.1', 'reserved', 'never'],
  // documentation, benchmarking, protocol assignments, 6to4 relay
  ['192.0.2.10', 'documentation', 'never'],
  ['198.51.100.7', 'documentation', 'never'],
  ['203.0.113.200', 'documentation', 'never'],
  ['198.18.0.1', 'benchmarking', 'never'],
  ['198.19.255.255', 'benchmarking', 'never'],
  ['192.0.0.8', 'ietf-protocol', 'never'],
  ['192.88.99.1', '6to4-relay', 'never'],
  // public IPv4, including neighbours of the blocks above
  ['93.184.216.34', 'public', 'public'],
  ['8.8.8.8', 'public', 'public'],
  ['172.15.255.255', 'public', 'public'],
  ['172.32.0.0', 'public', 'public'],
  ['100.63.255.255', 'public', 'public'],
  ['100.128.0.0', 'public', 'public'],
  ['11.0.0.1', 'public', 'public'],
  ['223.255.255.255', 'public', 'public'],
  // IPv6 unspecified and loopback, in short and long spellings
  ['::', 'unspecified', 'never'],
  ['0:0:0:0:0:0:0:0', 'unspecified', 'never'],
  ['::1', 'loopback', 'local'],
  ['0:0:0:0:0:0:0:1', 'loopback', 'local'],
  ['[::1]', 'loopback', 'local'],
  // IPv4-mapped: dotted and hex spellings; local when it wraps a local address, never otherwise
  ['::ffff:127.0.0.1', 'ipv4-mapped', 'local'],
  ['::ffff:7f00:1', 'ipv4-mapped', 'local'],
  ['0:0:0:0:0:ffff:7f00:0001', 'ipv4-mapped', 'local'],
  ['::FFFF:10.0.0.1', 'ipv4-mapped', 'local'],
  ['::ffff:169.254.169.254', 'ipv4-mapped', 'never'],
  ['::ffff:93.184.216.34', 'ipv4-mapped', 'never'],
  // IPv4-compatible (deprecated) and NAT64
  ['::127.0.0.1', 'ipv4-compatible', 'never'],
  ['::7f00:1', 'ipv4-compatible', 'never'],
  ['64:ff9b::127.0.0.1', 'nat64', 'never'],
  ['64:ff9b::7f00:1', 'nat64', 'never'],
  ['64:ff9b:1::a00:1', 'nat64', 'never'],
  // 6to4, Teredo, documentation, protocol assignments, discard
  ['2002:7f00:1::1', '6to4', 'never'],
  ['2001:0:4136:e378::1', 'teredo', 'never'],
  ['2001:db8::1', 'documentation', 'never'],
  ['3fff::1', 'documentation', 'never'],
  ['2001:10::1', 'ietf-protocol', 'never'],
  ['100::1', 'discard-only', 'never'],
  // unique-local, link-local (with a zone), site-local, multicast
  ['fc00::1', 'unique-local', 'local'],
  ['fd12:3456:789a::1', 'unique-local', 'local'],
  ['fe80::1', 'link-local', 'never'],
  ['fe80::1%eth0', 'link-local', 'never'],
  ['febf:ffff::1', 'link-local', 'never'],
  ['fec0::1', 'site-local', 'never'],
  ['ff02::1', 'multicast', 'never'],
  ['ff05::1:3', 'multicast', 'never'],
  // outside 2000::/3 and not named above
  ['4000::1', 'not-global-unicast', 'never'],
  ['::2', 'ipv4-compatible', 'never'],
  // public IPv6
  ['2606:4700:4700::1111', 'public', 'public'],
  ['2a00:1450:4001:80b::200e', 'public', 'public'],
  ['[2606:4700::6810:85e5]', 'public', 'public'],
  // not addresses at all
  ['localhost', 'invalid', 'never'],
  ['2130706433', 'invalid', 'never'],
  ['0x7f.1', 'invalid', 'never'],
  ['127.1', 'invalid', 'never'],
  ['1:2:3:4:5:6:7:8:9', 'invalid', 'never'],
];

describe('classifyAddress', () => {
  it.each(table)('%s is %s (%s)', (address, range, scope) => {
    const verdict = classifyAddress(address);
    expect({ range: verdict.range, scope: verdict.scope }).toEqual({ range, scope });
  });

  it('canonicalises IPv6 so that spellings of one address compare equal', () => {
    expect(classifyAddress('::ffff:127.0.0.1').address).toBe(classifyAddress('0:0:0:0:0:ffff:7f00:1').address);
  });
});

describe('isAddressAllowed', () => {
  it('allows public addresses and refuses local ones by default', () => {
    expect(isAddressAllowed('93.184.216.34')).toBe(true);
    expect(isAddressAllowed('127.0.0.1')).toBe(false);
    expect(isAddressAllowed('::ffff:127.0.0.1')).toBe(false);
    expect(isAddressAllowed('10.1.2.3')).toBe(false);
  });

  it('lets POTLUCK_ALLOW_PRIVATE_NETWORKS open loopback and private networks but never cloud metadata', () => {
    const open = { allowPrivateNetworks: true };
    expect(isAddressAllowed('127.0.0.1', open)).toBe(true);
    expect(isAddressAllowed('::1', open)).toBe(true);
    expect(isAddressAllowed('::ffff:127.0.0.1', open)).toBe(true);
    expect(isAddressAllowed('192.168.1.20', open)).toBe(true);
    expect(isAddressAllowed('169.254.169.254', open)).toBe(false);
    expect(isAddressAllowed('::ffff:169.254.169.254', open)).toBe(false);
    expect(isAddressAllowed('0.0.0.0', open)).toBe(false);
    expect(isAddressAllowed('::', open)).toBe(false);
    expect(isAddressAllowed('64:ff9b::7f00:1', open)).toBe(false);
    expect(isAddressAllowed('224.0.0.1', open)).toBe(false);
  });
});
