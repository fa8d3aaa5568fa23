/**
 * One PostgreSQL connection that answers synchronously, so the same data layer runs on SQLite and PostgreSQL.
 *
 * Potluck's data layer is written against better-sqlite3, whose calls return their rows at once; on one machine
 * that is the fastest way to use SQLite. node-postgres answers with promises. Rather than keep two data layers, the
 * connection lives on a worker thread: the calling thread posts the query, sleeps on a shared word until the worker
 * has its answer (`Atomics.wait`), and takes the answer off the message port without returning to the event loop
 * (`receiveMessageOnPort`). A query costs one loopback round trip to PostgreSQL plus a few tens of microseconds.
 *
 * The calling thread is blocked for the round trip, as it is for SQLite's disk reads: a node serves one query at a
 * time, and a district scales by running more nodes (the README's district deployment).
 */
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { redact } from './url.ts';

/** What the worker sends back for one query. */
interface Answer {
  ok: boolean;
  columns?: string[];
  rows?: unknown[][];
  rowCount?: number;
  error?: { message: string; code?: string; detail?: string; constraint?: string };
}

export interface SyncResult {
  columns: string[];
  rows: unknown[][];
  rowCount: number;
}

/** A PostgreSQL error, with SQLSTATE in `pgCode` and the nearest SQLite error code in `code`. */
export class PgError extends Error {
  code: string;
  pgCode: string | undefined;
  detail: string | undefined;
  constructor(message: string, pgCode?: string, detail?: string) {
    super(message);
    this.name = 'SqliteError';
    this.pgCode = pgCode;
    this.detail = detail;
    this.code = sqliteCodeOf(pgCode);
  }
}

/** SQLite's name for a PostgreSQL SQLSTATE, so callers that tell a unique clash from other failures work on both. */
function sqliteCodeOf(pgCode: string | undefined): string {
  switch (pgCode) {
    case '23505':
      return 'SQLITE_CONSTRAINT_UNIQUE';
    case '23503':
      return 'SQLITE_CONSTRAINT_FOREIGNKEY';
    case '23502':
      return 'SQLITE_CONSTRAINT_NOTNULL';
    case '23514':
      return 'SQLITE_CONSTRAINT_CHECK';
    case '40001':
    case '40P01':
    case '55P03':
      return 'SQLITE_BUSY';
    default:
      return pgCode?.startsWith('23') ? 'SQLITE_CONSTRAINT' : 'SQLITE_ERROR';
  }
}

/**
 * The worker's program. It is plain JavaScript evaluated by the worker (the same text whether Potluck runs from
 * its sources or from a bundle, where no worker file would sit beside this one); it loads `pg` from the path the
 * calling thread resolved.
 */
const WORKER_SOURCE = String.raw`
const { workerData } = require('node:worker_threads');
const { pgPath, url, port, state } = workerData;
const pg = require(pgPath);
const signal = new Int32Array(state);
// Integers come back as numbers, as SQLite gives them: bigint columns hold milliseconds and counts, far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// One connection, made again after it is lost (a restart or failover of PostgreSQL, a killed backend): the
// query that met the loss fails, the next one runs on a new connection.
let client = null;
let ready = null;
let names = new Map();
function connect() {
  const c = new pg.Client({ connectionString: url });
  const forget = () => { if (client === c) { client = null; ready = null; } };
  c.on('error', forget);
  c.on('end', forget);
  client = c;
  names = new Map();
  ready = c.connect().then(() => c.query("SET TIME ZONE 'UTC'")).catch((e) => { forget(); throw e; });
  return ready;
}
function reply(answer) {
  port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}
function fail(e) {
  reply({ ok: false, error: { message: e && e.message ? e.message : String(e), code: e && e.code, detail: e && e.detail, constraint: e && e.constraint } });
}
port.on('message', async (request) => {
  try {
    if (request.close) { if (client) await client.end().catch(() => {}); client = null; reply({ ok: true, rows: [], columns: [], rowCount: 0 }); return; }
    await (ready || connect());
    const query = { text: request.text, rowMode: 'array' };
    if (request.values) {
      query.values = request.values.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v));
      // Each distinct statement is parsed and planned once per connection, like a prepared SQLite statement.
      let name = names.get(request.text);
      if (!name && names.size < 2000) { name = 's' + names.size; names.set(request.text, name); }
      if (name) query.name = name;
    }
    const result = await client.query(query);
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    const rows = last.rows || [];
    for (const row of rows) for (let i = 0; i < row.length; i++) if (typeof row[i] === 'boolean') row[i] = row[i] ? 1 : 0;
    reply({ ok: true, columns: (last.fields || []).map((f) => f.name), rows, rowCount: last.rowCount == null ? 0 : last.rowCount });
  } catch (e) {
    fail(e);
  }
});
`;

/** How long one query may take before the caller gives up on the connection. */
const QUERY_TIMEOUT_MS = 60_000;

export class SyncPgClient {
  readonly url: string;
  private worker: Worker;
  private port: MessagePort;
  private signal: Int32Array;
  private closed = false;

  constructor(url: string) {
    this.url = url;
    const state = new SharedArrayBuffer(4);
    this.signal = new Int32Array(state);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const pgPath = createRequire(import.meta.url).resolve('pg');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pgPath, url, port: port2, state }, transferList: [port2] });
    this.worker.unref();
    this.port.unref();
  }

  /** Runs one statement (with `values`, as a prepared statement) or, without values, a script of several. */
  query(text: string, values?: unknown[]): SyncResult {
    if (this.closed) throw new PgError('The database connection is closed.');
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage({ text, values: values?.map(toPgValue) });
    if (Atomics.wait(this.signal, 0, 0, QUERY_TIMEOUT_MS) === 'timed-out') {
      this.close();
      throw new PgError(`PostgreSQL did not answer within ${QUERY_TIMEOUT_MS / 1000} s (${redact(this.url)}).`);
    }
    const message = receiveMessageOnPort(this.port)?.message as Answer | undefined;
    if (!message) throw new PgError('The PostgreSQL worker sent no answer.');
    if (!message.ok) {
      const e = message.error!;
      // The statement (its text, never its values) goes with the message: it names what to look at.
      throw new PgError(`${e.message} (in: ${text.length > 600 ? `${text.slice(0, 600)}…` : text})`, e.code, e.detail);
    }
    return { columns: message.columns!, rows: message.rows!, rowCount: message.rowCount! };
  }

  close(): void {
    if (this.closed) return;
    try {
      Atomics.store(this.signal, 0, 0);
      this.port.postMessage({ close: true });
      Atomics.wait(this.signal, 0, 0, 5_000);
    } finally {
      this.closed = true;
      void this.worker.terminate();
      this.port.close();
    }
  }
}

/** What node-postgres should send for a value better-sqlite3 would bind. */
function toPgValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return null;
  return value;
}
