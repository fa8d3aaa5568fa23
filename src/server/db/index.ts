/** Opening and migrating the SQLite database. */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
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
  migrate(db, { migrationsFolder });
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
