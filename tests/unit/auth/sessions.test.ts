/** Session expiry with a clock the test controls: sliding renewal, idle expiry and the absolute maximum age. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../../../src/commands/userCreator.ts';
import type { AppContext } from '../../../src/server/context.ts';
import {
  SESSION_IDLE_MS,
  SESSION_MAX_AGE_MS,
  createSession,
  generateSessionToken,
  sessionIdFromToken,
  validateSessionToken,
} from '../../../src/server/auth/sessions.ts';
import { sessions } from '../../../src/server/db/schema.ts';
import { createTestApp } from '../../helpers/server.ts';

const DAY = 24 * 60 * 60 * 1000;
let clock: number;
let app: AppContext;
let userId: string;

beforeEach(async () => {
  clock = Date.UTC(2025, 0, 1);
  const base = createTestApp();
  app = { ...base, now: () => new Date(clock) };
  userId = (await createUser(app, { handle: 'ada', name: 'Ada', role: 'student' })).id;
});
afterEach(() => app.db.$client.close());

describe('session tokens', () => {
  it('are 160-bit random tokens stored only as their SHA-256', () => {
    const token = generateSessionToken();
    // 20 bytes in base32 = 32 characters.
    expect(token).toMatch(/^[a-z2-7]{32}$/);
    expect(generateSessionToken()).not.toBe(token);
    createSession(app, token, userId);
    const rows = app.db.select().from(sessions).all();
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe(sessionIdFromToken(token));
    expect(rows[0].id).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);
  });
});

describe('validateSessionToken', () => {
  it('keeps a fresh session without renewing it', () => {
    const token = generateSessionToken();
    const created = createSession(app, token, userId);
    clock += 1 * DAY;
    const result = validateSessionToken(app, token);
    expect(result.user?.handle).toBe('ada');
    expect(result.renewed).toBe(false);
    expect(result.session?.expiresAt.getTime()).toBe(created.expiresAt.getTime());
  });

  it('slides the expiry forward when a session is used in its second half', () => {
    const token = generateSessionToken();
    createSession(app, token, userId);
    clock += 20 * DAY;
    const result = validateSessionToken(app, token);
    expect(result.renewed).toBe(true);
    expect(result.session?.expiresAt.getTime()).toBe(clock + SESSION_IDLE_MS);
    // Used regularly, it outlives the first 30-day window.
    clock += 20 * DAY;
    expect(validateSessionToken(app, token).user?.handle).toBe('ada');
  });

  it('ends a session left unused for 30 days', () => {
    const token = generateSessionToken();
    createSession(app, token, userId);
    clock += SESSION_IDLE_MS;
    expect(validateSessionToken(app, token).session).toBeNull();
    // And it is gone from the database, so a later clock cannot revive it.
    expect(app.db.select().from(sessions).all()).toHaveLength(0);
  });

  it('ends a session at its absolute maximum age however often it is used', () => {
    const token = generateSessionToken();
    const start = clock;
    createSession(app, token, userId);
    while (clock + 14 * DAY < start + SESSION_MAX_AGE_MS) {
      clock += 14 * DAY;
      const result = validateSessionToken(app, token);
      expect(result.session).not.toBeNull();
      // Renewal never promises more than the maximum age.
      expect(result.session!.expiresAt.getTime()).toBeLessThanOrEqual(start + SESSION_MAX_AGE_MS);
    }
    clock = start + SESSION_MAX_AGE_MS;
    expect(validateSessionToken(app, token).session).toBeNull();
  });

  it('refuses an unknown token', () => {
    createSession(app, generateSessionToken(), userId);
    expect(validateSessionToken(app, generateSessionToken()).user).toBeNull();
  });
});
