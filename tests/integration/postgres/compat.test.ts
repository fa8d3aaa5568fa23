/**
 * The PostgreSQL connection behind better-sqlite3's API (src/server/db/pg/): SQLite's SQL as PostgreSQL's, rows
 * shaped as SQLite gives them, transactions that nest and roll back, one writer at a time across connections, and
 * errors named as SQLite names them. On a real PostgreSQL.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { isPg, PgDatabase, toPostgres } from '../../../src/server/db/pg/compat.ts';
import { postgresMissing, postgresSkipNote, startPostgres, type TestPostgres } from '../../support/postgres.ts';

describe('SQLite SQL as PostgreSQL SQL', () => {
  it('numbers positional parameters and names named ones once each, leaving strings and quoted names alone', () => {
    expect(toPostgres("select ? as a, '?' as b, \"x?\" from t where c = ? and d like ?")).toMatchObject({
      text: `select $1 as a, '?' as b, "x?" from t where c = $2 and d ilike $3`,
      positional: 3,
      names: null,
    });
    expect(toPostgres('select * from t where a = @owner or b = @owner or c = :other')).toMatchObject({
      text: 'select * from t where a = $1 or b = $1 or c = $2',
      names: ['owner', 'other'],
    });
  });

  it('spells what SQLite has and PostgreSQL lacks', () => {
    const cases: [string, string][] = [
      ['insert or ignore into t (a) values (?)', 'insert into t (a) values ($1) on conflict do nothing'],
      ['insert or ignore into t (a) values (?) returning a', 'insert into t (a) values ($1) on conflict do nothing returning a'],
      ['insert into "s" ("key") values (?) on conflict ("s"."key") do update set "v" = ?', 'insert into "s" ("key") values ($1) on conflict ("key") do update set "v" = $2'],
      ['select value from json_each(?)', 'select value from json_array_elements_text(($1)::json)'],
      ['select max(a, ?), max(b), min(c, d), ifnull(e, 0) from t', 'select greatest(a, $1), max(b), least(c, d), coalesce(e, 0) from t'],
      ['select coalesce(sum("read_at" is null), 0), sum(bytes) from n', 'select coalesce(sum(("read_at" is null)::int), 0), sum(bytes) from n'],
      ["select json_extract(t.thumb, '$.file') from t", `select ((t.thumb)::json->>'file') from t`],
      ["select strftime('%Y', d / 1000, 'unixepoch') from t", `select to_char(to_timestamp( d / 1000), 'YYYY') from t`],
      ['select a from t where +t.v in (?) and x = 1 + 2 limit -1 offset ?', 'select a from t where t.v in ($1) and x = 1 + 2 limit all offset $2'],
      ['select a.works as worksAt from (select 1 as works) a order by worksAt', 'select a.works as "worksAt" from (select 1 as works) a order by "worksAt"'],
      ['select cast(x as INTEGER) from t', 'select cast(x as INTEGER) from t'],
    ];
    for (const [sqlite, postgres] of cases) expect(toPostgres(sqlite).text, sqlite).toBe(postgres);
  });

  it('refuses what it cannot spell, saying what', () => {
    expect(() => toPostgres('insert or replace into t (a) values (?)')).toThrow(/INSERT OR replace has no PostgreSQL spelling; use ON CONFLICT/);
    expect(() => toPostgres("select json_extract(a, '$.b[0]') from t")).toThrow(/json_extract with the path \$\.b\[0\]/);
  });
});

describe('a DATABASE_URL that does not work', () => {
  it('is refused with a message that says what to fix, exit 1, and the password hidden', async () => {
    const dataDir = tempDataDir();
    try {
      const wrong = await runCli(['user', 'list'], { env: { POTLUCK_DATA: dataDir, DATABASE_URL: 'mysql://potluck:s3cret@db/potluck' } });
      expect(wrong.code).toBe(1);
      expect(wrong.err).toContain('DATABASE_URL must be a postgres:// URL');
      const unreachable = await runCli(['user', 'list'], { env: { POTLUCK_DATA: dataDir, DATABASE_URL: 'postgres://potluck:s3cret@127.0.0.1:1/potluck' } });
      expect(unreachable.code).toBe(1);
      expect(unreachable.err).toContain('Cannot reach PostgreSQL at postgres://potluck:***@127.0.0.1:1/potluck');
      expect(unreachable.err).toContain('Check DATABASE_URL');
      expect(wrong.err + unreachable.err).not.toContain('s3cret');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(postgresMissing)(`the PostgreSQL connection ${postgresSkipNote}`, () => {
  let server: TestPostgres;
  let db: PgDatabase;

  beforeAll(async () => {
    server = await startPostgres('compat');
    db = new PgDatabase(server.url);
    db.exec('create table t (id integer primary key, name text not null unique, flag boolean not null default false, big bigint, n numeric)');
  });

  afterAll(async () => {
    db?.close();
    await server?.stop();
  });

  it('answers with rows as SQLite shapes them: objects, arrays, single values; numbers and 1 or 0', () => {
    expect(isPg(db)).toBe(true);
    expect(db.prepare('insert into t (id, name, flag, big, n) values (?, ?, ?, ?, ?)').run(1, 'one', 1, 1_796_344_800_831, 2.5)).toEqual({ changes: 1, lastInsertRowid: 0 });
    expect(db.prepare('select id, name, flag, big, n from t where id = ?').get(1)).toEqual({ id: 1, name: 'one', flag: 1, big: 1_796_344_800_831, n: 2.5 });
    expect(db.prepare('select id, flag from t').raw().all()).toEqual([[1, 1]]);
    expect(db.prepare('select count(*) from t').pluck().get()).toBe(1);
    expect(db.prepare('select name from t where id = @id').pluck().get({ id: 1 })).toBe('one');
    expect(db.prepare('select name from t where id = ?').get(99)).toBeUndefined();
  });

  it('says which parameters are missing or too many', () => {
    expect(() => db.prepare('select ? + ?').get(1)).toThrow(/Too few parameter values were provided \(1 for 2\)/);
    expect(() => db.prepare('select name from t where id = @id').get({ other: 1 })).toThrow(/Missing named parameter "id"/);
  });

  it('names a unique clash as SQLite does, with the statement in the message', () => {
    let caught: { code?: string; pgCode?: string; message: string } | undefined;
    try {
      db.prepare('insert into t (id, name) values (?, ?)').run(2, 'one');
    } catch (error) {
      caught = error as typeof caught;
    }
    expect(caught).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE', pgCode: '23505' });
    expect(caught!.message).toContain('insert into t (id, name) values ($1, $2)');
  });

  it('rolls a transaction back whole on a throw, and an inner savepoint alone', () => {
    const insert = db.prepare('insert into t (id, name) values (?, ?)');
    expect(() =>
      db.transaction(() => {
        insert.run(10, 'ten');
        throw new Error('changed my mind');
      }).immediate(),
    ).toThrow('changed my mind');
    expect(db.inTransaction).toBe(false);
    db.transaction(() => {
      insert.run(11, 'eleven');
      expect(() =>
        db.transaction(() => {
          insert.run(12, 'twelve');
          insert.run(13, 'eleven'); // a unique clash inside the savepoint
        })(),
      ).toThrow(/duplicate key/);
      insert.run(14, 'fourteen');
    })();
    expect(db.prepare('select id from t where id >= 10 order by id').pluck().all()).toEqual([11, 14]);
    expect(() => db.transaction(async () => undefined)()).toThrow('Transaction function cannot return a promise');
    expect(db.inTransaction).toBe(false);
  });

  it('connects again after its connection is lost (PostgreSQL restarted, a backend killed)', async () => {
    const pid = db.prepare('select pg_backend_pid()').pluck().get() as number;
    await server.query('select pg_terminate_backend($1)', [pid], 'compat');
    // The loss reaches the connection as PostgreSQL's notice, or as the error of the first query after it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    let answer: unknown;
    try {
      answer = db.prepare('select count(*) from t').pluck().get();
    } catch {
      answer = db.prepare('select count(*) from t').pluck().get();
    }
    expect(answer).toBeGreaterThan(0);
    expect(db.prepare('select pg_backend_pid()').pluck().get()).not.toBe(pid);
  });

  it('keeps the first error of a transaction whose connection is lost, and goes on on a new one', () => {
    expect(() =>
      db.transaction(() => {
        db.prepare('update t set name = name where id = 1').run();
        db.prepare('select pg_terminate_backend(pg_backend_pid())').get();
      })(),
    ).toThrow(/terminating connection due to administrator command/);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare('select count(*) from t').pluck().get()).toBeGreaterThan(0);
  });

  it('counts written rows as total_changes() does', () => {
    const before = db.totalChanges;
    db.prepare('update t set flag = ? where id in (11, 14)').run(1);
    db.prepare('select * from t').all();
    expect(db.totalChanges - before).toBe(2);
  });

  it("lets one writer at a time through: a second connection's transaction starts after the first one ends", async () => {
    db.exec('create table seen (who text not null, at timestamptz not null default clock_timestamp())');
    // A second connection in another process's place: on a worker of its own, told when to start.
    const { Worker } = await import('node:worker_threads');
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.compat).then(({ PgDatabase }) => {
        const db = new PgDatabase(workerData.url);
        parentPort.postMessage('ready');
        parentPort.once('message', () => {
          db.transaction(() => db.prepare("insert into seen (who) values ('second')").run())();
          db.close();
          parentPort.postMessage('done');
        });
      });`;
    const worker = new Worker(source, { eval: true, workerData: { url: server.url, compat: new URL('../../../src/server/db/pg/compat.ts', import.meta.url).href } });
    const next = () => new Promise<string>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    expect(await next()).toBe('ready');
    const done = next();
    db.transaction(() => {
      db.prepare("insert into seen (who) values ('first, start')").run();
      worker.postMessage('go');
      // Hold the transaction open a while (this thread sleeps; the other one asks PostgreSQL to begin).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
      db.prepare("insert into seen (who) values ('first, end')").run();
    })();
    expect(await done).toBe('done');
    await worker.terminate();
    expect(db.prepare('select who from seen order by at').pluck().all()).toEqual(['first, start', 'first, end', 'second']);
  });
});
