/**
 * Whether anything has changed in the database since a moment ago, for answers worked out once and reused until
 * then. SQLite's `data_version` moves when another connection commits (another process, or the site's own
 * connection beside the server front's), `total_changes()` when this one writes. Asking costs one tiny statement.
 */
import type { Db } from './index.ts';
import { prepared } from './prepared.ts';
import { isPg, type PgDatabase } from './pg/compat.ts';

/** A value that differs from every earlier one once any change has been made to the database since. */
export function changeStamp(db: Db): string {
  const row = stampOf(db);
  return `${row.version}.${row.changes}`;
}

function stampOf(db: Db): { version: number | string; changes: number } {
  if (isPg(db.$client)) return pgStampOf(db.$client);
  const statement = prepared(db, 'changes.stamp', (d) =>
    d.$client.prepare<[], { version: number; changes: number }>(
      'select (select data_version from pragma_data_version) as version, total_changes() as changes',
    ),
  );
  return statement.get()!;
}

/**
 * PostgreSQL's stamp: the server's current snapshot, which moves when any transaction that wrote (on any node)
 * starts or ends, and never for one that only read; with this connection's own count of written rows.
 */
function pgStampOf(client: PgDatabase): { version: string; changes: number } {
  const row = client.prepare('select pg_current_snapshot()::text as version').get() as { version: string };
  return { version: row.version, changes: client.totalChanges };
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
 * (this connection saw no other commit, and its own count of changes moved by exactly the write's), the answers
 * stay. Anything else, and they are forgotten as after any write.
 */
export function writeKeepingMemory<T extends { changes: number }>(db: Db, write: () => T): T {
  const before = stampOf(db);
  const result = write();
  const memory = memories.get(db);
  if (memory && memory.stamp === `${before.version}.${before.changes}`) {
    const after = stampOf(db);
    if (after.version === before.version && after.changes === before.changes + result.changes) memory.stamp = `${after.version}.${after.changes}`;
  }
  return result;
}
