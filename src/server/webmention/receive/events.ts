/**
 * Emits 'queued' when a Webmention is accepted, so the worker verifies it a moment later rather than at its next
 * tick. One emitter per process, kept on globalThis: the built site and the server's own code (scripts/cli/serve.ts)
 * are separate module copies.
 */
import { EventEmitter } from 'node:events';

const EVENTS = Symbol.for('potluck.webmentionEvents');
export const webmentionEvents: EventEmitter = ((globalThis as Record<symbol, unknown>)[EVENTS] as EventEmitter | undefined) ??
  ((globalThis as Record<symbol, unknown>)[EVENTS] = new EventEmitter());
