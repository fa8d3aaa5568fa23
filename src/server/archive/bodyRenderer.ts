/**
 * Where the archive's offline pages render older saved versions: on a worker thread when one can be started (the
 * CLI, benchmarks), else on the calling thread when the page is written (the web server's bundle, where the
 * worker's source file is not beside the code). Either way the one Markdown pipeline (core/markdown/render.ts) does
 * the rendering. A worker that fails is not replaced: what it had not answered is rendered on the calling thread.
 */
import fs from 'node:fs';
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

/** A renderer on one worker thread, or on the calling thread where no worker can run. */
export function workerBodyRenderer(): BodyRenderer {
  const file = workerFile();
  if (!file) return inThreadBodyRenderer;
  const pending = new Map<number, { source: string; format: BodyFormat; resolve: (r: RenderResult) => void }>();
  let nextId = 1;
  let worker: Worker | null;
  try {
    worker = new Worker(file);
  } catch {
    return inThreadBodyRenderer;
  }
  worker.unref();
  const fallBack = () => {
    for (const [id, job] of [...pending]) {
      pending.delete(id);
      job.resolve(renderArtifactBody({ source: job.source, format: job.format }));
    }
  };
  worker.on('message', (reply: { id: number; result?: RenderResult; error?: string }) => {
    const job = pending.get(reply.id);
    if (!job) return;
    pending.delete(reply.id);
    job.resolve(reply.result ?? renderArtifactBody({ source: job.source, format: job.format }));
  });
  const lost = () => {
    worker = null;
    fallBack();
  };
  worker.on('error', lost);
  worker.on('exit', lost);
  return {
    ahead: true,
    render(source, format) {
      if (!worker) return Promise.resolve(renderArtifactBody({ source, format }));
      const id = nextId++;
      return new Promise<RenderResult>((resolve) => {
        pending.set(id, { source, format, resolve });
        worker!.postMessage({ id, source, format });
      });
    },
    async close() {
      const w = worker;
      worker = null;
      // Whatever is still waiting was not going to be used (the export ended or stopped): it is not rendered here.
      for (const [id, job] of [...pending]) {
        pending.delete(id);
        job.resolve({ ok: false, errors: [{ line: 1, column: 1, message: 'The export stopped before this version was rendered.' }] });
      }
      if (w) await w.terminate();
    },
  };
}
