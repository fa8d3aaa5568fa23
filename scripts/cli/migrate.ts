import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { redact } from '../../src/server/db/pg/url.ts';
import { parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'apply database migrations',
  help: `Usage: potluck migrate

Applies every pending migration from drizzle/ to the database in POTLUCK_DATA (default ./data), or from
drizzle/pg/ to the PostgreSQL database DATABASE_URL names. Safe to run at any time, from several machines at
once; "potluck serve" runs it too.`,
  async run(args, io) {
    parseOptions(args, {});
    const config = loadConfig(io.env, io.cwd);
    const app = createAppContext(config, { migrate: true });
    app.db.$client.close();
    println(io.stdout, `Database is up to date: ${config.databaseUrl ? redact(config.databaseUrl) : config.databaseFile}`);
    return 0;
  },
};
export default command;
