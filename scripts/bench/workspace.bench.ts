/**
 * Signed-in pages under load: `/workspace` for a student with 5 pieces and for one with 500, the hub page for its
 * teacher, and the editor of one piece, each 50 connections for 5 s over loopback (wrk when installed), median of 3
 * rounds, with the server's processor time per request. Target: p99 < 50 ms and >= 2,000 req/s at 500 pieces as
 * at 5. The load generator shares the machine's two cores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { createUser } from '../../src/commands/userCreator.ts';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/server/auth/sessions.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { hubMembers, hubs, type User } from '../../src/server/db/schema.ts';
import { startServerProcess } from '../lib/serverProcess.ts';
import { cpuSecondsOf, samplePost } from './lib.ts';
import { loadFast } from './load.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-workspace-'));
const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
const teacher = await createUser(app, { handle: 'teacher', name: 'Ms Teacher', role: 'teacher' });
const few = await createUser(app, { handle: 'few', name: 'Five Pieces', role: 'student' });
const many = await createUser(app, { handle: 'many', name: 'Five Hundred Pieces', role: 'student' });
const body = samplePost(600);
async function pieces(owner: User, n: number): Promise<string> {
  let first = '';
  for (let i = 0; i < n; i++) {
    const { artifact } = await saveArtifact(app, {
      ownerId: owner.id,
      input: { title: `Piece ${i}`, kind: 'post', visibility: i % 4 === 0 ? 'members' : 'public', body, tags: ['eng10', `week-${i % 10}`], date: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000) },
    });
    first ||= artifact.id;
  }
  return first;
}
await pieces(few, 5);
const manyFirst = await pieces(many, 500);
const hubId = app.newId();
app.db.insert(hubs).values({ id: hubId, slug: 'eng10', title: 'English 10', tags: ['eng10'], createdAt: app.now(), ownerId: teacher.id }).run();
app.db.insert(hubMembers).values({ hubId, userId: teacher.id, role: 'teacher', joinedAt: app.now(), enrolment: 'owner' }).run();
for (const s of [few, many]) app.db.insert(hubMembers).values({ hubId, userId: s.id, role: 'student', joinedAt: app.now(), enrolment: 'admin' }).run();
const cookie = (user: User) => {
  const token = generateSessionToken();
  createSession(app, token, user.id);
  return `${SESSION_COOKIE}=${token}`;
};
const cookies = { few: cookie(few), many: cookie(many), teacher: cookie(teacher) };
app.db.$client.close();

const server = await startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off' });
const pid = server.child.pid!;
const cases = [
  { name: 'signed-in /workspace, 5 pieces', path: '/workspace', cookie: cookies.few },
  { name: 'signed-in /workspace, 500 pieces', path: '/workspace', cookie: cookies.many },
  { name: 'signed-in hub page (teacher), 505 pieces', path: '/hubs/eng10/', cookie: cookies.teacher },
  { name: 'signed-in editor of one piece, 500 pieces', path: `/workspace/artifacts/${manyFirst}`, cookie: cookies.many },
];
try {
  for (const c of cases) {
    const url = `${server.url}${c.path}`;
    const headers = { cookie: c.cookie };
    await loadFast(url, { connections: 10, seconds: 1, headers }); // warm-up
    const rounds = [];
    for (let i = 0; i < 3; i++) {
      const cpu = cpuSecondsOf(pid);
      const result = await loadFast(url, { connections: 50, seconds: 5, headers });
      rounds.push({ ...result, cpu_ms_per_request: Math.round(((cpuSecondsOf(pid) - cpu) * 1000 * 1000) / Math.max(1, result.requests)) / 1000 });
    }
    rounds.sort((a, b) => a.rps - b.rps);
    console.log(JSON.stringify({ name: c.name, ...rounds[1], rounds: rounds.map((r) => r.rps), target: '>= 2000 req/s, p99 < 50 ms' }));
  }
} finally {
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
