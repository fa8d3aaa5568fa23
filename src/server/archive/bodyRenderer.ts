/**
 * Where the archive's offline pages render older saved versions: on worker threads when they can be started (the
 * CLI, benchmarks), else on the calling thread when the page is written (the web server's bundle, where the
 * worker's source file is not beside the code). Either way the one Markdown pipeline (core/markdown/render.ts) does
 * the rendering. A worker that fails is not replaced: what it had not answered is rendered on the calling thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { renderArtifactBody, type BodyFormat, type RenderResult } from '../../core/markdown/render.ts';

/** Renders bodies; `render` may be called long before the result is needed (a worker starts on it at once). */
export interface BodyRenderer {
  render(source: string, format: BodyFormat): Promise<RenderResult>;
  /** Whether `render` works ahead of the caller (true on a worker); the caller then asks early. */
  readonly ahead: boolean;
  /** Stops its thread (idempotent); renders still waiting are answered as not rendered. */
  close(): Promise<void>;
}

/** Rendering on the calling thread, when the result is asked for. */
export const inThreadBodyRenderer: BodyRenderer = {
  render: async (source, format) => renderArtifactBody({ source, format }),
  ahead: false,
  close: async () => {},
};

function workerFile(): string | null {
  try {
    const here = fileURLToPath(import.meta.url);
    const file = path.join(path.dirname(here), 'renderWorker.ts');
    return path.basename(here) === 'bodyRenderer.ts' && fs.existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

/** How many worker threads render at once: the cores the machine has to spare, at least one, at most four. */
function defaultThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

/**
 * A renderer on worker threads (one per spare core, up to four), or on the calling thread where no worker can run.
 * Each body goes to the thread with the fewest waiting; a thread that fails leaves the pool, and what it had not
 * answered is rendered on the calling thread.
 */
export function workerBodyRenderer(options: { threads?: number } = {}): BodyRenderer {
  const file = workerFile();
  if (!file) return inThreadBodyRenderer;
  type Job = { source: string; format: BodyFormat; resolve: (r: RenderResult) => void };
  const pool: { worker: Worker; pending: Map<number, Job> }[] = [];
  let nextId = 1;
  const renderHere = (job: Job) => job.resolve(renderArtifactBody({ source: job.source, format: job.format }));
  for (let i = 0; i < (options.threads ?? defaultThreads()); i++) {
    let worker: Worker;
    try {
      worker = new Worker(file);
    } catch {
      break;
    }
    worker.unref();
    const member = { worker, pending: new Map<number, Job>() };
    worker.on('message', (reply: { id: number; result?: RenderResult; error?: string }) => {
      const job = member.pending.get(reply.id);
      if (!job) return;
      member.pending.delete(reply.id);
      if (reply.result) job.resolve(reply.result);
      else renderHere(job);
    });
    const lost = () => {
      const at = pool.indexOf(member);
      if (at >= 0) pool.splice(at, 1);
      for (const job of member.pending.values()) renderHere(job);
      member.pending.clear();
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    pool.push(member);
  }
  if (pool.length === 0) return inThreadBodyRenderer;
  return {
    ahead: true,
    render(source, format) {
      const member = pool.reduce<(typeof pool)[number] | undefined>((best, m) => (best && best.pending.size <= m.pending.size ? best : m), undefined);
      if (!member) return Promise.resolve(renderArtifactBody({ source, format }));
      const id = nextId++;
      return new Promise<RenderResult>((resolve) => {
        member.pending.set(id, { source, format, resolve });
        member.worker.postMessage({ id, source, format });
      });
    },
    async close() {
      const members = pool.splice(0, pool.length);
      // Whatever is still waiting was not going to be used (the export ended or stopped): it is not rendered here.
      for (const m of members) {
        for (const job of m.pending.values()) {
          job.resolve({ ok: false, errors: [{ line: 1, column: 1, message: 'The export stopped before this version was rendered.' }] });
        }
        m.pending.clear();
      }
      await Promise.all(members.map((m) => m.worker.terminate()));
    },
  };
}
