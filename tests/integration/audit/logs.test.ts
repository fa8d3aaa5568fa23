/**
 * The server's log lines are one JSON object a line with the audit log's redaction, and the retention sweep the
 * server starts runs soon after start-up and logs what it removed.
 */
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAuditSweeper } from '../../../src/server/audit/sweeper.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { auditEvents } from '../../../src/server/db/schema.ts';
import { createLogger } from '../../../src/server/logger.ts';
import { createTestApp } from '../../helpers/server.ts';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(...String(c).split('\n').filter(Boolean)));
  stderr.on('data', (c) => err.push(...String(c).split('\n').filter(Boolean)));
  return { stdout, stderr, out, err };
}

describe('the logger', () => {
  it('writes time, level, message, then fields; info to stdout, warnings and errors to stderr', () => {
    const streams = capture();
    const log = createLogger({ ...streams, now: () => new Date('2026-10-01T08:00:00Z') }).child({ component: 'poller' });
    log.info('Polled hub feeds', { feeds: 3 });
    log.error('The hub poller failed', { error: new Error('connect ECONNREFUSED') });
    expect(streams.out.map((l) => JSON.parse(l))).toEqual([{ time: '2026-10-01T08:00:00.000Z', level: 'info', message: 'Polled hub feeds', component: 'poller', feeds: 3 }]);
    const [line] = streams.err.map((l) => JSON.parse(l));
    expect(line).toMatchObject({ level: 'error', message: 'The hub poller failed', component: 'poller', error: { name: 'Error', message: 'connect ECONNREFUSED' } });
  });

  it('redacts secrets in fields and in the message, and a field cannot overwrite time, level or message', () => {
    const streams = capture();
    const log = createLogger(streams);
    log.warn('GitHub refused token ghp_abcdefghijklmnopqrstuvwxyz0123456789 for maya', {
      password: 'hunter2-hunter2',
      headers: { authorization: 'Bearer abcdefghijklmnop', cookie: 'potluck_session=xyz' },
      url: 'https://example.test/cb?code=abc123&state=1',
      level: 'debug',
    });
    const text = streams.err.join('\n');
    for (const secret of ['ghp_abcdef', 'hunter2', 'abcdefghijklmnop', 'potluck_session=xyz', 'code=abc123']) expect(text).not.toContain(secret);
    const line = JSON.parse(streams.err[0]);
    expect(line.level).toBe('warn');
    expect(line.message).toBe('GitHub refused token [redacted] for maya');
    expect(line.password).toBe('[redacted]');
  });
});

describe('the retention sweep', () => {
  let app: AppContext;
  beforeEach(() => {
    app = createTestApp();
  });
  afterEach(() => app.db.$client.close());

  it('runs soon after start-up, removes only what is past retention, and logs it as JSON', async () => {
    const day = 86_400_000;
    app.db.insert(auditEvents).values({ id: 'ancient', at: new Date(Date.now() - 400 * day), action: 'signin.succeeded', details: {} }).run();
    app.db.insert(auditEvents).values({ id: 'fresh', at: new Date(Date.now() - 10 * day), action: 'signin.succeeded', details: {} }).run();
    const streams = capture();
    const sweeper = startAuditSweeper(app, { firstMs: 5, logger: createLogger(streams) });
    try {
      await expect.poll(() => app.db.select().from(auditEvents).all().some((e) => e.id === 'ancient')).toBe(false);
      await expect.poll(() => streams.out.length).toBe(1);
      const ids = app.db.select().from(auditEvents).all().map((e) => e.action === 'audit.pruned' ? 'pruned' : e.id).sort();
      expect(ids).toEqual(['fresh', 'pruned']);
      expect(JSON.parse(streams.out[0])).toMatchObject({ level: 'info', message: 'Removed old audit events', component: 'audit', removed: 1, retentionDays: 365 });
    } finally {
      sweeper.stop();
    }
  });
});
