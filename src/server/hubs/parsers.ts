/**
 * Where feeds are parsed: on a worker thread when one can be started (the server's scheduler, the CLI), else on
 * the calling thread (the web server's bundle, where the worker's source file is not beside the code). A worker
 * gets a small, bounded heap, so a poll of a thousand feeds costs the server little memory and uses a second core;
 * a worker that fails or runs out of memory is replaced, and that feed is parsed on the calling thread instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { parseFeed, type ParseFeedOptions, type ParseFeedResult } from '../../core/feeds/parse.ts';

/** Parses feed documents. */
export interface FeedParser {
  parse(body: Uint8Array, options: ParseFeedOptions): Promise<ParseFeedResult>;
  /** Stops its threads (idempotent). */
  close(): Promise<void>;
}

/** Parsing on the calling thread. */
export const inThreadParser: FeedParser = {
  parse: async (body, options) => parseFeed(body, options),
  close: async () => {},
};

interface Pending {
  resolve: (result: ParseFeedResult) => void;
  body: Uint8Array;
  options: ParseFeedOptions;
}

/** The worker's source file, when it sits beside this one (it does not inside the web server's bundle). */
function workerFile(): string | null {
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const file = path.join(here, 'parseWorker.ts');
    return path.basename(fileURLToPath(import.meta.url)) === 'parsers.ts' && fs.existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

/** The semi-space size the process was started with (`--max-semi-space-size`, as `npm start` sets it), 0 for V8's own. */
function processSemiSpaceMb(): number {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].join(' ');
  const found = [...flags.matchAll(/--max[-_]semi[-_]space[-_]size[= ](\d+)/g)].at(-1);
  return found ? Number(found[1]) : 0;
}

/**
 * Starts a worker whose young generation has semi-spaces of `mb`. The process's `--max-semi-space-size` (npm start
 * gives the server 4 MB, to keep an idle server small) is a V8 flag, and it overrides a worker's resourceLimits: the
 * parse worker ran with 4 MB semi-spaces whatever it asked for, and in a cold poll of 1,000 feeds × 20 items a third
 * of its time went to collecting garbage. So the flag is set for the moment the worker's heap is made (it is read
 * when a heap is set up: the main thread's heap stays as it was), and put back once the worker runs.
 */
function withSemiSpace(mb: number, start: () => Worker): Worker {
  const before = processSemiSpaceMb();
  if (before === 0 || before === mb) return start();
  v8.setFlagsFromString(`--max-semi-space-size=${mb}`);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    v8.setFlagsFromString(`--max-semi-space-size=${before}`);
  };
  let worker: Worker;
  try {
    worker = start();
  } catch (error) {
    restore();
    throw error;
  }
  worker.once('online', restore);
  worker.once('error', restore);
  worker.once('exit', restore);
  return worker;
}

/**
 * A parser on one worker thread with a bounded heap; falls back to the calling thread when no worker can run.
 * One worker is enough: the main thread fetches and stores, the worker parses.
 */
export function workerParser(options: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number } = {}): FeedParser {
  const file = workerFile();
  if (!file) return inThreadParser;
  let worker: Worker | null = null;
  let closed = false;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const fallBack = (ids: Iterable<number>) => {
    for (const id of [...ids]) {
      const job = pending.get(id);
      if (!job) continue;
      pending.delete(id);
      job.resolve(parseFeed(job.body, job.options));
    }
  };

  const start = (): Worker => {
    // The young generation holds one feed's parse: at 4 MB a scavenge came every ~1.3 MB, in the middle of a parse,
    // and most of each feed's tree was promoted and then collected by a full mark-compact. Semi-spaces of 12 MB (a
    // third of it) parse 1,000 feeds × 20 items in about 2.2 CPU-s; at 8 MB or less they took 3.6.
    const young = options.maxYoungGenerationSizeMb ?? 36;
    const w = withSemiSpace(Math.max(1, Math.round(young / 3)), () =>
      new Worker(file, { resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 96, maxYoungGenerationSizeMb: young } }),
    );
    w.unref();
    w.on('message', (reply: { id: number; result?: ParseFeedResult; error?: string }) => {
      const job = pending.get(reply.id);
      if (!job) return;
      pending.delete(reply.id);
      if (reply.result) job.resolve(reply.result);
      else job.resolve(parseFeed(job.body, job.options));
    });
    const lost = () => {
      if (worker === w) worker = null;
      // Whatever it was working on is parsed here instead; the next feed starts a new worker.
      fallBack(pending.keys());
    };
    w.on('error', lost);
    w.on('exit', lost);
    return w;
  };

  return {
    parse(body, parseOptions) {
      if (closed) return Promise.resolve(parseFeed(body, parseOptions));
      worker ??= start();
      const id = nextId++;
      return new Promise<ParseFeedResult>((resolve) => {
        pending.set(id, { resolve, body, options: parseOptions });
        // A copy goes to the worker, so the caller's buffer stays whole for the fallback.
        worker!.postMessage({ id, body, options: parseOptions });
      });
    },
    async close() {
      closed = true;
      const w = worker;
      worker = null;
      if (w) await w.terminate();
      fallBack(pending.keys());
    },
  };
}
