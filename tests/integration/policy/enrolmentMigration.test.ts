// The enrolment-consent migration (drizzle/0008) marks memberships made before it by what the database still knows:
// a hub's owner and a sign-up with a hub's join code count; anything else (a teacher may have typed a handle) becomes
// an invitation the student must accept, and grants nothing until then.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase, defaultMigrationsFolder } from '../../../src/server/db/index.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-enrolment-migration-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A copy of drizzle/ whose journal stops before the enrolment migration: the database as it was. */
function migrationsBefore0008(): string {
  const folder = path.join(dir, 'drizzle-before');
  fs.cpSync(defaultMigrationsFolder(), folder, { recursive: true });
  const journalFile = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { idx: number; tag: string }[] };
  journal.entries = journal.entries.filter((e) => e.idx < 8);
  fs.writeFileSync(journalFile, JSON.stringify(journal));
  return folder;
}

describe('memberships made before consented enrolment', () => {
  it('count for the hub owner and for sign-up with a join code; everything else becomes an invitation', () => {
    const db = openDatabase(path.join(dir, 'potluck.db'));
    migrateDatabase(db, migrationsBefore0008());
    const sql = db.$client;
    const t0 = Date.UTC(2026, 8, 1, 9);
    const user = sql.prepare('insert into users (id, handle, name, role, password_hash, created_at) values (?, ?, ?, ?, ?, ?)');
    user.run('t', 'ms-okafor', 'Ms Okafor', 'teacher', 'x', t0);
    user.run('x', 'mr-intruder', 'Mr Intruder', 'teacher', 'x', t0);
    user.run('m', 'maya', 'Maya', 'student', 'x', t0 + 60_000); // signed up with the hub's code at t0 + 60 s
    user.run('p', 'priya', 'Priya', 'student', 'x', t0); // had an account long before
    const hub = sql.prepare('insert into hubs (id, slug, title, owner_id, created_at) values (?, ?, ?, ?, ?)');
    hub.run('h', 'english-10', 'English 10', 't', t0 + 1000);
    hub.run('s', 'stolen', 'Stolen', 'x', t0 + 5000);
    sql.prepare("insert into join_codes (code, role, hub_id, created_by, created_at, uses) values ('AAAA-BBBB-CCCC', 'student', 'h', 't', ?, 1)").run(t0 + 2000);
    const member = sql.prepare('insert into hub_members (hub_id, user_id, role, joined_at) values (?, ?, ?, ?)');
    member.run('h', 't', 'teacher', t0 + 1000); // the owner, with the hub
    member.run('h', 'm', 'student', t0 + 60_000); // sign-up with the code, same transaction
    member.run('h', 'p', 'student', t0 + 90_000); // joined later: by code or by handle, nobody knows
    member.run('s', 'x', 'teacher', t0 + 5000);
    member.run('s', 'm', 'student', t0 + 6000); // the intruder typed her handle

    migrateDatabase(db, defaultMigrationsFolder());
    const rows = sql.prepare('select hub_id || ' + "'/'" + ' || user_id as k, enrolment from hub_members order by k').all() as { k: string; enrolment: string }[];
    expect(Object.fromEntries(rows.map((r) => [r.k, r.enrolment]))).toEqual({
      'h/m': 'join_code',
      'h/p': 'invited',
      'h/t': 'owner',
      's/m': 'invited',
      's/x': 'owner',
    });
    sql.close();
  });
});
