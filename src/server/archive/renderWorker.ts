/**
 * A worker thread that renders the Markdown of older saved versions for the archive's offline pages (see
 * bodyRenderer.ts): rendering is the expensive part of those pages, and on a second core it runs while the main
 * thread writes the rest of the archive and renders the site.
 */
import { parentPort } from 'node:worker_threads';
import { renderArtifactBody, type BodyFormat } from '../../core/markdown/render.ts';

parentPort?.on('message', (message: { id: number; source: string; format: BodyFormat }) => {
  let reply: { id: number; result?: unknown; error?: string };
  try {
    reply = { id: message.id, result: renderArtifactBody({ source: message.source, format: message.format }) };
  } catch (error) {
    reply = { id: message.id, error: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
