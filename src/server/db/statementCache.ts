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

/** Makes `sqlite.prepare` return the statement it compiled before for the same SQL, keeping up to `max` of them. */
export function cacheStatements(sqlite: Database.Database, max = 1000): void {
  const compile = sqlite.prepare.bind(sqlite);
  const kept = new Map<string, Statement>();
  const counts = statementCounts();
  const prepare = (source: string): Statement => {
    const statement = kept.get(source);
    if (statement && !statement.busy) {
      kept.delete(source);
      kept.set(source, statement); // most recently used last
      if (statement.reader) statement.raw(false);
      counts.reused++;
      return statement;
    }
    const fresh = compile(source);
    counts.compiled++;
    if (statement) return fresh; // the kept one is busy iterating: this one is for this call only
    kept.set(source, fresh);
    if (kept.size > max) kept.delete(kept.keys().next().value!);
    return fresh;
  };
  sqlite.prepare = prepare as typeof sqlite.prepare;
}
