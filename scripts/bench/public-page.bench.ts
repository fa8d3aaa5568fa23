/**
 * The public artifact page against its peer. Potluck's cached page and a bare Node server sending the very same
 * bytes and headers (the peer: what answering from memory costs with nothing else in the way), in alternating
 * rounds of 50 keep-alive connections for 5 s (wrk when installed), medians of 3, with each server's processor time
 * per request. Then the page right after an edit: the student saves, a reader asks, the page is rendered again;
 * processor time per such render in the server. Last, 50,000 requests for the page, each with a query string of its
 * own (what a crawler or an attacker sends): the server's resident memory before and after, and how many came from
 * the cache. Goals: at least half the peer's requests per second with p99 under 10 ms; under 2 ms of processor time
 * for a page after an edit; no growth past the page cache's size. The load generator shares the machine's two cores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { createUser } from '../../src/commands/userCreator.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { startServerProcess } from '../lib/serverProcess.ts';
import { startBarePeer, type BarePeer } from './barePeer.ts';
import { cpuSecondsOf, rssMiBOf, samplePost } from './lib.ts';
import { loadFast, type LoadResult } from './load.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-page-'));
const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
const owner = await createUser(app, { handle: 'bench', name: 'Bench Student', role: 'student' });
const body = samplePost(1500);
const input = { title: 'A long essay', kind: 'post' as const, visibility: 'public' as const, body, tags: ['eng10'] };
const { artifact } = await saveArtifact(app, { ownerId: owner.id, input });

const server = await startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off' });
const url = `${server.url}/@bench/${artifact.slug}/`;
let peer: BarePeer | null = null;

async function round(target: string, pid: number): Promise<LoadResult & { cpu_ms_per_request: number }> {
  const cpu = cpuSecondsOf(pid);
  const result = await loadFast(target, { connections: 50, seconds: 5 });
  return { ...result, cpu_ms_per_request: Math.round(((cpuSecondsOf(pid) - cpu) * 1_000_000) / Math.max(1, result.requests)) / 1000 };
}

const median = <T extends { rps: number }>(rounds: T[]) => [...rounds].sort((a, b) => a.rps - b.rps)[Math.floor(rounds.length / 2)]!;

try {
  // What wrk asks for: no Accept-Encoding (fetch would ask for br and decode it, keeping the encoded length).
  const identity = { headers: { 'accept-encoding': 'identity' } };
  await fetch(url, identity).then((r) => r.arrayBuffer());
  const hit = await fetch(url, identity);
  if (hit.headers.get('x-potluck-cache') !== 'hit') throw new Error('the second request was not served from the page cache');
  peer = await startBarePeer(hit);
  const pid = server.child.pid!;
  await loadFast(url, { connections: 10, seconds: 1 }); // warm-up
  await loadFast(peer.url, { connections: 10, seconds: 1 });
  const ours = [];
  const theirs = [];
  for (let i = 0; i < 3; i++) {
    ours.push(await round(url, pid));
    theirs.push(await round(peer.url, peer.pid));
  }
  const a = median(ours);
  const b = median(theirs);
  console.log(JSON.stringify({ name: 'cached public artifact page, 50 connections', ...a, rounds: ours.map((r) => r.rps), target: '>= 0.5x the peer, p99 < 10 ms' }));
  console.log(JSON.stringify({ name: 'peer: bare Node sending the same bytes and headers', ...b, rounds: theirs.map((r) => r.rps) }));
  console.log(JSON.stringify({ name: 'cached page / peer', rps_ratio: Math.round((a.rps / b.rps) * 100) / 100, cpu_ratio: Math.round((a.cpu_ms_per_request / b.cpu_ms_per_request) * 100) / 100 }));

  // The page right after an edit: every request follows a save, so every one is rendered.
  const edits = 150;
  let cpu = 0;
  const wall: number[] = [];
  for (let i = 0; i < edits + 10; i++) {
    await saveArtifact(app, { ownerId: owner.id, artifactId: artifact.id, input: { ...input, body: `${body}\n\nEdit ${i}.` } });
    const before = cpuSecondsOf(pid);
    const start = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.headers.get('x-potluck-cache') === 'hit') throw new Error('a page after an edit came from the cache');
    if (i >= 10) {
      wall.push(performance.now() - start);
      cpu += cpuSecondsOf(pid) - before;
    }
  }
  wall.sort((x, y) => x - y);
  console.log(
    JSON.stringify({
      name: 'public page right after an edit (rendered again)',
      cpu_ms_per_request: Math.round((cpu * 1_000_000) / edits) / 1000,
      median_ms: Math.round(wall[Math.floor(edits / 2)]! * 100) / 100,
      p95_ms: Math.round(wall[Math.floor(edits * 0.95)]! * 100) / 100,
      runs: edits,
      target: '< 2 ms of processor time',
    }),
  );

  // 50,000 distinct query strings, 20 at a time: one cache entry, whatever the query.
  const distinct = 50_000;
  const rssBefore = rssMiBOf(pid);
  let hits = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < distinct) {
        const i = next++;
        const response = await fetch(`${url}?utm_source=bench&n=${i}`, identity);
        await response.arrayBuffer();
        if (response.headers.get('x-potluck-cache') === 'hit') hits++;
      }
    }),
  );
  console.log(
    JSON.stringify({
      name: 'the page under 50,000 distinct query strings',
      rss_mib_before: rssBefore,
      rss_mib_after: rssMiBOf(pid),
      from_cache: hits,
      requests: distinct,
      target: 'no growth past the page cache size (POTLUCK_PAGE_CACHE_MB, default 32)',
    }),
  );
} finally {
  peer?.stop();
  await server.stop();
  app.db.$client.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
