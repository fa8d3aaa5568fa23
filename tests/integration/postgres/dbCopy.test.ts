/**
 * `potluck db copy --to postgres://…`: a real data folder with real accounts, pieces and a hub copied into a real
 * PostgreSQL, verified; a non-empty target refused and left as it was; bad URLs and unreachable servers explained
 * without the password.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../../src/server/context.ts';
import { defaultMigrationsFolder } from '../../../src/server/db/index.ts';
import { postgresMigrationsFolder } from '../../../src/server/db/pgCopy.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';
import { postgresMissing, postgresSkipNote, startPostgres, type TestPostgres } from '../../support/postgres.ts';

function sqliteCounts(app: AppContext): Record<string, number> {
  const sqlite = app.db.$client;
  const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'artifact_search%' AND name <> '__drizzle_migrations' ORDER BY name").all() as { name: string }[];
  return Object.fromEntries(tables.map(({ name }) => [name, (sqlite.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
}

async function postgresCounts(postgres: TestPostgres, database: string): Promise<Record<string, number>> {
  const tables = await postgres.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1", [], database);
  const counts: Record<string, number> = {};
  for (const { name } of tables) counts[name] = Number((await postgres.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"`, [], database))[0]!.n);
  return counts;
}

describe.skipIf(postgresMissing)(`potluck db copy ${postgresSkipNote}`, () => {
  let postgres: TestPostgres;
  let app: AppContext;
  let env: Record<string, string>;

  beforeAll(async () => {
    postgres = await startPostgres('potluck');
    app = createTestApp({ DATABASE_URL: '' }); // the school's SQLite, whichever database the suite runs on
    env = { POTLUCK_DATA: app.config.dataDir, DATABASE_URL: '' };
    const teacher = await makeUser(app, { role: 'teacher', handle: 'teacher1' });
    const students = [];
    for (let i = 0; i < 3; i++) students.push(await makeUser(app, { handle: `student${i}` }));
    for (const [i, student] of students.entries()) {
      for (let j = 0; j < 4; j++) {
        await makeArtifact(app, student, { title: `Essay ${i}-${j} about tidepools`, body: `Notes on barnacles, number ${j}. Ünïcode ✓ "quotes" and 'apostrophes'.`, visibility: j % 2 ? 'public' : 'members', tags: ['science', `week${j}`] });
      }
    }
    makeHub(app, { teacher, students });
    // A boolean set to true, and a timestamp past 2^31 seconds' worth of milliseconds.
    app.db.run(sql`UPDATE users SET noindex = 1, public_consent_at = 4102444800000 WHERE handle = 'student0'`);
  });

  afterAll(async () => {
    app?.db.$client.close();
    if (app) fs.rmSync(app.config.dataDir, { recursive: true, force: true });
    await postgres?.stop();
  });

  it('copies every table in batches with progress, and the counts and checksums match', async () => {
    const result = await runCli(['db', 'copy', '--to', postgres.url, '--batch', '5'], { env });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^users: 0\/4 rows$/m);
    expect(result.out).toMatch(/^users: 4\/4 rows$/m);
    expect(result.out).toMatch(/^artifacts: 5\/12 rows$/m);
    expect(result.out).toMatch(/^artifacts: 12\/12 rows$/m);
    expect(result.out).toContain('row counts and checksums match');
    // Parents before children.
    expect(result.out.indexOf('users:')).toBeLessThan(result.out.indexOf('artifacts:'));

    const source = sqliteCounts(app);
    const target = await postgresCounts(postgres, 'potluck');
    expect(target).toEqual(source);
    expect(source.artifacts).toBe(12);

    const [user] = await postgres.query<{ noindex: boolean; public_consent_at: string; created_at: string }>("SELECT noindex, public_consent_at, created_at FROM users WHERE handle = 'student0'", [], 'potluck');
    expect(user!.noindex).toBe(true);
    expect(user!.public_consent_at).toBe('4102444800000');
    const original = app.db.$client.prepare("SELECT created_at FROM users WHERE handle = 'student0'").get() as { created_at: number };
    expect(Number(user!.created_at)).toBe(original.created_at);
    const [piece] = await postgres.query<{ body: string; tags: string }>("SELECT body, tags FROM artifacts WHERE title = 'Essay 1-2 about tidepools'", [], 'potluck');
    expect(piece!.body).toContain('Ünïcode ✓ "quotes"');
    expect(JSON.parse(piece!.tags)).toEqual(['science', 'week2']);
    // Full-text search through the generated tsvector column.
    const found = await postgres.query("SELECT id FROM artifacts WHERE search @@ to_tsquery('simple', 'barnacles & tidepools')", [], 'potluck');
    expect(found).toHaveLength(12);
  });

  it('refuses a second copy into the now non-empty target, and changes nothing', async () => {
    const before = await postgresCounts(postgres, 'potluck');
    const migrations = await postgres.query('SELECT * FROM drizzle.__drizzle_migrations ORDER BY id', [], 'potluck');
    const result = await runCli(['db', 'copy', '--to', postgres.url], { env });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/is not empty: table \w+ has rows/);
    expect(result.err).toContain('Nothing was changed');
    expect(await postgresCounts(postgres, 'potluck')).toEqual(before);
    expect(await postgres.query('SELECT * FROM drizzle.__drizzle_migrations ORDER BY id', [], 'potluck')).toEqual(migrations);
  });

  it("refuses a database with tables that are not Potluck's, and creates nothing in it", async () => {
    const url = await postgres.createDatabase('other_app');
    await postgres.query('CREATE TABLE invoices (id integer PRIMARY KEY)', [], 'other_app');
    const result = await runCli(['db', 'copy', '--to', url], { env });
    expect(result.code).toBe(1);
    expect(result.err).toContain("tables that are not Potluck's (public.invoices)");
    expect(await postgresCounts(postgres, 'other_app')).toEqual({ invoices: 0 });
  });

  it('names the table and copies nothing when the target does not hold what was written', async () => {
    const url = await postgres.createDatabase('altered');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await migrate(drizzle(client), { migrationsFolder: postgresMigrationsFolder(defaultMigrationsFolder()) });
    // A trigger that changes what is stored: the checksum of hubs must catch it.
    await client.query(`CREATE FUNCTION retitle() RETURNS trigger AS $$ BEGIN NEW.title := NEW.title || '!'; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await client.query('CREATE TRIGGER retitle BEFORE INSERT ON hubs FOR EACH ROW EXECUTE FUNCTION retitle()');
    await client.end();
    const result = await runCli(['db', 'copy', '--to', url], { env });
    expect(result.code).toBe(1);
    expect(result.err).toContain('Table hubs: the checksums differ');
    expect(Object.values(await postgresCounts(postgres, 'altered')).every((n) => n === 0)).toBe(true);
  });

  it('copies one consistent snapshot while the school keeps writing', async () => {
    const url = await postgres.createDatabase('busy');
    let writes = 0;
    let copying = true;
    const write = () => {
      if (!copying) return;
      app.db.$client.prepare('INSERT INTO rate_limits (key, count, window_start) VALUES (?, 1, 0)').run(`busy:${writes++}`);
      setTimeout(write, 1);
    };
    write();
    const result = await runCli(['db', 'copy', '--to', url, '--batch', '2'], { env });
    copying = false;
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const copied = Number((await postgres.query<{ n: string }>('SELECT count(*) AS n FROM rate_limits', [], 'busy'))[0]!.n);
    expect(writes).toBeGreaterThan(copied);
    app.db.$client.prepare("DELETE FROM rate_limits WHERE key LIKE 'busy:%'").run();
  });

  it('names the table whose rows PostgreSQL refuses, and copies nothing', async () => {
    const other = createTestApp({ DATABASE_URL: '' });
    try {
      await makeUser(other, { handle: 'zoe' });
      // PostgreSQL's text cannot hold a NUL character; SQLite's can.
      other.db.$client.prepare('INSERT INTO rate_limits (key, count, window_start) VALUES (?, 1, 0)').run('sign-in:a\u0000b');
      const url = await postgres.createDatabase('refusing');
      const result = await runCli(['db', 'copy', '--to', url], { env: { POTLUCK_DATA: other.config.dataDir } });
      expect(result.code).toBe(1);
      expect(result.err).toContain('Table rate_limits could not be copied');
      expect(result.err).toContain('Nothing was copied');
      expect(Object.values(await postgresCounts(postgres, 'refusing')).every((n) => n === 0)).toBe(true);
    } finally {
      other.db.$client.close();
      fs.rmSync(other.config.dataDir, { recursive: true, force: true });
    }
  });

  it('explains a bad URL, and never prints the password', async () => {
    const notUrl = await runCli(['db', 'copy', '--to', 'not a url'], { env });
    expect(notUrl.code).toBe(1);
    expect(notUrl.err).toContain('is not a URL');

    const mysql = await runCli(['db', 'copy', '--to', 'mysql://root:s3cret-pw@127.0.0.1/potluck'], { env });
    expect(mysql.code).toBe(1);
    expect(mysql.err).toContain('is not a PostgreSQL URL');
    expect(mysql.err).not.toContain('s3cret-pw');

    const noDatabase = await runCli(['db', 'copy', '--to', 'postgres://127.0.0.1:5432'], { env });
    expect(noDatabase.code).toBe(1);
    expect(noDatabase.err).toContain('names no database');

    const missing = await runCli(['db', 'copy'], { env });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--to postgres://… is required');

    // Wrong password on the real server is accepted (trust), so use a port where nothing listens.
    const closed = await runCli(['db', 'copy', '--to', `postgres://potluck:s3cret-pw@127.0.0.1:1/potluck`], { env });
    expect(closed.code).toBe(1);
    expect(closed.err).toContain('Cannot connect to postgres://potluck:***@127.0.0.1:1/potluck');
    expect(closed.err + closed.out).not.toContain('s3cret-pw');

    const inQuery = await runCli(['db', 'copy', '--to', 'postgres://127.0.0.1:1/potluck?user=potluck&password=s3cret-pw'], { env });
    expect(inQuery.code).toBe(1);
    expect(inQuery.err).toContain('Cannot connect to postgres://127.0.0.1:1/potluck?user=potluck&password=***');
    expect(inQuery.err + inQuery.out).not.toContain('s3cret-pw');

    const unknownDatabase = await runCli(['db', 'copy', '--to', `postgres://postgres:s3cret-pw@127.0.0.1:${postgres.port}/nowhere`], { env });
    expect(unknownDatabase.code).toBe(1);
    expect(unknownDatabase.err).toContain('database "nowhere" does not exist');
    expect(unknownDatabase.err + unknownDatabase.out).not.toContain('s3cret-pw');
  });
});

describe('potluck db copy --help', () => {
  it('is in the command list, and says the app itself stays on SQLite', async () => {
    const list = await runCli(['--help'], { env: {} });
    expect(list.out).toMatch(/^ {2}db copy {15}copy the SQLite database into an empty PostgreSQL/m);
    const help = await runCli(['db', 'copy', '--help'], { env: {} });
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: potluck db copy --to postgres://');
    expect(help.out).toContain('Potluck itself still runs on SQLite only');
  });
});
