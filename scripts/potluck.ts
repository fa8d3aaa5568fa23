#!/usr/bin/env -S node --max-semi-space-size=4
/** The potluck CLI: one command per job a user or admin does from a shell. Thin: parse -> command -> present. */
import module from 'node:module';
import { PotluckError } from '../src/core/errors.ts';
import { withAuditScope } from '../src/server/audit/scope.ts';
import { createLogger } from '../src/server/logger.ts';
import { loadConfig } from '../src/server/config.ts';
import { dataFolderWarning } from '../src/server/dataFolder.ts';
import { UsageError, println, type CliCommand, type CliIo } from './cli/io.ts';
import { registerFastResolution } from './lib/moduleResolution.ts';

/** Command words -> module. Loaded lazily so that `potluck --help` is instant. */
const commands: Record<string, () => Promise<{ default: CliCommand }>> = {
  serve: () => import('./cli/serve.ts'),
  migrate: () => import('./cli/migrate.ts'),
  'db copy': () => import('./cli/db-copy.ts'),
  'user add': () => import('./cli/user-add.ts'),
  'user list': () => import('./cli/user-list.ts'),
  'user disable': () => import('./cli/user-disable.ts'),
  'user password': () => import('./cli/user-password.ts'),
  'user two-factor-off': () => import('./cli/user-two-factor-off.ts'),
  'joincode create': () => import('./cli/joincode-create.ts'),
  'guardians list': () => import('./cli/guardians-list.ts'),
  'guardians unlink': () => import('./cli/guardians-unlink.ts'),
  import: () => import('./cli/import.ts'),
  site: () => import('./cli/site.ts'),
  publish: () => import('./cli/publish.ts'),
  export: () => import('./cli/export.ts'),
  build: () => import('./cli/archive-build.ts'),
  'user delete': () => import('./cli/user-delete.ts'),
  'hub create': () => import('./cli/hub-create.ts'),
  'hub delete': () => import('./cli/hub-delete.ts'),
  'hub source': () => import('./cli/hub-source.ts'),
  'hub opml': () => import('./cli/hub-opml.ts'),
  'hub items': () => import('./cli/hub-items.ts'),
  'hub poll': () => import('./cli/hub-poll.ts'),
  audit: () => import('./cli/audit.ts'),
  'audit prune': () => import('./cli/audit-prune.ts'),
  'notifications send-digests': () => import('./cli/notifications-send-digests.ts'),
  'webmentions send': () => import('./cli/webmentions-send.ts'),
  'token create': () => import('./cli/token-create.ts'),
};

const HELP = `potluck — student-owned portfolios

Usage: potluck <command> [options]     (potluck <command> --help for details)

Commands:
  serve                 migrate, load the demo school into an empty database, and serve the site
  migrate               apply database migrations
  db copy               copy the SQLite database into an empty PostgreSQL one (the app itself stays on SQLite)
  user add              create an account
  user list             list accounts
  user disable          disable an account and end its sessions
  user password         set a new password for an account (forgotten passwords)
  user delete           delete an account and everything of it, for good (export it first)
  joincode create       create a join code for sign-up (--role guardian --student H: a family code)
  guardians list        list the links between guardians and students
  guardians unlink      remove a guardian's link to a student
  import                import an archive (zip or folder) into an account
  site                  export a student's public site as static files (folder or zip)
  publish               publish a student's public site to their GitHub Pages
  export                export everything of an account as one archive (zip or folder)
  build                 build the static site from an archive, with no server and no database
  hub create            create a course hub (its hashtags bring members' work in)
  hub delete            delete a course hub when the course is over (members' work stays theirs)
  hub source add|list   add an external feed to a hub (a feed or a blog page); list feeds and their health
  hub opml import|export  a hub's feeds from or to OPML
  hub items             list what a hub holds
  hub poll              fetch hubs' external feeds now
  audit                 read the audit log (sign-ins, admin actions, exports, deletions, refused access)
  audit prune           remove audit events older than the retention period now
  notifications send-digests  send the daily notification digest emails now
  webmentions send      send the Webmentions that are due now
  token create          create an access token for a member's scripts (Micropub; shown once)

Environment: POTLUCK_DATA (default ./data), PORT (4321), HOST (localhost), POTLUCK_SITE_URL,
POTLUCK_ALLOW_PRIVATE_NETWORKS, POTLUCK_TRUSTED_PROXIES, POTLUCK_HOST_ALIASES, POTLUCK_HSTS, GITHUB_API_URL,
POTLUCK_SECRET, POTLUCK_SMTP_URL, POTLUCK_MAIL_FROM, POTLUCK_PAGE_CACHE_MB, POTLUCK_PAGE_CACHE_ENTRIES,
POTLUCK_CLI_BUNDLE=off (run the command from its sources, not its bundle in dist/cli).`;

/** Runs the CLI with arguments and streams; returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    println(io.stdout, HELP);
    return argv.length === 0 ? 2 : 0;
  }
  const two = argv.slice(0, 2).join(' ');
  const name = commands[two] ? two : argv[0];
  const load = commands[name];
  if (!load) {
    println(io.stderr, `potluck: unknown command "${argv.slice(0, 2).join(' ')}". Run "potluck --help" for the list.`);
    return 2;
  }
  const command = (await load()).default;
  const rest = argv.slice(name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    println(io.stdout, command.help);
    return 0;
  }
  // A data folder that others on the machine can read exposes students' work: say so at every start, with the fix.
  // (`build` reads only an archive.)
  if (name !== 'build') {
    const warning = dataFolderWarningOf(io);
    // The server's lines are JSON (src/server/logger.ts); other commands speak to a person.
    if (warning && name === 'serve') createLogger({ stdout: io.stdout, stderr: io.stderr }).warn(warning, { component: 'data' });
    else if (warning) println(io.stderr, warning);
  }
  try {
    // What a command records in the audit log comes "from" the shell; the server records each request's address.
    return name === 'serve' ? await command.run(rest, io) : await withAuditScope({ address: 'cli' }, () => command.run(rest, io));
  } catch (error) {
    if (error instanceof UsageError) {
      println(io.stderr, `potluck ${name}: ${error.message}\nRun "potluck ${name} --help" for usage.`);
      return 2;
    }
    if (error instanceof PotluckError) {
      println(io.stderr, `potluck ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function dataFolderWarningOf(io: CliIo): string | null {
  let dataDir: string;
  try {
    dataDir = loadConfig(io.env, io.cwd).dataDir;
  } catch {
    return null; // The command itself reports the configuration's problem.
  }
  return dataFolderWarning(dataDir);
}

/** Runs the CLI on this process's arguments and streams (scripts/potluck.mjs, or this file run directly). */
export async function runFromShell(): Promise<void> {
  // Output piped into a reader that stops early (`potluck user list | head`) ends the command quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  });
}

if (import.meta.main) {
  // Run directly (`node scripts/potluck.ts`): the compile cache starts here, after this file and its imports were
  // compiled; scripts/potluck.mjs, the installed command, starts it before any of them.
  module.enableCompileCache?.();
  // And resolves drizzle-orm's own imports without decoding its 179 KB package.json for each file (scripts/potluck.mjs
  // does this before its first import of the sources; the bundled CLI has no such imports).
  registerFastResolution();
  await runFromShell();
}
