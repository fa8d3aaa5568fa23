/**
 * "Something public may have changed" and "a WebSub request is waiting", told to the WebSub worker in this process
 * (worker.ts) so it acts at once instead of at its next tick. One emitter per process, kept on globalThis: the built
 * site and the server's own code (scripts/cli/serve.ts) are separate module copies.
 */
import { EventEmitter } from 'node:events';

const EVENTS = Symbol.for('potluck.websubEvents');
export const websubEvents: EventEmitter =
  ((globalThis as Record<symbol, unknown>)[EVENTS] as EventEmitter | undefined) ??
  ((globalThis as Record<symbol, unknown>)[EVENTS] = new EventEmitter());

/** Public output may have changed (a save, an edit, a deletion, a hub's new items): subscribers may be owed a delivery. */
export function websubContentChanged(): void {
  // After the caller's transaction has committed.
  setImmediate(() => websubEvents.emit('work'));
}

/** A subscription request or delivery was queued. */
export function websubWorkQueued(): void {
  setImmediate(() => websubEvents.emit('work'));
}
