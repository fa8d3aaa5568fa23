// Whole-site and archive downloads: one of each kind at a time per account, and a budget per hour.
import { afterAll, describe, expect, it } from 'vitest';
import { PotluckError } from '../../../src/core/errors.ts';
import { DOWNLOAD_RULE, beginDownload } from '../../../src/server/http/downloadLimits.ts';
import { createTestApp } from '../../helpers/server.ts';

const app = createTestApp();
afterAll(() => app.db.$client.close());

function refusal(fn: () => unknown): PotluckError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PotluckError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('beginDownload', () => {
  it('refuses a second download of the same kind while the first runs, and frees the slot when it ends', () => {
    const first = beginDownload(app, 'user-a', 'site');
    const busy = refusal(() => beginDownload(app, 'user-a', 'site'));
    expect(busy.status).toBe(429);
    expect(busy.message).toMatch(/already being prepared/);
    // Other kinds and other people are not held up.
    beginDownload(app, 'user-a', 'archive').end();
    beginDownload(app, 'user-b', 'site').end();
    first.end();
    first.end();
    beginDownload(app, 'user-a', 'site').end();
  });

  it('allows DOWNLOAD_RULE.limit downloads an hour per account and kind, then says when to try again', () => {
    let started = 0;
    for (; started < DOWNLOAD_RULE.limit + 5; started++) {
      try {
        beginDownload(app, 'user-c', 'archive').end();
      } catch (error) {
        expect(error).toBeInstanceOf(PotluckError);
        expect((error as PotluckError).status).toBe(429);
        expect((error as PotluckError).message).toMatch(/Try again in an hour/);
        break;
      }
    }
    expect(started).toBe(DOWNLOAD_RULE.limit);
    beginDownload(app, 'user-c', 'site').end();
  });
});
