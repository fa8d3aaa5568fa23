/**
 * Statements prepared once per database and reused: for the few queries on the hot path of every public request,
 * where building the SQL each time costs more than running it.
 */
import type { Db } from './index.ts';

const cache = new WeakMap<Db, Map<string, unknown>>();

/** The statement `make(db)` built the first time this `name` is asked for on `db`. */
export function prepared<T>(db: Db, name: string, make: (db: Db) => T): T {
  let statements = cache.get(db);
  if (!statements) cache.set(db, (statements = new Map()));
  let statement = statements.get(name) as T | undefined;
  if (statement === undefined) {
    statement = make(db);
    statements.set(name, statement);
  }
  return statement;
}
