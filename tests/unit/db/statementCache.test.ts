import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheStatements, countsWrites, statementCounts, writeCount } from '../../../src/server/db/statementCache.ts';

const pieces = sqliteTable('pieces', { id: integer('id').primaryKey(), title: text('title').notNull() });

let dir: string;
let sqlite: Database.Database;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-statements-'));
  sqlite = new Database(path.join(dir, 'db.sqlite'));
  sqlite.exec('create table pieces (id integer primary key, title text not null)');
  for (let i = 1; i <= 5; i++) sqlite.prepare('insert into pieces (id, title) values (?, ?)').run(i, `piece ${i}`);
});
afterEach(() => {
  sqlite.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the statement cache', () => {
  it('compiles a query once however often drizzle builds it, with the right answer each time', () => {
    cacheStatements(sqlite);
    const db = drizzle(sqlite);
    const before = { ...statementCounts() };
    for (let i = 1; i <= 5; i++) {
      expect(db.select().from(pieces).where(eq(pieces.id, i)).get()).toEqual({ id: i, title: `piece ${i}` });
    }
    expect(statementCounts().compiled - before.compiled).toBe(1);
    expect(statementCounts().reused - before.reused).toBe(4);
  });

  it('hands a statement drizzle switched to arrays back as one that returns objects', () => {
    cacheStatements(sqlite);
    const db = drizzle(sqlite);
    const query = 'select "id", "title" from "pieces" where "pieces"."id" = ?';
    // drizzle maps a select's columns itself, from arrays (raw mode); a plain `sql` query reads objects.
    expect(db.select({ id: pieces.id, title: pieces.title }).from(pieces).where(eq(pieces.id, 2)).toSQL().sql).toBe(query);
    expect(db.select({ id: pieces.id, title: pieces.title }).from(pieces).where(eq(pieces.id, 2)).get()).toEqual({ id: 2, title: 'piece 2' });
    expect(sqlite.prepare(query).get(3)).toEqual({ id: 3, title: 'piece 3' });
    expect(db.get(sql.raw(query.replace('?', '4')))).toEqual({ id: 4, title: 'piece 4' });
  });

  it('compiles a fresh statement for a query that is still being iterated', () => {
    cacheStatements(sqlite);
    const outer = sqlite.prepare('select id from pieces order by id');
    const seen: number[][] = [];
    for (const row of outer.iterate() as Iterable<{ id: number }>) {
      // The same SQL while the first is mid-iteration: better-sqlite3 would refuse to reuse the busy statement.
      seen.push((sqlite.prepare('select id from pieces order by id').all() as { id: number }[]).map((r) => r.id));
      if (row.id === 2) break;
    }
    expect(seen).toEqual([
      [1, 2, 3, 4, 5],
      [1, 2, 3, 4, 5],
    ]);
  });

  it('keeps at most its bound of statements, the most recently used', () => {
    cacheStatements(sqlite, 3);
    const before = statementCounts().compiled;
    const ask = (n: number) => sqlite.prepare(`select ${n} as n`).get();
    for (const n of [1, 2, 3, 1, 4]) ask(n); // 4 pushes out 2, the least recently used
    expect(statementCounts().compiled - before).toBe(4);
    ask(1);
    ask(3);
    expect(statementCounts().compiled - before).toBe(4);
    ask(2);
    expect(statementCounts().compiled - before).toBe(5);
  });

  it('counts every run of a statement that may write, and no read', () => {
    expect(countsWrites(sqlite)).toBe(false);
    cacheStatements(sqlite);
    expect(countsWrites(sqlite)).toBe(true);
    const db = drizzle(sqlite);
    const start = writeCount();
    const moved = () => writeCount() - start;
    db.select().from(pieces).all();
    sqlite.prepare('select count(*) from pieces').get();
    expect(moved()).toBe(0);
    db.update(pieces).set({ title: 'renamed' }).where(eq(pieces.id, 1)).run();
    db.update(pieces).set({ title: 'again' }).where(eq(pieces.id, 1)).run(); // the same statement, run again
    expect(moved()).toBe(2);
    expect(db.insert(pieces).values({ id: 6, title: 'piece 6' }).returning().get()).toEqual({ id: 6, title: 'piece 6' });
    expect(moved()).toBe(3);
    sqlite.exec('delete from pieces where id = 6');
    expect(moved()).toBe(4);
    expect(db.select().from(pieces).where(eq(pieces.id, 1)).get()).toEqual({ id: 1, title: 'again' });
    expect(moved()).toBe(4);
  });
});
