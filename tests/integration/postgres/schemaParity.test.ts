/**
 * The PostgreSQL schema (drizzle/pg/) has every table and column of the migrated SQLite database, with a
 * compatible type, the same nullability and the same primary key, and nothing more than the documented extras.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { defaultMigrationsFolder, migrateDatabase, openDatabase } from '../../../src/server/db/index.ts';
import { POSTGRES_ONLY_COLUMNS, SQLITE_ONLY_TABLES, postgresMigrationsFolder, postgresTableNames } from '../../../src/server/db/pgCopy.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { postgresMissing, postgresSkipNote, startPostgres, type TestPostgres } from '../../support/postgres.ts';
import path from 'node:path';
import fs from 'node:fs';

interface Column {
  type: string;
  notNull: boolean;
  primaryKey: boolean;
}

/** SQLite declared type -> the PostgreSQL types that hold its values exactly. */
const COMPATIBLE: Record<string, string[]> = {
  integer: ['integer', 'bigint', 'boolean'],
  text: ['text'],
  real: ['double precision', 'real'],
  blob: ['bytea'],
};

const isSqliteOnly = (name: string) => SQLITE_ONLY_TABLES.has(name) || name === 'artifact_search' || name.startsWith('artifact_search_') || name.startsWith('sqlite_');

describe.skipIf(postgresMissing)(`PostgreSQL schema parity ${postgresSkipNote}`, () => {
  let postgres: TestPostgres;
  let dataDir: string;
  const sqliteTables = new Map<string, Map<string, Column>>();
  const pgTables = new Map<string, Map<string, Column>>();

  beforeAll(async () => {
    dataDir = tempDataDir();
    const db = openDatabase(path.join(dataDir, 'potluck.db'));
    migrateDatabase(db, defaultMigrationsFolder());
    const tables = db.$client.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    for (const { name } of tables) {
      if (isSqliteOnly(name)) continue;
      const columns = db.$client.prepare('SELECT name, type, "notnull", pk FROM pragma_table_info(?)').all(name) as { name: string; type: string; notnull: number; pk: number }[];
      sqliteTables.set(name, new Map(columns.map((c) => [c.name, { type: c.type.toLowerCase(), notNull: c.notnull === 1 || c.pk > 0, primaryKey: c.pk > 0 }])));
    }
    db.$client.close();

    postgres = await startPostgres();
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    await migrate(drizzle(client), { migrationsFolder: postgresMigrationsFolder(defaultMigrationsFolder()) });
    const { rows } = await client.query<{ table: string; column: string; type: string; nullable: string }>(
      `SELECT table_name AS table, column_name AS column, data_type AS type, is_nullable AS nullable
       FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const keys = await client.query<{ table: string; column: string }>(
      `SELECT tc.table_name AS table, kcu.column_name AS column FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
       WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY'`,
    );
    await client.end();
    const pk = new Set(keys.rows.map((k) => `${k.table}.${k.column}`));
    for (const r of rows) {
      if (POSTGRES_ONLY_COLUMNS[r.table]?.includes(r.column)) continue;
      const table = pgTables.get(r.table) ?? new Map<string, Column>();
      table.set(r.column, { type: r.type, notNull: r.nullable === 'NO', primaryKey: pk.has(`${r.table}.${r.column}`) });
      pgTables.set(r.table, table);
    }
  });

  afterAll(async () => {
    await postgres?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('has the same tables on both sides, and schema.pg.ts names them all', () => {
    expect(sqliteTables.size).toBeGreaterThanOrEqual(52);
    expect([...pgTables.keys()].sort()).toEqual([...sqliteTables.keys()].sort());
    expect(postgresTableNames()).toEqual([...sqliteTables.keys()].sort());
  });

  it('has every column of every table on both sides, with a compatible type, nullability and primary key', () => {
    const differences: string[] = [];
    for (const [table, columns] of sqliteTables) {
      const twin = pgTables.get(table) ?? new Map<string, Column>();
      for (const [name, column] of columns) {
        const other = twin.get(name);
        if (!other) differences.push(`${table}.${name}: only in SQLite`);
        else {
          if (!(COMPATIBLE[column.type] ?? []).includes(other.type)) differences.push(`${table}.${name}: SQLite ${column.type}, PostgreSQL ${other.type}`);
          if (column.notNull !== other.notNull) differences.push(`${table}.${name}: NOT NULL ${column.notNull} in SQLite, ${other.notNull} in PostgreSQL`);
          if (column.primaryKey !== other.primaryKey) differences.push(`${table}.${name}: primary key ${column.primaryKey} in SQLite, ${other.primaryKey} in PostgreSQL`);
        }
      }
      for (const name of twin.keys()) if (!columns.has(name)) differences.push(`${table}.${name}: only in PostgreSQL`);
    }
    expect(differences).toEqual([]);
  });

  it('maps SQLite booleans to boolean and timestamps to bigint', () => {
    expect(pgTables.get('users')!.get('noindex')!.type).toBe('boolean');
    expect(pgTables.get('users')!.get('created_at')!.type).toBe('bigint');
    expect(pgTables.get('media')?.get('bytes')?.type ?? 'bigint').toBe('bigint');
  });
});
