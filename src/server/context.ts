/**
 * The application context: configuration, database, clock and id generator, built in one place and passed in.
 * Tests build as many as they like side by side; the web server builds one per process from the environment.
 */
import { loadConfig, type Config } from './config.ts';
import { makePrivateDir } from './dataFolder.ts';
import { migrateDatabase, openConfiguredDatabase, type Db } from './db/index.ts';

export interface AppContext {
  config: Config;
  db: Db;
  /** Now. Injected so that tests can fix time. */
  now: () => Date;
  /** A new random, unguessable id (UUID v4). */
  newId: () => string;
}

/** Builds a context for a configuration; migrates when asked (the CLI and tests do, the web server already did). */
export function createAppContext(
  config: Config,
  options: { migrate?: boolean; now?: () => Date; newId?: () => string } = {},
): AppContext {
  makePrivateDir(config.mediaDir);
  const db = openConfiguredDatabase(config);
  if (options.migrate) migrateDatabase(db);
  // The global Web Crypto: node:crypto loads at the first id, not at every start of a command that makes none.
  return { config, db, now: options.now ?? (() => new Date()), newId: options.newId ?? (() => crypto.randomUUID()) };
}

let processContext: AppContext | undefined;

/** The web server's context, built on first use from the environment. */
export function getAppContext(): AppContext {
  processContext ??= createAppContext(loadConfig(), { migrate: true });
  return processContext;
}
