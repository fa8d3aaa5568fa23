/**
 * Concurrency limits for outgoing requests: a plain counting semaphore, and a keyed one that gives every host its
 * own small semaphore. safeFetch holds one slot of each while a request is in flight, so a hub with 1,000 feeds
 * neither opens 1,000 sockets at once nor hammers one student's small blog with parallel requests.
 */

/** Gives back the slot; calling it twice is harmless. */
export type Release = () => void;

/** A counting semaphore with a FIFO queue, so waiters are served in the order they arrived. */
export class Semaphore {
  readonly limit: number;
  #active = 0;
  #waiters: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`A semaphore needs a limit of 1 or more, got ${limit}`);
    this.limit = limit;
  }

  /** Slots in use right now. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Waits for a free slot and returns the function that frees it. */
  acquire(): Promise<Release> {
    if (this.#active < this.limit) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      // The slot passes straight from the releasing holder to this waiter, so #active never dips in between.
      this.#waiters.push(() => resolve(this.#releaser()));
    });
  }

  /** Runs `task` while holding a slot. */
  async use<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next();
      else this.#active--;
    };
  }
}

/** One semaphore per key (a hostname), created on first use and dropped again when nobody holds or awaits it. */
export class KeyedSemaphore {
  readonly limitPerKey: number;
  #byKey = new Map<string, Semaphore>();

  constructor(limitPerKey: number) {
    this.limitPerKey = limitPerKey;
  }

  /** Keys with a semaphore alive right now (for tests and diagnostics). */
  get size(): number {
    return this.#byKey.size;
  }

  /** Waits for a free slot for `key`. */
  async acquire(key: string): Promise<Release> {
    let semaphore = this.#byKey.get(key);
    if (!semaphore) {
      semaphore = new Semaphore(this.limitPerKey);
      this.#byKey.set(key, semaphore);
    }
    const own = semaphore;
    const release = await own.acquire();
    return () => {
      release();
      if (own.active === 0 && own.waiting === 0 && this.#byKey.get(key) === own) this.#byKey.delete(key);
    };
  }
}

/** The two limits safeFetch respects: overall, and per host. */
export interface FetchLimits {
  overall: Semaphore;
  perHost: KeyedSemaphore;
}

/** Builds a fresh pair of limits (each test or benchmark can have its own). */
export function createFetchLimits(options: { overall?: number; perHost?: number } = {}): FetchLimits {
  return { overall: new Semaphore(options.overall ?? 16), perHost: new KeyedSemaphore(options.perHost ?? 2) };
}
