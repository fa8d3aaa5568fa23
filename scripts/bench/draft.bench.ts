/**
 * Keeping a draft of a 1,500-word post, as the editor does while a student types: POST /api/drafts to a real server
 * on loopback, timed from the request to the answer that says it is stored. Target: p95 < 30 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess } from '../lib/serverProcess.ts';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { createUser } from '../../src/commands/userCreator.ts';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/server/auth/sessions.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { samplePost, stats, time } from './lib.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-draft-'));
const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
const owner = await createUser(app, { handle: 'bench', name: 'Bench', role: 'student' });
const body = samplePost(1500);
const { artifact } = await saveArtifact(app, { ownerId: owner.id, input: { title: 'Bench', kind: 'post', visibility: 'members', body } });
const token = generateSessionToken();
createSession(app, token, owner.id);
const server = await startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off' });
let n = 0;
// Each draft differs from the last, as typing makes it.
const send = async () => {
  const response = await fetch(`${server.url}/api/drafts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: server.url, cookie: `${SESSION_COOKIE}=${token}` },
    body: JSON.stringify({ key: artifact.id, baseRevision: 1, values: { title: 'Bench', kind: 'post', visibility: 'members', format: 'markdown', body: `${body}\n\nMore ${n++}.` } }),
  });
  if (response.status !== 200) throw new Error(`draft answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
};
const samples = await time(send, 300, 20);
await server.stop();
app.db.$client.close();
fs.rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ name: 'keep a draft of a 1,500-word post (HTTP request to stored)', bytes: body.length, ...stats(samples), target: 'p95 < 30 ms' }));
