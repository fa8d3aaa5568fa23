/**
 * Signed-in pages under load: `/workspace` for a student with 5 pieces and for one with 500, the hub page for its
 * teacher, and the editor of one piece, each 50 connections for 5 s over loopback (wrk when installed), median of 3
 * rounds, with the server's processor time per request. Target: p99 < 50 ms and >= 2,000 req/s at 500 pieces as
 * at 5. The load generator shares the machine's two cores.
 *
 * Beside each page, its peer: a bare `node:http` server sending the same bytes after spending the processor time
 * Potluck spent per request (barePeer.ts), loaded the same way. wrk opens its 50 connections at once, and a busy
 * Node process accepts about one new connection per turn of its event loop, so the first request on the last
 * connections waits for dozens of turns: at a millisecond or more per request that is most of wrk's p99, for the
 * peer as for Potluck. The peer's row shows how much of a figure is that, and how much is Potluck's own.
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
import { startBarePeer } from './barePeer.ts';
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
    const round = async (target: string, pid: number) => {
      const cpu = cpuSecondsOf(pid);
      const result = await loadFast(target, { connections: 50, seconds: 5, headers });
      return { ...result, cpu_ms_per_request: Math.round(((cpuSecondsOf(pid) - cpu) * 1000 * 1000) / Math.max(1, result.requests)) / 1000 };
    };
    const rounds = [];
    for (let i = 0; i < 3; i++) rounds.push(await round(url, server.child.pid!));
    rounds.sort((a, b) => a.rps - b.rps);
    const ours = rounds[1]!;
    console.log(JSON.stringify({ name: c.name, ...ours, rounds: rounds.map((r) => r.rps), target: '>= 2000 req/s, p99 < 50 ms' }));
    const page = await fetch(url, { headers: { ...headers, 'accept-encoding': 'identity' } });
    const peer = await startBarePeer(page, ours.cpu_ms_per_request);
    try {
      await loadFast(peer.url, { connections: 10, seconds: 1 });
      const theirs = [];
      for (let i = 0; i < 3; i++) theirs.push(await round(peer.url, peer.pid));
      theirs.sort((a, b) => a.rps - b.rps);
      const b = theirs[1]!;
      console.log(JSON.stringify({ name: `peer: bare Node spending ${ours.cpu_ms_per_request} ms of CPU per request, then the same bytes`, ...b, rounds: theirs.map((r) => r.rps), p99_ratio: Math.round((ours.p99_ms / b.p99_ms) * 100) / 100 }));
    } finally {
      peer.stop();
    }
  }
} finally {
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
