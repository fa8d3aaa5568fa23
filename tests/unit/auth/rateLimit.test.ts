/** Fixed-window counters: the limit, the window, giving an attempt back, and how addresses are grouped. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../../src/server/context.ts';
import {
  addressBucket,
  clearRateLimit,
  rateLimitStatus,
  releaseAttempt,
  reserveAttempt,
  signInAddressKey,
} from '../../../src/server/auth/rateLimit.ts';
import { createTestApp } from '../../helpers/server.ts';

const MINUTE = 60_000;
const rule = { limit: 3, windowMs: 15 * MINUTE };
let clock: number;
let app: AppContext;

beforeEach(() => {
  clock = Date.UTC(2025, 0, 1);
  app = { ...createTestApp(), now: () => new Date(clock) };
});
afterEach(() => app.db.$client.close());

describe('reserveAttempt', () => {
  it('allows `limit` attempts per window, then refuses without counting', () => {
    expect([1, 2, 3].map(() => reserveAttempt(app, 'k', rule))).toEqual([true, true, true]);
    expect(reserveAttempt(app, 'k', rule)).toBe(false);
    expect(rateLimitStatus(app, 'k', rule)).toMatchObject({ count: 3, limited: true });
    expect(rateLimitStatus(app, 'k', rule).resetAt?.getTime()).toBe(clock + rule.windowMs);
  });

  it('starts over when the window has passed', () => {
    for (let i = 0; i < 3; i++) reserveAttempt(app, 'k', rule);
    clock += rule.windowMs - 1;
    expect(reserveAttempt(app, 'k', rule)).toBe(false);
    clock += 1;
    expect(reserveAttempt(app, 'k', rule)).toBe(true);
    expect(rateLimitStatus(app, 'k', rule).count).toBe(1);
  });

  it('counts keys separately', () => {
    for (let i = 0; i < 3; i++) reserveAttempt(app, 'a', rule);
    expect(reserveAttempt(app, 'b', rule)).toBe(true);
  });

  it('gives an attempt back on release, and forgets everything on clear', () => {
    for (let i = 0; i < 3; i++) reserveAttempt(app, 'k', rule);
    releaseAttempt(app, 'k');
    expect(reserveAttempt(app, 'k', rule)).toBe(true);
    expect(reserveAttempt(app, 'k', rule)).toBe(false);
    clearRateLimit(app, 'k');
    expect(rateLimitStatus(app, 'k', rule)).toEqual({ count: 0, limited: false, resetAt: null });
  });
});

describe('addressBucket', () => {
  it('counts IPv4 addresses singly, including IPv4-mapped IPv6', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 addresses by their /64, however they are written', () => {
    const a = addressBucket('2001:db8:0:1::1');
    expect(a).toBe('2001:db8:0:1::/64');
    expect(addressBucket('2001:0DB8:0000:0001:ffff:ffff:ffff:ffff')).toBe(a);
    expect(addressBucket('2001:db8:0:2::1')).not.toBe(a);
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(signInAddressKey('2001:db8:0:1::2')).toBe(signInAddressKey('2001:db8:0:1::3'));
  });
});
