/**
 * Start-up time and idle memory, each beside its peer in the same run. Three figures on a data folder that already
 * exists (migrated, four accounts, so `serve` loads no demo):
 *
 * - `potluck user list` as a whole process (the command package.json's "bin" names, run by Node as a user's shell
 *   does), against `node -e 0`: wall and processor time (user + system, from /usr/bin/time). Goal: under 0.12 s.
 * - `npm start` (`node --max-semi-space-size=4 <bin> serve`) from spawn to the first 200 on /healthz, polled every
 *   5 ms, against a bare `node:http` server answering /healthz: wall, and the server's processor time at that
 *   moment. Goal: under 0.5 s.
 * - The same server after a few requests (/healthz, the home page, a student's page) and 5 s idle: resident memory,
 *   against the bare server treated the same way. Goal: under 150 MB.
 *
 * The two sides alternate, BENCH_ROUNDS rounds (default 7 for the command, 5 for the server), medians. The first
 * runs fill Node's compile cache; one warm-up run of each comes first and is not counted. Not a test: timings on a
 * shared machine say nothing in CI.
 * Run: npm run bench -- startup   (or node scripts/bench/startup.bench.ts)
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createUser } from '../../src/commands/userCreator.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { cpuSecondsOf, machine, rssMiBOf } from './lib.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: { potluck: string } };
const bin = path.join(root, pkg.bin.potluck);
const rounds = Number(process.env.BENCH_ROUNDS ?? 0);
const commandRounds = rounds || 7;
const serverRounds = rounds || 5;
const IDLE_MS = 5000;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-startup-'));
const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
await createUser(app, { handle: 'maya', name: 'Maya Lindqvist', role: 'student' });
await createUser(app, { handle: 'theo', name: 'Theo Banerjee', role: 'student' });
await createUser(app, { handle: 'ms-okafor', name: 'Adaeze Okafor', role: 'teacher' });
await createUser(app, { handle: 'school-admin', name: 'Sam Rivera', role: 'admin' });
app.db.$client.close();

const env = { ...process.env, POTLUCK_DATA: dataDir, TZ: 'UTC', HOST: '127.0.0.1' };
const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const round2 = (n: number) => Math.round(n * 100) / 100;
const median = (xs: number[]) => round2([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);

/** A whole process to its end: wall and processor milliseconds (NaN without /usr/bin/time). */
function timed(args: string[]): { wallMs: number; cpuMs: number } {
  const report = path.join(dataDir, `time-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const result = TIME
    ? spawnSync(TIME, ['-o', report, '-f', '%U %S', process.execPath, ...args], { cwd: root, env, encoding: 'utf8' })
    : spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  let cpuMs = NaN;
  if (TIME) {
    const [user, system] = fs.readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    cpuMs = (user + system) * 1000;
    fs.rmSync(report, { force: true });
  }
  return { wallMs, cpuMs };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function status(url: string): Promise<number> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

const PEER = `require('node:http').createServer((req, res) => {
  if (req.url === '/healthz') { res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }); res.end('{"ok":true}'); }
  else { res.writeHead(404); res.end(); }
}).listen(Number(process.env.PORT), '127.0.0.1');`;

/** Spawns a server, times it to the first 200 on /healthz, asks for `paths`, idles, reads its memory, stops it. */
async function serverRound(args: string[], paths: string[]): Promise<{ wallMs: number; cpuMs: number; idleRssMiB: number }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`node ${args.join(' ')} exited with ${child.exitCode}:\n${stderr}`);
      if ((await status(`${base}/healthz`)) === 200) break;
      if (performance.now() - started > 60_000) throw new Error(`no 200 on /healthz within 60 s:\n${stderr}`);
      await sleep(5);
    }
    const wallMs = performance.now() - started;
    const cpuMs = cpuSecondsOf(child.pid!) * 1000;
    for (const p of paths) {
      const code = await status(`${base}${p}`);
      if (code !== 200) throw new Error(`${p} answered ${code}`);
    }
    await sleep(IDLE_MS);
    return { wallMs, cpuMs, idleRssMiB: rssMiBOf(child.pid!) };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    await exited;
  }
}

try {
  console.log(`Machine: ${machine()}`);
  const list = [bin, 'user', 'list'];
  const bare = ['-e', '0'];
  timed(list);
  timed(bare);
  const ours: { wallMs: number; cpuMs: number }[] = [];
  const theirs: { wallMs: number; cpuMs: number }[] = [];
  for (let i = 0; i < commandRounds; i++) {
    ours.push(timed(list));
    theirs.push(timed(bare));
  }
  const a = { wall_ms: median(ours.map((r) => r.wallMs)), cpu_ms: median(ours.map((r) => r.cpuMs)) };
  const b = { wall_ms: median(theirs.map((r) => r.wallMs)), cpu_ms: median(theirs.map((r) => r.cpuMs)) };
  console.log(JSON.stringify({ name: 'potluck user list (4 accounts)', ...a, runs: ours.length, wall_rounds: ours.map((r) => Math.round(r.wallMs)), target: 'wall < 120 ms' }));
  console.log(JSON.stringify({ name: 'peer: node -e 0', ...b, runs: theirs.length }));
  console.log(JSON.stringify({ name: 'potluck user list / node -e 0', wall_ratio: round2(a.wall_ms / b.wall_ms), cpu_ratio: round2(a.cpu_ms / b.cpu_ms) }));

  const serve = ['--max-semi-space-size=4', bin, 'serve'];
  const peer = ['-e', PEER];
  const pages = ['/healthz', '/', '/@maya/'];
  await serverRound(serve, ['/healthz']);
  const servers: Awaited<ReturnType<typeof serverRound>>[] = [];
  const peers: Awaited<ReturnType<typeof serverRound>>[] = [];
  for (let i = 0; i < serverRounds; i++) {
    servers.push(await serverRound(serve, pages));
    peers.push(await serverRound(peer, ['/healthz', '/healthz', '/healthz']));
  }
  const s = { wall_ms: median(servers.map((r) => r.wallMs)), cpu_ms: median(servers.map((r) => r.cpuMs)), idle_rss_mib: median(servers.map((r) => r.idleRssMiB)) };
  const p = { wall_ms: median(peers.map((r) => r.wallMs)), cpu_ms: median(peers.map((r) => r.cpuMs)), idle_rss_mib: median(peers.map((r) => r.idleRssMiB)) };
  console.log(
    JSON.stringify({ name: 'npm start to first 200 on /healthz (existing data folder)', wall_ms: s.wall_ms, cpu_ms: s.cpu_ms, runs: servers.length, wall_rounds: servers.map((r) => Math.round(r.wallMs)), target: 'wall < 500 ms' }),
  );
  console.log(JSON.stringify({ name: 'peer: bare node:http server to first 200 on /healthz', wall_ms: p.wall_ms, cpu_ms: p.cpu_ms, runs: peers.length }));
  console.log(JSON.stringify({ name: 'start to /healthz / peer', wall_ratio: round2(s.wall_ms / p.wall_ms), cpu_ratio: round2(s.cpu_ms / p.cpu_ms) }));
  console.log(JSON.stringify({ name: `idle server RSS (3 pages, then ${IDLE_MS / 1000} s idle)`, rss_mib: s.idle_rss_mib, rounds: servers.map((r) => r.idleRssMiB), target: '< 150 MB (143 MiB)' }));
  console.log(JSON.stringify({ name: 'peer: idle bare node:http server RSS', rss_mib: p.idle_rss_mib }));
  console.log(JSON.stringify({ name: 'idle RSS / peer', rss_ratio: round2(s.idle_rss_mib / p.idle_rss_mib) }));
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
