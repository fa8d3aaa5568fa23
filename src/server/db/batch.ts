/**
 * Write transactions that several callers are about to need, run as one. Each caller's work is a savepoint of its
 * own inside a shared IMMEDIATE transaction: work that throws is rolled back alone and its caller gets the error,
 * while the others' work commits. A cold poll of 1,000 feeds ran one transaction per feed, and beginning and
 * committing them was a sixth of the server's processor time; together, the pages many feeds change (the index
 * leaves, the hub's row) are written to the log once per batch instead of once per feed.
 *
 * A caller first says it will need a transaction (`expect()`), then does its slow part (a fetch), then hands its
 * work over (`ticket.run(fn)`). The batch runs as soon as nobody else who said so is still on their way, when it is
 * full, or a moment after its first work arrived, whichever comes first: a lone caller waits for nothing.
 */
import type { AppContext } from '../context.ts';
import { inTransaction } from './tx.ts';

/** Most callers' work in one transaction. */
const MAX_BATCH = 32;
/** Longest the first work of a batch waits for others to join. */
const MAX_WAIT_MS = 20;

/** One caller's place in the next batch. */
export interface BatchTicket {
  /** Runs `fn` in the next batch (inside a transaction); resolves with its result once that batch committed. */
  run<T>(fn: () => T): Promise<T>;
  /** This caller needs no transaction after all (call in a finally: harmless after run). */
  done(): void;
}

/** A batcher of write transactions on one connection. */
export interface TransactionBatcher {
  expect(): BatchTicket;
}

interface Queued {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const batchers = new WeakMap<object, TransactionBatcher>();

/** The batcher of `app`'s connection. */
export function transactionBatcher(app: AppContext): TransactionBatcher {
  const key = app.db.$client;
  let batcher = batchers.get(key);
  if (!batcher) batchers.set(key, (batcher = makeBatcher(app)));
  return batcher;
}

function makeBatcher(app: AppContext): TransactionBatcher {
  let expected = 0;
  let queue: Queued[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      inTransaction(app, () => {
        for (const item of batch) {
          try {
            // Nested: a savepoint, rolled back alone when the work throws.
            outcomes.push({ ok: true, value: inTransaction(app, item.fn) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The transaction itself failed (it could not begin or commit): nobody's work was kept.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  };

  const check = () => {
    if (queue.length === 0) return;
    if (expected === 0 || queue.length >= MAX_BATCH) flush();
    else timer ??= setTimeout(flush, MAX_WAIT_MS);
  };

  return {
    expect() {
      expected++;
      let pending = true;
      const leave = () => {
        if (!pending) return false;
        pending = false;
        expected--;
        return true;
      };
      return {
        run<T>(fn: () => T): Promise<T> {
          leave();
          const result = new Promise<T>((resolve, reject) => queue.push({ fn, resolve: resolve as (value: unknown) => void, reject }));
          check();
          return result;
        },
        done() {
          if (leave()) check();
        },
      };
    },
  };
}
