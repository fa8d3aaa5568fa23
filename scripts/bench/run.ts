/**
 * Runs every scripts/bench/*.bench.ts in turn (each in its own process) and prints their figures with the machine.
 * The benchmarks that read and write the database (public page, save, poll, export) run on SQLite and then on
 * PostgreSQL when Debian's PostgreSQL is installed (one cluster for the run, in a temporary folder, a database per
 * data folder), each line naming its database. `BENCH_DATABASES=sqlite` (or `postgres`) runs one of the two.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { machine } from './lib.ts';

const dir = import.meta.dirname;
const only = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
/** The benchmarks whose figures depend on the database. */
const ON_BOTH = new Set(['public-page.bench.ts', 'save.bench.ts', 'poll.bench.ts', 'export.bench.ts']);
const wanted = (process.env.BENCH_DATABASES ?? 'sqlite,postgres').split(',').map((d) => d.trim());

const { postgresMissing, startPostgres } = await import('../../tests/support/postgres.ts');
const needsPostgres = wanted.includes('postgres') && files.some((f) => ON_BOTH.has(f));
const postgres = needsPostgres && !postgresMissing ? await startPostgres('bench', { maxConnections: 200 }) : null;
console.log(`Machine: ${machine()}`);
if (needsPostgres && !postgres) console.log(`PostgreSQL: not run (${postgresMissing})`);
if (postgres) {
  const [{ server_version: version }] = await postgres.query<{ server_version: string }>('show server_version');
  console.log(`PostgreSQL ${version}: a cluster on loopback, fsync off (SQLite runs in WAL with synchronous=NORMAL)`);
}

let failed = 0;
try {
  for (const file of files) {
    const databases = ON_BOTH.has(file) ? wanted.filter((d) => d === 'sqlite' || (d === 'postgres' && postgres)) : ['sqlite'];
    for (const database of databases) {
      const env: Record<string, string | undefined> = { ...process.env, TZ: 'UTC', DATABASE_URL: database === 'postgres' ? postgres!.url.replace(/\/[^/]*$/, '/b_{data}') : '' };
      const label = ON_BOTH.has(file) ? `${file} [${database === 'postgres' ? 'PostgreSQL' : 'SQLite'}]` : file;
      const result = spawnSync(process.execPath, [path.join(dir, file)], { encoding: 'utf8', env });
      if (result.status !== 0) {
        failed++;
        console.log(`${label}: FAILED\n${result.stderr}`);
        continue;
      }
      for (const line of result.stdout.trim().split('\n').filter((l) => l.startsWith('{'))) console.log(`${label}: ${line}`);
    }
  }
} finally {
  await postgres?.stop();
}
process.exitCode = failed ? 1 : 0;
