/** Transactions on the shared connection. Nesting is allowed: an inner call becomes a savepoint. */
import type { AppContext } from '../context.ts';

/** Runs `fn` in an IMMEDIATE transaction (or a savepoint inside one); any throw rolls everything back. */
export function inTransaction<T>(app: AppContext, fn: () => T): T {
  const client = app.db.$client;
  const run = client.transaction(fn);
  return client.inTransaction ? run() : run.immediate();
}
