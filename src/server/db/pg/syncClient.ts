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
  seq: number;
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
const { pgPath, port, state } = workerData;
const pg = require(pgPath);
const signal = new Int32Array(state);
// Integers come back as numbers, as SQLite gives them: bigint columns hold milliseconds and counts, far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));
// The process's connections by id. Each is made again after it is lost (a restart or failover of PostgreSQL, a
// killed backend): the query that met the loss fails, the next one runs on a new connection.
const connections = new Map();
function connect(c) {
  const client = new pg.Client({ connectionString: c.url });
  const forget = () => { if (c.client === client) { c.client = null; c.ready = null; } };
  client.on('error', forget);
  client.on('end', forget);
  c.client = client;
  c.names = new Map();
  c.ready = client.connect().then(() => client.query("SET TIME ZONE 'UTC'")).catch((e) => { forget(); throw e; });
  return c.ready;
}
let seq = 0;
function reply(answer) {
  answer.seq = seq;
  port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}
const done = { ok: true, rows: [], columns: [], rowCount: 0 };
port.on('message', async (request) => {
  seq = request.seq;
  try {
    if (request.open) { connections.set(request.id, { url: request.open, client: null, ready: null, names: new Map() }); reply(done); return; }
    const c = connections.get(request.id);
    if (!c) throw new Error('The database connection is closed.');
    if (request.close) {
      connections.delete(request.id);
      if (c.client) await c.client.end().catch(() => {});
      reply(done);
      return;
    }
    await (c.ready || connect(c));
    const query = { text: request.text, rowMode: 'array' };
    if (request.values) {
      query.values = request.values.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v));
      // Each distinct statement is parsed and planned once per connection, like a prepared SQLite statement.
      let name = c.names.get(request.text);
      if (!name && c.names.size < 2000) { name = 's' + c.names.size; c.names.set(request.text, name); }
      if (name) query.name = name;
    }
    const result = await c.client.query(query);
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    const rows = last.rows || [];
    for (const row of rows) for (let i = 0; i < row.length; i++) if (typeof row[i] === 'boolean') row[i] = row[i] ? 1 : 0;
    reply({ ok: true, columns: (last.fields || []).map((f) => f.name), rows, rowCount: last.rowCount == null ? 0 : last.rowCount });
  } catch (e) {
    reply({ ok: false, error: { message: e && e.message ? e.message : String(e), code: e && e.code, detail: e && e.detail } });
  }
});
`;

/** How long one query may take before the caller gives up on the connection. */
const QUERY_TIMEOUT_MS = 60_000;

/**
 * The process's one worker thread, shared by all its connections (the server's front and its site are two module
 * graphs with a connection each; a thread each would be a V8 heap each). The calling thread is blocked while a
 * query runs, so one request is outstanding at a time and one shared word signals every answer.
 */
interface Channel {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
  nextId: number;
  open: number;
  /** The number of the last request sent, which its answer carries back. */
  seq: number;
}

const CHANNEL = Symbol.for('potluck.pgWorker');

function channel(): Channel {
  const holder = globalThis as typeof globalThis & { [CHANNEL]?: Channel };
  let c = holder[CHANNEL];
  if (!c) {
    const state = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const pgPath = createRequire(import.meta.url).resolve('pg');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pgPath, port: port2, state }, transferList: [port2] });
    worker.unref();
    port1.unref();
    c = { worker, port: port1, signal: new Int32Array(state), nextId: 1, open: 0, seq: 0 };
    holder[CHANNEL] = c;
    // A worker that dies (or is stopped after a timeout) takes every connection with it; the next one starts anew.
    worker.once('exit', () => {
      if (holder[CHANNEL] === c) delete holder[CHANNEL];
    });
  }
  return c;
}

/** Sends one request to the worker and waits for its answer. */
function ask(c: Channel, request: Record<string, unknown>, url: string): Answer {
  request.seq = ++c.seq;
  Atomics.store(c.signal, 0, 0);
  c.port.postMessage(request);
  if (Atomics.wait(c.signal, 0, 0, QUERY_TIMEOUT_MS) === 'timed-out') {
    delete (globalThis as typeof globalThis & { [CHANNEL]?: Channel })[CHANNEL];
    void c.worker.terminate();
    throw new PgError(`PostgreSQL did not answer within ${QUERY_TIMEOUT_MS / 1000} s (${redact(url)}).`);
  }
  // The shared word can change before the answer is on the port: take messages until this request's own answer
  // is there (an earlier one's, late, is dropped), so no query ever gets another's rows.
  const deadline = Date.now() + QUERY_TIMEOUT_MS;
  for (;;) {
    const message = receiveMessageOnPort(c.port)?.message as Answer | undefined;
    if (message && message.seq === request.seq) return message;
    if (message) continue;
    if (Date.now() > deadline) throw new PgError('The PostgreSQL worker sent no answer.');
    Atomics.wait(c.signal, 0, 2, 1);
  }
}

export class SyncPgClient {
  readonly url: string;
  private readonly id: number;
  private readonly channel: Channel;
  private closed = false;

  constructor(url: string) {
    this.url = url;
    this.channel = channel();
    this.id = this.channel.nextId++;
    ask(this.channel, { id: this.id, open: url }, url);
    this.channel.open++;
  }

  /** Runs one statement (with `values`, as a prepared statement) or, without values, a script of several. */
  query(text: string, values?: unknown[]): SyncResult {
    if (this.closed) throw new PgError('The database connection is closed.');
    const message = ask(this.channel, { id: this.id, text, values: values?.map(toPgValue) }, this.url);
    if (!message.ok) {
      const e = message.error!;
      // The statement (its text, never its values) goes with the message: it names what to look at.
      throw new PgError(`${e.message} (in: ${text.length > 600 ? `${text.slice(0, 600)}…` : text})`, e.code, e.detail);
    }
    return { columns: message.columns!, rows: message.rows!, rowCount: message.rowCount! };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      ask(this.channel, { id: this.id, close: true }, this.url);
    } catch {
      // A worker that no longer answers has no connection to close.
    }
    if (--this.channel.open === 0) {
      // The last connection of the process: its thread goes too.
      delete (globalThis as typeof globalThis & { [CHANNEL]?: Channel })[CHANNEL];
      void this.channel.worker.terminate();
    }
  }
}

/** What node-postgres should send for a value better-sqlite3 would bind. */
function toPgValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === undefined) return null;
  return value;
}
