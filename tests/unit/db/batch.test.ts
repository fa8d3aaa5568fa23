import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { transactionBatcher } from '../../../src/server/db/batch.ts';
import { createTestApp } from '../../helpers/server.ts';

const opened: AppContext[] = [];
afterEach(() => {
  for (const app of opened.splice(0)) app.db.$client.close();
});

function appWithTable(): AppContext {
  const app = createTestApp();
  opened.push(app);
  app.db.$client.exec('create table batch_test (v text not null)');
  return app;
}

const insert = (app: AppContext, v: string) => app.db.$client.prepare('insert into batch_test (v) values (?)').run(v);
const values = (app: AppContext) => (app.db.$client.prepare('select v from batch_test order by v').all() as { v: string }[]).map((r) => r.v);

describe('write transactions run together', () => {
  it('runs a lone caller’s work at once, in a transaction', async () => {
    const app = appWithTable();
    const ticket = transactionBatcher(app).expect();
    let inside: boolean | null = null;
    const result = ticket.run(() => {
      inside = app.db.$client.inTransaction;
      insert(app, 'a');
      return 7;
    });
    // Nobody else said they would need a transaction: nothing to wait for.
    expect(inside).toBe(true);
    await expect(result).resolves.toBe(7);
    ticket.done();
    expect(values(app)).toEqual(['a']);
  });

  it('waits for the callers still on their way, then commits their work together', async () => {
    const app = appWithTable();
    const other = createAppContext(loadConfig({ POTLUCK_DATA: app.config.dataDir }));
    opened.push(other);
    const batcher = transactionBatcher(app);
    const [first, second, third] = [batcher.expect(), batcher.expect(), batcher.expect()];
    const ran: string[] = [];
    const a = first.run(() => {
      ran.push('a');
      insert(app, 'a');
    });
    const b = second.run(() => {
      ran.push('b');
      insert(app, 'b');
    });
    expect(ran).toEqual([]);
    // The third caller needs none after all (a fetch that failed before it had anything to store): the batch runs.
    third.done();
    expect(ran).toEqual(['a', 'b']);
    await Promise.all([a, b]);
    expect(values(other)).toEqual(['a', 'b']);
  });

  it('rolls back only the work that threw; the others’ work commits', async () => {
    const app = appWithTable();
    const batcher = transactionBatcher(app);
    const tickets = [batcher.expect(), batcher.expect(), batcher.expect()];
    const results = tickets.map((ticket, i) =>
      ticket.run(() => {
        insert(app, `row ${i}`);
        if (i === 1) throw new Error('this merge failed');
        return i;
      }),
    );
    const settled = await Promise.allSettled(results);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('this merge failed');
    expect(values(app)).toEqual(['row 0', 'row 2']);
  });

  it('runs the waiting work a moment later when another caller takes long', async () => {
    const app = appWithTable();
    const batcher = transactionBatcher(app);
    const slow = batcher.expect();
    const quick = batcher.expect();
    await quick.run(() => insert(app, 'quick'));
    expect(values(app)).toEqual(['quick']);
    slow.done();
  });
});
