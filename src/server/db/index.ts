/** Opening and migrating the database: SQLite in the data folder, or PostgreSQL when DATABASE_URL names one. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type { MigrationMeta } from 'drizzle-orm/migrator';
import type { TablesRelationalConfig } from 'drizzle-orm/relations';
import type { SQLiteSession, SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import * as schema from './schema.ts';
import { makePrivateDir, touchPrivateFile } from '../dataFolder.ts';
import { cacheStatements } from './statementCache.ts';
import { PotluckError } from '../../core/errors.ts';
import { isPg, PgDatabase } from './pg/compat.ts';
import { SyncPgClient } from './pg/syncClient.ts';
import { redact } from './pg/url.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/**
 * Opens (creating if needed) the database file with WAL, foreign keys, a busy timeout and secure delete; its
 * statements are compiled once and reused.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    makePrivateDir(path.dirname(file));
    touchPrivateFile(file);
  }
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  // Deleted rows (a student who leaves) are overwritten on disk, not just unlinked from the b-tree.
  sqlite.pragma('secure_delete = ON');
  // Each statement is compiled once per database and reused (statementCache.ts).
  cacheStatements(sqlite);
  return drizzle(sqlite, { schema }) as Db;
}

/** The database a configuration names: its PostgreSQL when it has a DATABASE_URL, else its SQLite file. */
export function openConfiguredDatabase(config: { databaseFile: string; databaseUrl?: string | undefined; createDatabase?: boolean }): Db {
  if (!config.databaseUrl) return openDatabase(config.databaseFile);
  if (config.createDatabase) createPostgresDatabase(config.databaseUrl);
  return openPostgres(config.databaseUrl);
}

/**
 * A PostgreSQL database behind the same API (./pg/compat.ts): drizzle's query builder and every repository run on
 * it unchanged.
 */
export function openPostgres(url: string): Db {
  const client = new PgDatabase(url);
  try {
    client.prepare('select 1').get();
  } catch (error) {
    client.close();
    throw new PotluckError('UPSTREAM', `Cannot reach PostgreSQL at ${redact(url)}: ${(error as Error).message}. Check DATABASE_URL and that the server is running.`);
  }
  return drizzle(client as unknown as Database.Database, { schema }) as Db;
}

/** Creates the database `url` names when its server does not have it yet. */
function createPostgresDatabase(url: string): void {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`Cannot create the PostgreSQL database "${name}": use lower-case letters, digits and _ only.`);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new SyncPgClient(maintenance.toString());
  try {
    if (client.query('select 1 from pg_database where datname = $1', [name]).rows.length) return;
    try {
      client.query(`create database "${name}"`);
    } catch (error) {
      // Another process (the server beside a test) created it a moment before.
      if (!/already exists/.test((error as Error).message)) throw error;
    }
  } finally {
    client.close();
  }
}

/** Whether `db` runs on PostgreSQL. */
export function onPostgres(db: Db): boolean {
  return isPg(db.$client);
}

/** The drizzle/ folder of this project, found from this file whether it runs from src/ or a bundle. */
export function defaultMigrationsFolder(): string {
  const candidates = [
    process.env.POTLUCK_MIGRATIONS,
    path.resolve(process.cwd(), 'drizzle'),
    fileURLToPathSafe(new URL('../../../drizzle', import.meta.url)),
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => fs.existsSync(path.join(p, 'meta', '_journal.json')));
  if (!found) throw new Error(`Cannot find the drizzle migrations folder (looked in ${candidates.join(', ')}).`);
  return found;
}

function fileURLToPathSafe(url: URL): string | undefined {
  return url.protocol === 'file:' ? decodeURIComponent(url.pathname) : undefined;
}

/** Applies every pending migration; safe to run on every start. */
export function migrateDatabase(db: Db, migrationsFolder = defaultMigrationsFolder()): void {
  if (onPostgres(db)) {
    migratePostgres(db, migrationsFolder === defaultMigrationsFolder() ? path.join(migrationsFolder, 'pg') : migrationsFolder);
    return;
  }
  if (isMigrated(db, migrationsFolder)) return;
  migrate(db, migrationsFolder);
}

/** Migration lock of PostgreSQL: nodes starting together migrate one after the other ("POTM"). */
const MIGRATION_LOCK = 0x504f544d;

/**
 * drizzle/pg/'s migrations, applied by one node at a time, recorded where drizzle's node-postgres migrator records
 * them (drizzle.__drizzle_migrations; `potluck db copy` migrates with it), all in one transaction. The statements
 * go to PostgreSQL as written.
 */
function migratePostgres(db: Db, migrationsFolder: string): void {
  const { client } = db.$client as unknown as PgDatabase;
  client.query(`select pg_advisory_lock(${MIGRATION_LOCK})`);
  try {
    client.query('CREATE SCHEMA IF NOT EXISTS drizzle; CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)');
    const last = client.query('select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1', []).rows[0]?.[0];
    const pending = readMigrations(migrationsFolder).filter((m) => last === undefined || Number(last) < m.folderMillis);
    if (pending.length === 0) return;
    client.query('BEGIN');
    try {
      for (const migration of pending) {
        for (const statement of migration.sql) if (statement.trim()) client.query(statement);
        client.query('insert into drizzle.__drizzle_migrations ("hash", "created_at") values ($1, $2)', [migration.hash, migration.folderMillis]);
      }
      client.query('COMMIT');
    } catch (error) {
      client.query('ROLLBACK');
      throw error;
    }
  } finally {
    client.query(`select pg_advisory_unlock(${MIGRATION_LOCK})`);
  }
}

/**
 * drizzle-orm/better-sqlite3/migrator's `migrate`, step for step (the same migrations, statements and hashes, read
 * as drizzle-orm/migrator's readMigrationFiles reads them), but with node:crypto loaded only here: that migrator
 * imports it at the top, and loading it was 3 to 6 ms of every command's start although a migrated database never
 * needs it.
 */
function migrate(db: Db, migrationsFolder: string): void {
  const migrations = readMigrations(migrationsFolder);
  // drizzle's own migrator calls these; its types mark them internal.
  const { dialect, session } = db as unknown as {
    dialect: SQLiteSyncDialect;
    session: SQLiteSession<'sync', unknown, Record<string, unknown>, TablesRelationalConfig>;
  };
  dialect.migrate(migrations, session, { migrationsFolder });
}

/** A migrations folder's migrations, read as drizzle-orm/migrator's readMigrationFiles reads them. */
function readMigrations(migrationsFolder: string): MigrationMeta[] {
  const journalFile = path.join(migrationsFolder, 'meta', '_journal.json');
  if (!fs.existsSync(journalFile)) throw new Error(`Can't find meta/_journal.json file`);
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string; when: number; breakpoints: boolean }[] };
  const { createHash } = process.getBuiltinModule('node:crypto');
  const migrations: MigrationMeta[] = journal.entries.map((entry) => {
    let query: string;
    try {
      query = fs.readFileSync(path.join(migrationsFolder, `${entry.tag}.sql`), 'utf8');
    } catch {
      throw new Error(`No file ${migrationsFolder}/${entry.tag}.sql found in ${migrationsFolder} folder`);
    }
    return {
      sql: query.split('--> statement-breakpoint'),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: createHash('sha256').update(query).digest('hex'),
    };
  });
  return migrations;
}

/**
 * Whether drizzle's migrator would apply nothing: it applies each migration whose journal time is after the newest
 * one recorded, so one query and the journal answer it, without the migrator reading and hashing every .sql file
 * (which it does at every start of the CLI and the server). Any doubt (no journal, no table) says no, and the
 * migrator decides as before.
 */
function isMigrated(db: Db, migrationsFolder: string): boolean {
  let newest: number;
  try {
    const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { when: number }[] };
    newest = Math.max(...journal.entries.map((e) => e.when));
  } catch {
    return false;
  }
  if (!Number.isFinite(newest)) return false;
  const sqlite = db.$client;
  const table = sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (!table) return false;
  const last = sqlite.prepare('SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1').get() as { created_at: number | string | null } | undefined;
  return last !== undefined && Number(last.created_at) >= newest;
}

export { schema };
