import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'apply database migrations',
  help: `Usage: potluck migrate

Applies every pending migration from drizzle/ to the database in POTLUCK_DATA (default ./data).
Safe to run at any time; "potluck serve" runs it too.`,
  async run(args, io) {
    parseOptions(args, {});
    const config = loadConfig(io.env, io.cwd);
    const app = createAppContext(config, { migrate: true });
    app.db.$client.close();
    println(io.stdout, `Database is up to date: ${config.databaseFile}`);
    return 0;
  },
};
export default command;
