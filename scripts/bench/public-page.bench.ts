/**
 * Public artifact page on loopback: one server process, 50 concurrent keep-alive connections, 5 s, median of 3 rounds.
 * Target: at least 3,000 requests/s with p99 under 50 ms. The load generator shares the machine's two cores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { createUser } from '../../src/commands/userCreator.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { startServerProcess } from '../lib/serverProcess.ts';
import { samplePost } from './lib.ts';
import { load, type LoadResult } from './load.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-page-'));
const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
const owner = await createUser(app, { handle: 'bench', name: 'Bench Student', role: 'student' });
const { artifact } = await saveArtifact(app, {
  ownerId: owner.id,
  input: { title: 'A long essay', kind: 'post', visibility: 'public', body: samplePost(1500), tags: ['eng10'] },
});
app.db.$client.close();

const server = await startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off' });
const url = `${server.url}/@bench/${artifact.slug}/`;
try {
  await load(url, { connections: 10, seconds: 1 }); // warm-up
  const rounds: LoadResult[] = [];
  for (let i = 0; i < 3; i++) rounds.push(await load(url, { connections: 50, seconds: 5 }));
  rounds.sort((a, b) => a.rps - b.rps);
  const median = rounds[1];
  console.log(JSON.stringify({ name: 'public artifact page, 50 connections', ...median, rounds: rounds.map((r) => r.rps), target: '>= 3000 req/s, p99 < 50 ms' }));
} finally {
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
