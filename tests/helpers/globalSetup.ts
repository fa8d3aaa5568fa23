/** Builds the server bundle once before any test starts a real server. */
import path from 'node:path';
import { ensureServerBuild } from '../../scripts/cli/build.ts';

export default function setup() {
  process.env.TZ = 'UTC';
  ensureServerBuild(path.resolve(import.meta.dirname, '..', '..'), (line) => console.log(line));
}
