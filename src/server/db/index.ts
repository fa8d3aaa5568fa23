/** Opening and migrating the SQLite database. */
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
  if (isMigrated(db, migrationsFolder)) return;
  migrate(db, migrationsFolder);
}

/**
 * drizzle-orm/better-sqlite3/migrator's `migrate`, step for step (the same migrations, statements and hashes, read
 * as drizzle-orm/migrator's readMigrationFiles reads them), but with node:crypto loaded only here: that migrator
 * imports it at the top, and loading it was 3 to 6 ms of every command's start although a migrated database never
 * needs it.
 */
function migrate(db: Db, migrationsFolder: string): void {
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
  // drizzle's own migrator calls these; its types mark them internal.
  const { dialect, session } = db as unknown as {
    dialect: SQLiteSyncDialect;
    session: SQLiteSession<'sync', unknown, Record<string, unknown>, TablesRelationalConfig>;
  };
  dialect.migrate(migrations, session, { migrationsFolder });
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
