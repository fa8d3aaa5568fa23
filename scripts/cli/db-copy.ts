import fs from 'node:fs';
import { loadConfig } from '../../src/server/config.ts';
import { defaultMigrationsFolder, migrateDatabase, openDatabase } from '../../src/server/db/index.ts';
import { copyToPostgres } from '../../src/server/db/pgCopy.ts';
import { PotluckError } from '../../src/core/errors.ts';
import { UsageError, parseOptions, println, progressReporter, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: "copy the school's SQLite database into an empty PostgreSQL database",
  help: `Usage: potluck db copy --to postgres://USER:PASSWORD@HOST:5432/DATABASE [--batch N]

Copies the SQLite database in POTLUCK_DATA (default ./data) into an empty PostgreSQL database: applies the
PostgreSQL migrations (drizzle/pg/), copies every table in foreign-key order in batches inside one transaction,
printing each table's progress, then compares every table's row count and checksum on both sides and resets
sequences. When anything differs it names the table, undoes the whole copy and exits with 1.

A target that already has rows in Potluck's tables, or tables that are not Potluck's, is refused and left as it is.
The SQLite database is only read. The password in the URL is never printed.

Potluck itself still runs on SQLite only: this prepares a school's data for PostgreSQL; "potluck serve" keeps
using POTLUCK_DATA.

  --to      the PostgreSQL database, postgres://… or postgresql://… (PGPASSWORD etc. are read as well)
  --batch   rows per INSERT (default 1000)`,
  async run(args, io) {
    const { values } = parseOptions(args, { to: { type: 'string' }, batch: { type: 'string' } });
    if (!values.to) throw new UsageError('--to postgres://… is required.');
    const batchSize = values.batch === undefined ? 1000 : Number(values.batch);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`--batch must be a whole number of rows, not "${values.batch}".`);
    const config = loadConfig(io.env, io.cwd);
    if (!fs.existsSync(config.databaseFile)) throw new PotluckError('NOT_FOUND', `There is no database at ${config.databaseFile} (set POTLUCK_DATA).`);
    const db = openDatabase(config.databaseFile);
    try {
      const migrationsFolder = defaultMigrationsFolder();
      migrateDatabase(db, migrationsFolder);
      const progress = progressReporter(io.stdout);
      let current = '';
      const report = await copyToPostgres(db.$client, values.to, {
        migrationsFolder,
        batchSize,
        progress({ table, done, total }) {
          if (current && current !== table) progress.done();
          current = table;
          progress.update(`${table}: ${done}/${total} rows`);
        },
      });
      if (current) progress.done();
      println(io.stdout, `Copied ${report.rows} rows in ${report.tables.length} tables; row counts and checksums match.`);
      return 0;
    } finally {
      db.$client.close();
    }
  },
};
export default command;
