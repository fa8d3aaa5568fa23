/** Rendering pages from a shell: the built server mounted in this process (for `potluck export` and `potluck build`). */
import path from 'node:path';
import type { Renderer } from '../../src/server/export/renderer.ts';
import { handlerRenderer } from '../../src/server/export/renderer.ts';
import { ensureServerBuild } from './build.ts';
import type { CliIo } from './io.ts';

const projectRoot = path.resolve(import.meta.dirname, '..', '..');

/** Environment the in-process handler reads (it configures itself from process.env, like the web server). */
const HANDLER_ENV = ['POTLUCK_DATA', 'POTLUCK_SITE_URL', 'HOST', 'PORT', 'POTLUCK_SECRET', 'POTLUCK_ALLOW_PRIVATE_NETWORKS', 'GITHUB_API_URL'];

/**
 * Starts a renderer on the data folder `dataDir` (default the one in the environment), building the server bundle
 * first when the sources changed. One process renders from one data folder.
 */
export async function startCliRenderer(io: CliIo, log: (line: string) => void, dataDir?: string): Promise<Renderer> {
  const entry = ensureServerBuild(projectRoot, log);
  if (io.env !== process.env) for (const name of HANDLER_ENV) if (io.env[name] !== undefined) process.env[name] = io.env[name];
  if (dataDir) process.env.POTLUCK_DATA = dataDir;
  process.env.POTLUCK_MIGRATIONS ??= path.join(projectRoot, 'drizzle');
  return handlerRenderer(entry);
}
