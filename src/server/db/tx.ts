/** Transactions on the shared connection. Nesting is allowed: an inner call becomes a savepoint. */
import type { AppContext } from '../context.ts';
import { forgetVersion } from './changes.ts';

/**
 * Runs `fn` in an IMMEDIATE transaction (or a savepoint inside one); any throw rolls everything back. A transaction
 * reads the database as of when it took the lock, remembered answers included (db/changes.ts): a read-then-write in
 * it never decides on what another node changed while it waited.
 */
export function inTransaction<T>(app: AppContext, fn: () => T): T {
  const client = app.db.$client;
  if (client.inTransaction) return client.transaction(fn)();
  return client
    .transaction(() => {
      forgetVersion(app.db);
      return fn();
    })
    .immediate();
}
