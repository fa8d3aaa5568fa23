/**
 * Copying a school's SQLite database into an empty PostgreSQL database (`potluck db copy`): the PostgreSQL
 * migrations (drizzle/pg/) first, then every table in foreign-key order, in batches, in one transaction, then row
 * counts and a checksum of every table compared on both sides before the transaction commits. Nothing of the copy
 * stays when anything differs. The app itself still runs on SQLite only.
 *
 * The checksum of a table is independent of row order (collations differ between the engines): each row's values,
 * written the same way from either side (integers and booleans as decimal digits, text as it is, null as null), are
 * hashed with SHA-256, and the first 8 bytes of every row's hash are added up modulo 2^64.
 */
import { redactUrl, redactUrlText } from './pg/url.ts';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { is } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { PotluckError } from '../../core/errors.ts';
import * as pgSchema from './schema.pg.ts';

/** SQLite tables with no PostgreSQL twin: FTS5's index and its bookkeeping (a tsvector column there), drizzle's. */
export const SQLITE_ONLY_TABLES = new Set(['__drizzle_migrations', 'sqlite_sequence', 'artifact_search_docs']);
const isSqliteOnly = (name: string) => SQLITE_ONLY_TABLES.has(name) || name === 'artifact_search' || name.startsWith('artifact_search_') || name.startsWith('sqlite_');
/** PostgreSQL columns computed by PostgreSQL itself (never copied, not in SQLite). */
export const POSTGRES_ONLY_COLUMNS: Record<string, string[]> = { artifacts: ['search'] };

/** The tables of schema.pg.ts by name. */
export function postgresTableNames(): string[] {
  return (Object.values(pgSchema).filter((value) => is(value, PgTable)) as PgTable[])
    .map((table) => getTableConfig(table).name)
    .sort();
}

/** The drizzle/pg/ folder beside the SQLite migrations folder. */
export function postgresMigrationsFolder(sqliteMigrationsFolder: string): string {
  const folder = path.join(sqliteMigrationsFolder, 'pg');
  if (!fs.existsSync(path.join(folder, 'meta', '_journal.json'))) throw new Error(`Cannot find the PostgreSQL migrations in ${folder}.`);
  return folder;
}

/** A postgres:// URL checked, or a PotluckError saying what is wrong with it (never repeating its password). */
export function parsePostgresUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PotluckError('VALIDATION', `"${redactUrlText(text)}" is not a URL. Expected postgres://user:password@host:5432/database.`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new PotluckError('VALIDATION', `${redactUrl(url)} is not a PostgreSQL URL: it must start with postgres:// or postgresql://.`);
  }
  if (!url.hostname && !url.searchParams.get('host')) throw new PotluckError('VALIDATION', `${redactUrl(url)} names no host.`);
  if (url.pathname.replace(/^\//, '') === '') throw new PotluckError('VALIDATION', `${redactUrl(url)} names no database (postgres://host/DATABASE).`);
  return url;
}

export interface CopyProgress {
  table: string;
  done: number;
  total: number;
}

export interface CopyOptions {
  /** The SQLite migrations folder (drizzle/); the PostgreSQL ones are in its pg/ folder. */
  migrationsFolder: string;
  batchSize?: number;
  progress?: (step: CopyProgress) => void;
}

export interface CopyReport {
  tables: { table: string; rows: number; checksum: string }[];
  rows: number;
}

type Kind = 'int' | 'bool' | 'text' | 'other';

interface TableCopy {
  name: string;
  columns: { name: string; kind: Kind }[];
}

/** Copies the SQLite database into the empty PostgreSQL database at `url`. */
export async function copyToPostgres(sqlite: Database.Database, urlText: string, options: CopyOptions): Promise<CopyReport> {
  const url = parsePostgresUrl(urlText);
  const client = new pg.Client({ connectionString: url.href });
  const secrets = [url.password, decodeURIComponent(url.password), url.searchParams.get('password') ?? ''].filter((p) => p.length > 0);
  const scrub = (message: string) => secrets.reduce((text, secret) => text.split(secret).join('***'), message);
  try {
    await client.connect();
  } catch (error) {
    throw new PotluckError('UPSTREAM', `Cannot connect to ${redactUrl(url)}: ${scrub((error as Error).message)}`);
  }
  // A connection that breaks later must not end the process with an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await refuseNonEmpty(client, url);
    await migrate(drizzle(client), { migrationsFolder: postgresMigrationsFolder(options.migrationsFolder) });
    // One read transaction on SQLite: the copy and its verification see the same snapshot even while the server
    // keeps writing (WAL readers do not block writers).
    sqlite.exec('BEGIN');
    await client.query('BEGIN');
    try {
      const tables = await plan(sqlite, client);
      const report: CopyReport = { tables: [], rows: 0 };
      for (const table of tables) {
        try {
          report.rows += await copyTable(sqlite, client, table, options);
        } catch (error) {
          throw new PotluckError('CONFLICT', `Table ${table.name} could not be copied: ${scrub((error as Error).message)}. Nothing was copied.`);
        }
      }
      for (const table of tables) {
        const source = sqliteChecksum(sqlite, table);
        const target = await postgresChecksum(client, table);
        if (source.rows !== target.rows) {
          throw new PotluckError('CONFLICT', `Table ${table.name}: ${source.rows} rows in SQLite but ${target.rows} in PostgreSQL. Nothing was copied.`);
        }
        if (source.checksum !== target.checksum) {
          throw new PotluckError('CONFLICT', `Table ${table.name}: the checksums differ (SQLite ${source.checksum}, PostgreSQL ${target.checksum}). Nothing was copied.`);
        }
        report.tables.push({ table: table.name, rows: source.rows, checksum: source.checksum });
      }
      await resetSequences(client);
      await client.query('COMMIT');
      return report;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      if (sqlite.inTransaction) sqlite.exec('COMMIT');
    }
  } catch (error) {
    if (error instanceof PotluckError) throw error;
    throw new PotluckError('UPSTREAM', `Copy to ${redactUrl(url)} failed: ${scrub((error as Error).message)}`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Refuses a database holding tables that are not Potluck's, or any rows in Potluck's. */
async function refuseNonEmpty(client: pg.Client, url: URL): Promise<void> {
  const ours = new Set(postgresTableNames());
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg\\_%'
     ORDER BY 1, 2`,
  );
  const foreign = rows.filter((r) => !(r.schema === 'public' && ours.has(r.name)) && !(r.schema === 'drizzle' && r.name === '__drizzle_migrations'));
  if (foreign.length) {
    const names = foreign.slice(0, 5).map((r) => `${r.schema}.${r.name}`).join(', ');
    throw new PotluckError('CONFLICT', `${redactUrl(url)} is not empty: it has tables that are not Potluck's (${names}${foreign.length > 5 ? ', …' : ''}). Copy into a new, empty database. Nothing was changed.`);
  }
  for (const r of rows) {
    if (r.schema !== 'public') continue;
    const found = await client.query(`SELECT 1 FROM ${quote(r.name)} LIMIT 1`);
    if (found.rowCount) {
      throw new PotluckError('CONFLICT', `${redactUrl(url)} is not empty: table ${r.name} has rows. Copy into a new, empty database. Nothing was changed.`);
    }
  }
}

/** The tables to copy, parents before children, with the columns both sides have and their PostgreSQL kinds. */
async function plan(sqlite: Database.Database, client: pg.Client): Promise<TableCopy[]> {
  const sqliteTables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[])
    .map((r) => r.name)
    .filter((name) => !isSqliteOnly(name));
  const { rows } = await client.query<{ table: string; column: string; type: string; generated: string }>(
    `SELECT table_name AS table, column_name AS column, data_type AS type, is_generated AS generated
     FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
  );
  const pgColumns = new Map<string, { name: string; kind: Kind }[]>();
  for (const r of rows) {
    if (r.generated === 'ALWAYS' || POSTGRES_ONLY_COLUMNS[r.table]?.includes(r.column)) continue;
    const kind: Kind = r.type === 'bigint' || r.type === 'integer' || r.type === 'smallint' ? 'int' : r.type === 'boolean' ? 'bool' : r.type === 'text' ? 'text' : 'other';
    const list = pgColumns.get(r.table) ?? [];
    list.push({ name: r.column, kind });
    pgColumns.set(r.table, list);
  }
  const tables: TableCopy[] = [];
  for (const name of sqliteTables) {
    const columns = pgColumns.get(name);
    if (!columns) throw new PotluckError('CONFLICT', `Table ${name} of the SQLite database has no PostgreSQL twin (drizzle/pg/ is behind drizzle/).`);
    const sqliteColumns = new Set((sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).all(name) as { name: string }[]).map((c) => c.name));
    const missing = columns.filter((c) => !sqliteColumns.has(c.name)).map((c) => c.name);
    const extra = [...sqliteColumns].filter((c) => !columns.some((p) => p.name === c));
    if (missing.length || extra.length) {
      throw new PotluckError('CONFLICT', `Table ${name}: the columns differ between SQLite and PostgreSQL (${[...extra.map((c) => `only in SQLite: ${c}`), ...missing.map((c) => `only in PostgreSQL: ${c}`)].join(', ')}).`);
    }
    tables.push({ name, columns });
  }
  // Foreign-key order: a table after every table it references (self-references do not order).
  const parents = new Map(tables.map((t) => [t.name, new Set((sqlite.prepare('SELECT "table" AS parent FROM pragma_foreign_key_list(?)').all(t.name) as { parent: string }[]).map((r) => r.parent).filter((p) => p !== t.name))]));
  const ordered: TableCopy[] = [];
  const placed = new Set<string>();
  let remaining = tables;
  while (remaining.length) {
    const ready = remaining.filter((t) => [...parents.get(t.name)!].every((p) => placed.has(p) || !parents.has(p)));
    if (!ready.length) throw new PotluckError('CONFLICT', `The foreign keys of ${remaining.map((t) => t.name).join(', ')} form a cycle: no order copies them.`);
    for (const t of ready) {
      ordered.push(t);
      placed.add(t.name);
    }
    remaining = remaining.filter((t) => !placed.has(t.name));
  }
  return ordered;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqliteSelect(sqlite: Database.Database, table: TableCopy): Database.Statement {
  return sqlite.prepare(`SELECT ${table.columns.map((c) => quote(c.name)).join(', ')} FROM ${quote(table.name)}`).raw(true).safeIntegers(true);
}

/** A SQLite value as PostgreSQL takes it for a column of this kind. */
function toPostgres(value: unknown, kind: Kind): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'bool') return typeof value === 'bigint' ? value !== 0n : typeof value === 'number' ? value !== 0 : value;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

async function copyTable(sqlite: Database.Database, client: pg.Client, table: TableCopy, options: CopyOptions): Promise<number> {
  const total = Number((sqlite.prepare(`SELECT count(*) AS n FROM ${quote(table.name)}`).get() as { n: number }).n);
  options.progress?.({ table: table.name, done: 0, total });
  // PostgreSQL takes at most 65,535 parameters in one statement.
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 1000, Math.floor(60_000 / table.columns.length)));
  const columnList = table.columns.map((c) => quote(c.name)).join(', ');
  let done = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const params: unknown[] = [];
    const tuples = batch.map((row) => `(${row.map((value, i) => {
      params.push(toPostgres(value, table.columns[i]!.kind));
      return `$${params.length}`;
    }).join(', ')})`);
    await client.query(`INSERT INTO ${quote(table.name)} (${columnList}) VALUES ${tuples.join(', ')}`, params);
    done += batch.length;
    batch = [];
    options.progress?.({ table: table.name, done, total });
  };
  // Read a batch at a time (better-sqlite3's iterator holds the connection, so no other statement runs meanwhile).
  for (const row of sqliteSelect(sqlite, table).iterate() as Iterable<unknown[]>) {
    batch.push(row);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return done;
}

/** One value written the same way from either side. */
function canonical(value: unknown, kind: Kind): string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'bool') return value === true || value === 1 || value === 1n || value === '1' ? '1' : value === false || value === 0 || value === 0n || value === '0' ? '0' : `?${String(value)}`;
  if (kind === 'int') return typeof value === 'string' ? BigInt(value).toString() : String(value);
  if (value instanceof Buffer) return `x${value.toString('hex')}`;
  return String(value);
}

class TableHash {
  rows = 0;
  private sum = 0n;
  private readonly table: TableCopy;
  constructor(table: TableCopy) {
    this.table = table;
  }
  add(row: unknown[]) {
    const values = row.map((value, i) => canonical(value, this.table.columns[i]!.kind));
    const digest = createHash('sha256').update(JSON.stringify(values)).digest();
    this.sum = (this.sum + digest.readBigUInt64BE(0)) & 0xffff_ffff_ffff_ffffn;
    this.rows++;
  }
  get checksum() {
    return this.sum.toString(16).padStart(16, '0');
  }
}

function sqliteChecksum(sqlite: Database.Database, table: TableCopy): { rows: number; checksum: string } {
  const hash = new TableHash(table);
  for (const row of sqliteSelect(sqlite, table).iterate() as Iterable<unknown[]>) hash.add(row);
  return { rows: hash.rows, checksum: hash.checksum };
}

async function postgresChecksum(client: pg.Client, table: TableCopy): Promise<{ rows: number; checksum: string }> {
  const hash = new TableHash(table);
  const columnList = table.columns.map((c) => quote(c.name)).join(', ');
  // Rows read back in pages through a cursor of the transaction, so a large table is never all in memory.
  const cursor = `potluck_copy_${table.name.replace(/\W/g, '_')}`;
  await client.query(`DECLARE ${quote(cursor)} NO SCROLL CURSOR FOR SELECT ${columnList} FROM ${quote(table.name)}`);
  for (;;) {
    const page = await client.query({ text: `FETCH 5000 FROM ${quote(cursor)}`, rowMode: 'array' });
    for (const row of page.rows as unknown[][]) hash.add(row);
    if (page.rows.length < 5000) break;
  }
  await client.query(`CLOSE ${quote(cursor)}`);
  return { rows: hash.rows, checksum: hash.checksum };
}

/** Serial and identity columns continue after the copied rows' largest value. */
async function resetSequences(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ table: string; column: string }>(
    `SELECT table_name AS table, column_name AS column FROM information_schema.columns
     WHERE table_schema = 'public' AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')`,
  );
  for (const r of rows) {
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quote(r.column)}) FROM ${quote(r.table)}), 0) + 1, false)`,
      [quote(r.table), r.column],
    );
  }
}
