import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMigrationsFolder, migrateDatabase, openDatabase, type Db } from '../../../src/server/db/index.ts';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const db of dbs.splice(0)) db.$client.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-migrate-'));
  dirs.push(dir);
  return dir;
}

/** A copy of drizzle/ whose journal stops before its newest migration: the previous release's folder. */
function folderWithoutNewest(): { folder: string; entries: number } {
  const folder = path.join(tempDir(), 'drizzle');
  fs.cpSync(defaultMigrationsFolder(), folder, { recursive: true });
  const journalFile = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const entries = journal.entries.length;
  journal.entries.pop();
  fs.writeFileSync(journalFile, JSON.stringify(journal));
  return { folder, entries };
}

const schemaOf = (db: Db) => db.$client.prepare("select type, name, sql from sqlite_master where name not like 'sqlite_%' order by name").all();
const applied = (db: Db) => db.$client.prepare('select count(*) from __drizzle_migrations').pluck().get() as number;

describe('migrating on start', () => {
  it('applies a migration the database has not had, after a start that found nothing to do', () => {
    const { folder, entries } = folderWithoutNewest();
    const db = openDatabase(path.join(tempDir(), 'potluck.db'));
    dbs.push(db);
    migrateDatabase(db, folder);
    expect(applied(db)).toBe(entries - 1);
    const previous = schemaOf(db);
    migrateDatabase(db, folder); // up to date for that folder: nothing happens
    expect(applied(db)).toBe(entries - 1);
    expect(schemaOf(db)).toEqual(previous);

    migrateDatabase(db); // the full folder: the newest migration is applied
    expect(applied(db)).toBe(entries);
    const current = schemaOf(db);
    expect(current).not.toEqual(previous);
    migrateDatabase(db);
    expect(applied(db)).toBe(entries);
    expect(schemaOf(db)).toEqual(current);

    // The same schema as a database migrated from nothing with the full folder.
    const fresh = openDatabase(path.join(tempDir(), 'potluck.db'));
    dbs.push(fresh);
    migrateDatabase(fresh);
    expect(current).toEqual(schemaOf(fresh));
  });

  it('runs the migrator on a new, empty database', () => {
    const db = openDatabase(path.join(tempDir(), 'potluck.db'));
    dbs.push(db);
    migrateDatabase(db);
    expect(db.$client.prepare("select count(*) from sqlite_master where name = 'users'").pluck().get()).toBe(1);
  });
});
