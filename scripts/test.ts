/**
 * `npm test`: the whole suite on SQLite, then again on PostgreSQL when Debian's PostgreSQL is installed (one
 * cluster for the run, started in a temporary folder; see tests/helpers/globalSetup.ts). Without it the second run
 * is skipped and the output says so. Arguments go to both runs (`npm test -- tests/unit`).
 *
 * POTLUCK_TEST_DATABASE=sqlite or =postgres runs one of the two only.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { postgresMissing } from '../tests/support/postgres.ts';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = process.env.POTLUCK_TEST_DATABASE;
if (only && only !== 'sqlite' && only !== 'postgres') {
  console.error(`POTLUCK_TEST_DATABASE must be sqlite or postgres (it is "${only}").`);
  process.exit(2);
}

function run(database: 'sqlite' | 'postgres'): number {
  console.log(`\n=== The suite on ${database === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ===\n`);
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const result = spawnSync(process.execPath, [vitest, 'run', '--config', 'tests/vitest.config.ts', ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, POTLUCK_TEST_DATABASE: database },
  });
  return result.status ?? 1;
}

const failed: string[] = [];
if (only !== 'postgres' && run('sqlite') !== 0) failed.push('SQLite');
if (only !== 'sqlite') {
  if (postgresMissing) {
    if (only === 'postgres') {
      console.error(`\nCannot run the suite on PostgreSQL: ${postgresMissing}.`);
      process.exit(1);
    }
    console.log(`\n=== The suite on PostgreSQL: not run, ${postgresMissing}. ===`);
  } else if (run('postgres') !== 0) failed.push('PostgreSQL');
}
if (failed.length) {
  console.error(`\nThe suite failed on ${failed.join(' and ')}.`);
  process.exit(1);
}
console.log(`\nThe suite passed on ${only === 'sqlite' || (!only && postgresMissing) ? 'SQLite' : only === 'postgres' ? 'PostgreSQL' : 'SQLite and PostgreSQL'}.`);
