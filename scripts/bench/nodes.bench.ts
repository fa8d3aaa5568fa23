/**
 * Nodes on one PostgreSQL: a signed-in student's /workspace (5 pieces) served by one `potluck serve` and then by
 * three on the same database, 48 keep-alive connections in all (three load generators of 16 at once for three
 * nodes, summed), medians of 3 rounds of 5 s. Goal: three nodes at least 2.5× one node's requests per second on a
 * machine with enough cores; the line says how many this one has (the load generators, PostgreSQL and the nodes
 * share them). Needs Debian's PostgreSQL; says so and stops when it is missing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { createUser } from '../../src/commands/userCreator.ts';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/server/auth/sessions.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { postgresMissing, startPostgres } from '../../tests/support/postgres.ts';
import { startServerProcess, type ServerProcess } from '../lib/serverProcess.ts';
import { loadFast } from './load.ts';

if (postgresMissing) {
  console.log(JSON.stringify({ name: 'three nodes on one PostgreSQL', skipped: postgresMissing }));
  process.exit(0);
}

const postgres = await startPostgres('nodes', { maxConnections: 50 });
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-nodes-'));
const env = { POTLUCK_DATA: dataDir, DATABASE_URL: postgres.url, POTLUCK_DEMO: 'off', POTLUCK_SECRET: 'a secret the benchmark nodes share, 32+ characters' };
const app = createAppContext(loadConfig(env), { migrate: true });
const student = await createUser(app, { handle: 'bench', name: 'Bench Student', role: 'student' });
for (let i = 0; i < 5; i++) await saveArtifact(app, { ownerId: student.id, input: { title: `Piece ${i}`, kind: 'post', visibility: 'members', body: `Piece ${i} of the benchmark.` } });
const token = generateSessionToken();
createSession(app, token, student.id);
app.db.$client.close();
const headers = { cookie: `${SESSION_COOKIE}=${token}` };

const CONNECTIONS = 48;
const nodes: ServerProcess[] = [];
/** Requests per second over `seconds`, all nodes at once, the connections split between them. */
async function round(seconds: number): Promise<number> {
  const results = await Promise.all(nodes.map((n) => loadFast(`${n.url}/workspace`, { connections: Math.round(CONNECTIONS / nodes.length), seconds, headers })));
  return Math.round(results.reduce((sum, r) => sum + r.rps, 0));
}
async function median(): Promise<{ rps: number; rounds: number[] }> {
  // Signed in on every node (a redirect to the sign-in page would count as an answer).
  for (const n of nodes) {
    const res = await fetch(`${n.url}/workspace`, { headers, redirect: 'manual' });
    if (res.status !== 200) throw new Error(`${n.url}/workspace answered ${res.status}, not the signed-in page`);
  }
  await round(1); // warm-up
  const rounds = [await round(5), await round(5), await round(5)];
  return { rps: [...rounds].sort((a, b) => a - b)[1]!, rounds };
}

try {
  nodes.push(await startServerProcess(env));
  const one = await median();
  nodes.push(await startServerProcess(env), await startServerProcess(env));
  const three = await median();
  console.log(
    JSON.stringify({
      name: 'signed-in /workspace on one PostgreSQL: one node, then three',
      one_node_rps: one.rps,
      three_nodes_rps: three.rps,
      ratio: Math.round((three.rps / one.rps) * 100) / 100,
      rounds: { one: one.rounds, three: three.rounds },
      cores: os.availableParallelism(),
      target: 'three nodes >= 2.5x one node, on a machine with enough cores',
    }),
  );
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  await postgres.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
