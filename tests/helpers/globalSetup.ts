/**
 * Builds the server bundle once before any test starts a real server. With POTLUCK_TEST_DATABASE=postgres the
 * whole suite runs on PostgreSQL: one cluster for the run (tests/support/postgres.ts), and DATABASE_URL names a
 * database per data folder, so every test's fresh data folder gets a fresh database, in the test's process and in
 * the servers it starts alike.
 */
import path from 'node:path';
import { ensureServerBuild } from '../../scripts/cli/build.ts';

export default async function setup() {
  process.env.TZ = 'UTC';
  ensureServerBuild(path.resolve(import.meta.dirname, '..', '..'), (line) => console.log(line));
  if (process.env.POTLUCK_TEST_DATABASE !== 'postgres') return;
  const { startPostgres, postgresMissing } = await import('../support/postgres.ts');
  if (postgresMissing) throw new Error(`POTLUCK_TEST_DATABASE=postgres, but ${postgresMissing}.`);
  const server = await startPostgres('potluck_test', { maxConnections: 400 });
  process.env.DATABASE_URL = `postgres://postgres@127.0.0.1:${server.port}/t_{data}`;
  console.log(`Running on PostgreSQL (${process.env.DATABASE_URL})`);
  return () => server.stop();
}
