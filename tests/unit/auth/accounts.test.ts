/** Pure account rules: join code format and typing, the safe `next` path after sign-in, join code states. */
import { describe, expect, it } from 'vitest';
import { generateJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import {
  JOIN_CODE_ALPHABET,
  joinCodeInputSchema,
  joinCodeState,
  normalizeJoinCode,
  safeNextPath,
} from '../../../src/core/accounts.ts';

describe('join codes', () => {
  it('are three groups of four from a 32-letter alphabet without look-alikes (60 bits)', () => {
    expect(JOIN_CODE_ALPHABET).toHaveLength(32);
    expect(new Set(JOIN_CODE_ALPHABET).size).toBe(32);
    for (const confusing of ['I', 'L', 'O', 'U']) expect(JOIN_CODE_ALPHABET).not.toContain(confusing);
    const codes = Array.from({ length: 200 }, generateJoinCode);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(new Set(codes).size).toBe(codes.length);
    // 12 characters × log2(32) bits each.
    expect(12 * Math.log2(JOIN_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(60);
  });

  it('accept what people actually type: lower case, spaces, no dashes, O for 0 and I/L for 1', () => {
    expect(normalizeJoinCode('abcd-efgh-jkmn')).toBe('ABCD-EFGH-JKMN');
    expect(normalizeJoinCode(' abcd efgh jkmn ')).toBe('ABCD-EFGH-JKMN');
    expect(normalizeJoinCode('ABCDEFGHJKMN')).toBe('ABCD-EFGH-JKMN');
    expect(normalizeJoinCode('OOII-LL00-1234')).toBe('0011-1100-1234');
  });

  it('reject input that cannot be a code, with a message that shows the shape', () => {
    expect(normalizeJoinCode('ABCD-EFGH')).toBeNull();
    expect(normalizeJoinCode('ABCD-EFGH-JKMU')).toBeNull();
    const parsed = joinCodeInputSchema.safeParse('hello');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toContain('ABCD-EFGH-JKMN');
  });

  it('are usable only while not revoked, not expired and not used up', () => {
    const now = new Date('2025-03-01T00:00:00Z');
    const base = { revokedAt: null, expiresAt: new Date('2025-03-02T00:00:00Z'), maxUses: 2, uses: 1 };
    expect(joinCodeState(base, now)).toBe('active');
    expect(joinCodeState({ ...base, maxUses: null, uses: 500 }, now)).toBe('active');
    expect(joinCodeState({ ...base, uses: 2 }, now)).toBe('used-up');
    expect(joinCodeState({ ...base, expiresAt: now }, now)).toBe('expired');
    expect(joinCodeState({ ...base, revokedAt: now }, now)).toBe('revoked');
  });
});

describe('safeNextPath', () => {
  it('keeps paths on this site, with their query and fragment', () => {
    expect(safeNextPath('/account')).toBe('/account');
    expect(safeNextPath('/workspace/artifacts?tag=lab#top')).toBe('/workspace/artifacts?tag=lab#top');
    expect(safeNextPath('/@ada/my-post/')).toBe('/@ada/my-post/');
  });

  it.each([
    '//evil.example',
    '//evil.example/path',
    'https://evil.example',
    'http://evil.example/workspace',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    'javascript:alert(1)',
    'workspace',
    '',
  ])('sends %j to the workspace instead', (next) => {
    expect(safeNextPath(next)).toBe('/workspace');
  });

  it('falls back when there is no next at all', () => {
    expect(safeNextPath(null)).toBe('/workspace');
    expect(safeNextPath(undefined, '/')).toBe('/');
  });
});
