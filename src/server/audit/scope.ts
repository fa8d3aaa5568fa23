/**
 * Where the current request comes from, for the audit log's "from where": the middleware runs each request inside
 * a scope holding the client's address, the CLI runs each command inside one holding `cli`, so commands record the
 * address without every route passing it down. Kept on globalThis because the built site and the CLI's sources are
 * two copies of this module in one server process.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a scope knows about the request or command it wraps. */
export interface AuditScope {
  /** The client's address (after trusted proxies), or `cli`. */
  address: string | null;
}

const KEY = Symbol.for('potluck.auditScope');
const store: AsyncLocalStorage<AuditScope> = ((globalThis as Record<symbol, unknown>)[KEY] ??= new AsyncLocalStorage<AuditScope>()) as AsyncLocalStorage<AuditScope>;

/** Runs `fn` with `scope` as the audit scope of everything it does, awaited work and jobs it starts included. */
export function withAuditScope<T>(scope: AuditScope, fn: () => T): T {
  return store.run(scope, fn);
}

/** The scope of the running request or command, if any. */
export function currentAuditScope(): AuditScope | undefined {
  return store.getStore();
}
