/**
 * Whether anything has changed in the database since a moment ago, for answers worked out once and reused until
 * then. Two things move the change stamp: a write made in this process, on any of its connections (the server
 * front's, the site's, a command's), counted as it runs (statementCache.ts), so it is seen at once and without a
 * query; and a commit by another connection (another process, such as the CLI, or a worker thread), which SQLite's
 * `data_version` tells. Asking SQLite costs a read transaction, so it is asked once per moment: a moment ends with
 * the turn of the event loop it began in, and a request the server reads begins a new one unless the moment began
 * with an earlier request of the same turn (requestArrived). The requests read in one turn arrived before the first
 * of them was answered, so a commit made before any of them was sent is seen by all; a commit elsewhere is seen by
 * the next request and the next turn, never later.
 */
import { setImmediate } from 'node:timers';
import type { Db } from './index.ts';
import { prepared } from './prepared.ts';
import { isPg, pgWriteCount } from './pg/compat.ts';
import { countsWrites, writeCount } from './statementCache.ts';

const MOMENT = Symbol.for('potluck.dbMoment');

interface Moment {
  id: number;
  /** Whether its end at the end of this turn is scheduled. */
  ending: boolean;
  /** Whether it began as a request came in (requestArrived), so that later requests of the same turn share it. */
  fromRequest: boolean;
}

/** The current moment, shared on globalThis by the bundled site and the CLI (like the write count). */
function moment(): Moment {
  const holder = globalThis as typeof globalThis & { [MOMENT]?: Moment };
  holder[MOMENT] ??= { id: 0, ending: false, fromRequest: false };
  return holder[MOMENT];
}

/**
 * The server calls this as each request comes in: unless an earlier request of this same turn began the moment, a
 * new one begins, and the next change stamp of every connection asks SQLite again whether another connection has
 * committed. So a request sent after a commit elsewhere (the CLI) is answered as of after it, even when something
 * else (a timer) asked earlier in the same turn of the event loop.
 */
export function requestArrived(): void {
  const now = moment();
  if (now.fromRequest) return;
  now.id++;
  now.fromRequest = true;
}

// By connection: its data_version as last asked, and in which moment.
const versions = new WeakMap<Db, { moment: number; version: number | string }>();

/**
 * SQLite's data_version of `db`, asked now; on PostgreSQL, the server's current snapshot, which moves when any
 * transaction that wrote (on any node) starts or ends, and never for one that only read.
 */
function askVersion(db: Db): number | string {
  const statement = prepared(db, 'changes.version', (d) =>
    isPg(d.$client) ? d.$client.prepare('select pg_current_snapshot()::text').pluck() : d.$client.prepare<[], number>('pragma data_version').pluck(),
  );
  const version = statement.get() as number | string;
  const now = moment();
  versions.set(db, { moment: now.id, version });
  if (!now.ending) {
    now.ending = true;
    setImmediate(() => {
      now.ending = false;
      now.fromRequest = false;
      now.id++;
    });
  }
  return version;
}

/**
 * Forgets what `db` was told about other connections' commits, so that its next change stamp asks again. A write
 * transaction calls this once it holds the lock (db/tx.ts): what it reads through remembered answers then includes
 * every commit another connection or node made while it waited for the lock.
 */
export function forgetVersion(db: Db): void {
  versions.delete(db);
}

/** `db`'s data_version as of this moment: asked at most once per moment. */
function versionOf(db: Db): number | string {
  const known = versions.get(db);
  return known && known.moment === moment().id ? known.version : askVersion(db);
}

/** A value that differs from every earlier one once any change has been made to the database since. */
export function changeStamp(db: Db): string {
  const row = stampOf(db);
  return `${row.version}.${row.changes}`;
}

function stampOf(db: Db): { version: number | string; changes: number } {
  // PostgreSQL: the server's snapshot as of this moment, and this process's writes to it.
  if (isPg(db.$client)) return { version: versionOf(db), changes: pgWriteCount() };
  // A connection whose statements are not counted (opened without openDatabase) asks SQLite every time.
  if (!countsWrites(db.$client)) return askedStamp(db);
  return { version: versionOf(db), changes: writeCount() };
}

function askedStamp(db: Db): { version: number; changes: number } {
  const statement = prepared(db, 'changes.stamp', (d) =>
    d.$client.prepare<[], { version: number; changes: number }>(
      'select (select data_version from pragma_data_version) as version, total_changes() as changes',
    ),
  );
  return statement.get()!;
}

/** Rows this connection has written so far (SQLite's total_changes(); on PostgreSQL, counted by the connection). */
export function rowsWritten(db: Db): number {
  if (isPg(db.$client)) return db.$client.totalChanges;
  return prepared(db, 'changes.total', (d) => d.$client.prepare<[], number>('select total_changes()').pluck()).get()!;
}

interface Memory {
  stamp: string;
  answers: Map<string, unknown>;
}

const memories = new WeakMap<Db, Memory>();

/** How many answers are kept at most between two changes to the database. */
const MAX_ANSWERS = 10_000;

/**
 * The answer `compute()` gave for `key` earlier, while the database has not changed since; otherwise computed now.
 * For facts read many times in one request and between writes (the school's policy, who teaches or shares a class
 * with whom): any write anywhere forgets them all, so an answer is never older than the data it came from.
 */
export function remembered<T>(db: Db, key: string, compute: () => T): T {
  const stamp = changeStamp(db);
  let memory = memories.get(db);
  if (!memory || memory.stamp !== stamp || memory.answers.size >= MAX_ANSWERS) {
    memory = { stamp, answers: new Map() };
    memories.set(db, memory);
  }
  if (memory.answers.has(key)) return memory.answers.get(key) as T;
  const answer = compute();
  // Computing may itself have written (a row made on first use): then the answer belongs to the new state.
  if (changeStamp(db) === stamp) memory.answers.set(key, answer);
  return answer;
}

/**
 * Runs a write that no remembered answer depends on (a member's last visit to a hub, recorded on every view of its
 * page) without forgetting them: when the database was unchanged before it, and afterwards nothing else has changed
 * (SQLite, asked now, reports no other connection's commit since, and nothing but this one statement wrote in this
 * process meanwhile), the answers stay. Anything else, and they are forgotten as after any write.
 */
export function writeKeepingMemory<T extends { changes: number }>(db: Db, write: () => T): T {
  // On PostgreSQL the write moves the server's snapshot too, so the answers are forgotten as after any write.
  if (isPg(db.$client)) return write();
  if (!countsWrites(db.$client)) return writeKeepingMemoryAsked(db, write);
  const version = versionOf(db);
  const writes = writeCount();
  const result = write();
  const memory = memories.get(db);
  if (memory && memory.stamp === `${version}.${writes}` && writeCount() === writes + 1 && askVersion(db) === version) {
    memory.stamp = changeStamp(db);
  }
  return result;
}

function writeKeepingMemoryAsked<T extends { changes: number }>(db: Db, write: () => T): T {
  const before = askedStamp(db);
  const result = write();
  const memory = memories.get(db);
  if (memory && memory.stamp === `${before.version}.${before.changes}`) {
    const after = askedStamp(db);
    if (after.version === before.version && after.changes === before.changes + result.changes) memory.stamp = `${after.version}.${after.changes}`;
  }
  return result;
}
