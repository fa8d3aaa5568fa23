/**
 * Every statement prepared once per database. SQLite compiles each statement's SQL into a program before running
 * it, and on the hot paths (a session check, a workspace list, a feed merge) compiling costs more than running.
 * drizzle asks the connection to prepare every query it runs, so the connection keeps what it compiled, by SQL text,
 * and hands the same statement out again: the query builder still writes the SQL, SQLite compiles it only once.
 *
 * A statement handed out again is reset to return rows as objects (drizzle switches it to arrays when it maps the
 * columns itself). One still open in an iteration is busy, so a fresh one is compiled for that call. The cache keeps
 * the most recently used statements, so SQL that varies with its input (an IN list of n placeholders) cannot grow it
 * without bound.
 *
 * It also counts the statements that may write (SQLite says which: a statement that is not read-only), across every
 * connection of the process, as they run: db/changes.ts reads that count to tell a write made here since a moment ago
 * without asking SQLite.
 */
import type Database from 'better-sqlite3';

type Statement = Database.Statement;

/** How many statements this process has compiled and reused, across its databases. */
export interface StatementCounts {
  compiled: number;
  reused: number;
}

const COUNTS = Symbol.for('potluck.statementCounts');

/**
 * The process's counts. The bundled site and the CLI are separate module graphs in one server process, so the
 * counts live on globalThis, like the page cache.
 */
export function statementCounts(): StatementCounts {
  const holder = globalThis as typeof globalThis & { [COUNTS]?: StatementCounts };
  holder[COUNTS] ??= { compiled: 0, reused: 0 };
  return holder[COUNTS];
}

const WRITES = Symbol.for('potluck.writeCount');

/**
 * How many statements that may write have run in this process (on any connection whose statements are cached here),
 * and `exec` calls, so far. Shared on globalThis, like the counts, by the bundled site and the CLI: a write through
 * the server front's connection moves it for the site's too.
 */
export function writeCount(): number {
  return writes().count;
}

function writes(): { count: number } {
  const holder = globalThis as typeof globalThis & { [WRITES]?: { count: number } };
  holder[WRITES] ??= { count: 0 };
  return holder[WRITES];
}

const counted = new WeakSet<Database.Database>();

/** Whether every write on `sqlite` moves writeCount() (its statements go through cacheStatements). */
export function countsWrites(sqlite: Database.Database): boolean {
  return counted.has(sqlite);
}

type Run = (...args: unknown[]) => unknown;

/** Counts each run of `statement` when it may write; read-only statements are left as they are. */
function countingWrites(statement: Statement, tally: { count: number }): Statement {
  if (statement.readonly) return statement;
  const own = statement as unknown as Record<'run' | 'get' | 'all' | 'iterate', Run>;
  for (const method of ['run', 'get', 'all', 'iterate'] as const) {
    const original = own[method];
    own[method] = function (this: unknown, ...args: unknown[]) {
      tally.count++;
      return original.apply(this, args);
    };
  }
  return statement;
}

/** Makes `sqlite.prepare` return the statement it compiled before for the same SQL, keeping up to `max` of them. */
export function cacheStatements(sqlite: Database.Database, max = 1000): void {
  const compile = sqlite.prepare.bind(sqlite);
  const kept = new Map<string, Statement>();
  const counts = statementCounts();
  const tally = writes();
  const prepare = (source: string): Statement => {
    const statement = kept.get(source);
    if (statement && !statement.busy) {
      kept.delete(source);
      kept.set(source, statement); // most recently used last
      if (statement.reader) statement.raw(false);
      counts.reused++;
      return statement;
    }
    const fresh = countingWrites(compile(source), tally);
    counts.compiled++;
    if (statement) return fresh; // the kept one is busy iterating: this one is for this call only
    kept.set(source, fresh);
    if (kept.size > max) kept.delete(kept.keys().next().value!);
    return fresh;
  };
  sqlite.prepare = prepare as typeof sqlite.prepare;
  const exec = sqlite.exec.bind(sqlite);
  sqlite.exec = (source: string) => {
    tally.count++;
    return exec(source);
  };
  counted.add(sqlite);
}
