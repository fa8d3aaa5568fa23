/**
 * A real PostgreSQL for a test file: Debian's server binaries (/usr/lib/postgresql/<version>/bin) run a fresh
 * cluster in a temporary folder, listening on a free loopback port and on a unix socket in that folder, with trust
 * authentication for loopback only. As root (initdb refuses to run as root) the cluster belongs to `nobody` and the
 * commands run through `runuser -u nobody`. `stop()` stops the server and removes the folder.
 *
 * When PostgreSQL is not installed (or POTLUCK_TEST_POSTGRES=off), `postgresMissing` says why and the tests using it are skipped:
 *   describe.skipIf(postgresMissing)(`... ${postgresSkipNote}`, ...)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

function findBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return null;
  const versions = fs
    .readdirSync(base)
    .filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')) && fs.existsSync(path.join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0]!, 'bin') : null;
}

const binDir = findBinDir();

/** Why PostgreSQL tests cannot run here, or false when they can. */
export const postgresMissing: string | false =
  process.env.POTLUCK_TEST_POSTGRES === 'off'
    ? 'POTLUCK_TEST_POSTGRES=off'
    : binDir
      ? false
      : 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)';
/** A title suffix for skipped suites, so the reason shows in the test report. */
export const postgresSkipNote = postgresMissing ? `(skipped: ${postgresMissing})` : '';
if (postgresMissing) console.warn(`PostgreSQL tests skipped: ${postgresMissing}`);

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/DATABASE */
  url: string;
  port: number;
  /** The folder holding the cluster and its unix socket. */
  dir: string;
  /** Creates another empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, args: string[]): void {
  const command = path.join(binDir!, bin);
  if (asRoot) execFileSync('runuser', ['-u', 'nobody', '--', command, ...args], { stdio: 'pipe' });
  else execFileSync(command, args, { stdio: 'pipe' });
}

/** Starts a fresh cluster and creates `database` in it. */
export async function startPostgres(database = 'potluck_test', settings: { maxConnections?: number } = {}): Promise<TestPostgres> {
  if (!binDir) throw new Error(String(postgresMissing));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-pg-'));
  if (asRoot) execFileSync('chown', ['nobody', dir]);
  fs.chmodSync(dir, 0o700);
  const data = path.join(dir, 'data');
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=${settings.maxConnections ?? 100}`;
    run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  } catch (error) {
    const log = fs.existsSync(path.join(dir, 'server.log')) ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8') : '';
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${stderr}${log}`);
  }
  const urlOf = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;
  async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = [], db = database): Promise<T[]> {
    const client = new pg.Client({ connectionString: urlOf(db) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
  async function createDatabase(name: string): Promise<string> {
    await query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`, [], 'postgres');
    return urlOf(name);
  }
  await createDatabase(database);
  return {
    url: urlOf(database),
    port,
    dir,
    createDatabase,
    query,
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
