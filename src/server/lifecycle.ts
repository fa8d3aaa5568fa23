/**
 * Whether this process is taking work: `potluck serve` says so when it starts stopping (SIGTERM, SIGINT), and
 * /readyz reads it, so that a load balancer moves new requests to another node while this one finishes its own.
 * One state per process: the server front's module graph (the command line's bundle) and the built site's are
 * separate, so it lives on `globalThis` under a registered symbol.
 */
const SHARED = Symbol.for('potluck.lifecycle');

export type LifecycleState = 'serving' | 'stopping';

interface Lifecycle {
  state: LifecycleState;
}

function lifecycle(): Lifecycle {
  const holder = globalThis as typeof globalThis & { [SHARED]?: Lifecycle };
  holder[SHARED] ??= { state: 'serving' };
  return holder[SHARED];
}

/** 'serving' unless the process has begun to stop. */
export function lifecycleState(): LifecycleState {
  return lifecycle().state;
}

/** From now on /readyz answers 503 and answers ask their connection to close. */
export function markStopping(): void {
  lifecycle().state = 'stopping';
}
