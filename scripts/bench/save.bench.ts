/** Saving a 1,500-word post: validate + render + sanitize + store artifact and revision in SQLite. Target: median < 25 ms. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { createUser } from '../../src/commands/userCreator.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { samplePost, stats, time } from './lib.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-save-'));
const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
const owner = await createUser(app, { handle: 'bench', name: 'Bench', role: 'student' });
const body = samplePost(1500);
const { artifact } = await saveArtifact(app, { ownerId: owner.id, input: { title: 'Bench', kind: 'post', visibility: 'public', body } });
let n = 0;
// Each run changes the text, so each is a real save with a new revision.
const samples = await time(
  () => saveArtifact(app, { ownerId: owner.id, artifactId: artifact.id, input: { title: 'Bench', kind: 'post', visibility: 'public', body: `${body}\n\nEdit ${n++}.` } }),
  100,
);
app.db.$client.close();
fs.rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ name: 'save 1,500-word post (render + sanitize + store)', words: body.split(/\s+/).length, ...stats(samples), target: 'median < 25 ms' }));
