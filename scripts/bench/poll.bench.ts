/**
 * Polling 1,000 external feeds of 20 items each, by the real server's own poller (`potluck serve` with
 * POTLUCK_POLLER=on), from a feed server on loopback in a separate process: cold (every feed answers 200 with its
 * whole body; 20,000 items parsed, sanitized and stored) and warm (every feed answers 304 to the conditional GET).
 * All feeds share one host, so the per-host limit (2 at once) applies throughout: the hardest case for it.
 *
 * Against a peer in the same run and on the same feeds: a bare loop, in its own process, of `fetch` + feedsmith's
 * parser + Potluck's sanitizer on each item's HTML, 2 feeds at a time (what any poller must do at least). Both are
 * measured in processor time (user + system, every thread: the server's parse worker included), alternating peer
 * and server, medians of POLL_ROUNDS rounds (default 3). Also: parse throughput (items/s of parseFeed alone, on
 * this process) and the server's memory (VmHWM, its peak resident set, from /proc). Targets: cold within 2x the
 * peer's processor time, warm < 1 processor-second, cold < 30 s, warm < 5 s, server memory < 300 MB.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { count, isNull, lt, or } from 'drizzle-orm';
import { createHub } from '../../src/commands/hubCreator.ts';
import { parseRssFeed } from 'feedsmith';
import { normaliseUrlKey, parseFeed } from '../../src/core/feeds/parse.ts';
import { sanitizeHtml } from '../../src/core/markdown/sanitize.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { hubItems, hubSources } from '../../src/server/db/schema.ts';
import { startServerProcess } from '../lib/serverProcess.ts';

const FEEDS = 1000;
const ITEMS = 20;

/** Linux's USER_HZ: the unit of /proc/PID/stat's times (100 on every common kernel build). */
const TICKS_PER_SECOND = 100;

const PARAGRAPH =
  '<p>The students wrote about <a href="/rivers">rivers</a> and <em>cities</em> while the teacher asked careful questions about evidence, structure and voice in every draft they shared with the class. #eng10</p>';

/** The RSS document of feed `n`: 20 items of about 1.5 KB of HTML each, every one tagged for the hub. */
function feedDocument(n: number): string {
  const items: string[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    items.push(
      `<item><title>Post ${i} of blog ${n}</title><link>https://blog-${n}.example/${i}/</link><guid>https://blog-${n}.example/?p=${i}</guid>` +
        `<pubDate>${new Date(`2025-02-${day}T10:00:00Z`).toUTCString()}</pubDate><category>ENG10</category><category>week-${i % 5}</category>` +
        `<description><![CDATA[${PARAGRAPH.repeat(6)}]]></description></item>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Blog ${n}</title><link>https://blog-${n}.example/</link><description>Student blog</description>${items.join('')}</channel></rss>`;
}

// ---- The feed server (this same file, run as a child process) ----
if (process.argv[2] === '--feed-server') {
  const bodies = Array.from({ length: FEEDS }, (_, n) => Buffer.from(feedDocument(n)));
  const server = http.createServer((req, res) => {
    const n = Number(/^\/feed-(\d+)\.xml$/.exec(req.url ?? '')?.[1] ?? -1);
    const body = bodies[n];
    if (!body) {
      res.writeHead(404);
      res.end();
      return;
    }
    const etag = `"feed-${n}-v1"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag, 'last-modified': 'Sat, 01 Mar 2025 10:00:00 GMT', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`port ${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  process.on('disconnect', () => process.exit(0));
} else if (process.argv[2] === '--peer') {
  await peer(Number(process.argv[3]));
} else {
  await main();
}

/** Processor time this process has used so far (user + system, all threads), in ms. */
function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * The peer: every feed fetched with `fetch`, parsed with feedsmith and each item's HTML sanitized, 2 at a time;
 * then every feed again with its ETag (all 304). Prints its own processor and wall time for each pass.
 */
async function peer(port: number): Promise<void> {
  const etags = new Array<string | null>(FEEDS).fill(null);
  let items = 0;
  const pass = async (conditional: boolean) => {
    let next = 0;
    const worker = async () => {
      while (next < FEEDS) {
        const n = next++;
        const response = await fetch(`http://127.0.0.1:${port}/feed-${n}.xml`, conditional && etags[n] ? { headers: { 'if-none-match': etags[n] } } : {});
        if (response.status === 304) continue;
        etags[n] = response.headers.get('etag');
        const feed = parseRssFeed(await response.text());
        for (const item of feed.items ?? []) {
          const html = item.content?.encoded ?? item.description;
          if (html) sanitizeHtml(html);
          items++;
        }
      }
    };
    const cpu0 = ownCpuMs();
    const wall0 = performance.now();
    await Promise.all([worker(), worker()]);
    return { cpuMs: ownCpuMs() - cpu0, ms: performance.now() - wall0 };
  };
  const cold = await pass(false);
  const warm = await pass(true);
  process.stdout.write(`${JSON.stringify({ cold, warm, items })}\n`);
}

/** What one peer run measured. */
interface PeerResult {
  cold: { cpuMs: number; ms: number };
  warm: { cpuMs: number; ms: number };
  items: number;
}

/** Runs the peer in a process of its own (so its processor time is its alone) against the feed server. */
function runPeer(port: number): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [import.meta.filename, '--peer', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code === 0 && line) resolve(JSON.parse(line) as PeerResult);
      else reject(new Error(`peer exited with ${code}: ${out}`));
    });
  });
}

/** A process's processor time so far (user + system, every thread), in ms (Linux /proc). */
function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), utime and stime, counted from the third field (state) here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The server's resident memory now and at its peak, in MB (Linux /proc). */
function serverMemory(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 102.4) / 10, peak: Math.round(kb('VmHWM') / 102.4) / 10 };
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What one run measured. */
interface RunResult {
  coldMs: number;
  warmMs: number;
  /** The server process's processor time over each pass, parse worker included. */
  coldCpuMs: number;
  warmCpuMs: number;
  stored: number;
  feeds: number;
  idle: { rss: number; peak: number };
  afterCold: { rss: number; peak: number };
  afterWarm: { rss: number; peak: number };
}

/** Starts a server (with `nodeOptions` for its V8), lets its poller read every feed cold and then warm. */
async function run(port: number, nodeOptions: string): Promise<RunResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-poll-'));
  const env = {
    POTLUCK_DATA: dataDir,
    POTLUCK_DEMO: 'off',
    POTLUCK_ALLOW_PRIVATE_NETWORKS: '1',
    POTLUCK_POLLER: 'on',
    POTLUCK_POLLER_TICK_SECONDS: '1',
    NODE_OPTIONS: nodeOptions,
  };
  const server = await startServerProcess(env);
  const pid = server.child.pid!;
  try {
    // One page served, so the baseline is a server that has done some work.
    await fetch(`${server.url}/hubs/`).then((r) => r.text());
    const idle = serverMemory(pid);

    const app = createAppContext(loadConfig(env));
    const hub = createHub(app, { actor: null, input: { slug: 'bench', title: 'Bench', tags: 'eng10' } });
    const rows = Array.from({ length: FEEDS }, (_, n) => {
      const url = `http://127.0.0.1:${port}/feed-${n}.xml`;
      return { id: app.newId(), hubId: hub.id, url, urlKey: normaliseUrlKey(url)!, title: '', nextFetchAt: new Date(Date.now() + 3_600_000), createdAt: new Date() };
    });
    for (let i = 0; i < rows.length; i += 200) app.db.insert(hubSources).values(rows.slice(i, i + 200)).run();
    const fetchedSince = (since: Date) =>
      app.db.select({ n: count() }).from(hubSources).where(or(isNull(hubSources.lastFetchAt), lt(hubSources.lastFetchAt, since))).get()!.n === 0;

    // Cold: every feed due now; the server's next tick (within 1 s) polls them.
    // Processor time is read a moment after the last feed was stored, so the end of the run (pictures, sweeps) counts.
    const coldStart = new Date();
    const coldCpu0 = processCpuMs(pid);
    app.db.update(hubSources).set({ nextFetchAt: coldStart }).run();
    const cold0 = performance.now();
    await until(() => fetchedSince(coldStart), 300_000);
    const coldMs = performance.now() - cold0;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const coldCpuMs = processCpuMs(pid) - coldCpu0;
    const stored = app.db.select({ n: count() }).from(hubItems).get()!.n;
    const afterCold = serverMemory(pid);

    const warmStart = new Date(Date.now() + 1);
    const warmCpu0 = processCpuMs(pid);
    app.db.update(hubSources).set({ nextFetchAt: warmStart }).run();
    const warm0 = performance.now();
    await until(() => fetchedSince(warmStart), 300_000);
    const warmMs = performance.now() - warm0;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const warmCpuMs = processCpuMs(pid) - warmCpu0;
    const feeds = app.db.select({ n: count() }).from(hubSources).get()!.n;
    const afterWarm = serverMemory(pid);
    app.db.$client.close();
    return { coldMs, warmMs, coldCpuMs, warmCpuMs, stored, feeds, idle, afterCold, afterWarm };
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [import.meta.filename, '--feed-server'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /port (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`feed server exited with ${code}`)));
  });

  // Peer and server alternate, round after round, with `npm start`'s Node flags (a smaller young generation: V8
  // sizes the heap by what the process has allocated, and its default semi-spaces alone keep an idle server near
  // 270 MB); one more server run with Node's defaults, for its memory.
  const rounds = Math.max(1, Number(process.env.POLL_ROUNDS ?? 3));
  const peers: PeerResult[] = [];
  const runs: RunResult[] = [];
  for (let round = 0; round < rounds; round++) {
    peers.push(await runPeer(port));
    runs.push(await run(port, '--max-semi-space-size=4'));
  }
  const label = 'npm start flags';
  const cpuS = (ms: number) => Math.round(ms / 10) / 100;
  const coldCpu = median(runs.map((r) => r.coldCpuMs));
  const peerCpu = median(peers.map((p) => p.cold.cpuMs));
  const coldMs = median(runs.map((r) => r.coldMs));
  console.log(
    JSON.stringify({
      name: `poll: ${FEEDS} feeds × ${ITEMS} items by the server's poller, cold (200s) [${label}]`,
      ms: Math.round(coldMs),
      cpu_s: cpuS(coldCpu),
      items_stored: runs[0]!.stored,
      items_per_s: Math.round((FEEDS * ITEMS) / (coldMs / 1000)),
      feeds_per_cpu_s: Math.round(FEEDS / (coldCpu / 1000)),
      rounds: runs.map((r) => ({ ms: Math.round(r.coldMs), cpu_s: cpuS(r.coldCpuMs) })),
      note: 'server process, every thread; wall time includes up to 1 s until the next tick',
      target: '< 30000 ms',
    }),
  );
  console.log(
    JSON.stringify({
      name: `poll: peer (fetch + feedsmith + sanitizeHtml per item, 2 at a time), cold, same feeds`,
      ms: Math.round(median(peers.map((p) => p.cold.ms))),
      cpu_s: cpuS(peerCpu),
      items: peers[0]!.items,
      rounds: peers.map((p) => ({ ms: Math.round(p.cold.ms), cpu_s: cpuS(p.cold.cpuMs) })),
    }),
  );
  console.log(
    JSON.stringify({
      name: "poll: cold processor time, Potluck's server / peer",
      ratio: Math.round(median(runs.map((r, i) => r.coldCpuMs / peers[i]!.cold.cpuMs)) * 100) / 100,
      target: '<= 2',
    }),
  );
  console.log(
    JSON.stringify({
      name: `poll: ${runs[0]!.feeds} feeds, warm (304s) [${label}]`,
      ms: Math.round(median(runs.map((r) => r.warmMs))),
      cpu_s: cpuS(median(runs.map((r) => r.warmCpuMs))),
      peer_cpu_s: cpuS(median(peers.map((p) => p.warm.cpuMs))),
      rounds: runs.map((r) => ({ ms: Math.round(r.warmMs), cpu_s: cpuS(r.warmCpuMs) })),
      target: '< 5000 ms, < 1 cpu_s',
    }),
  );
  const memory = (r: RunResult, which: string) =>
    JSON.stringify({
      name: `poll: server memory, resident set [${which}]`,
      idle_mb: r.idle.rss,
      after_cold_mb: r.afterCold.rss,
      after_warm_mb: r.afterWarm.rss,
      peak_mb: r.afterWarm.peak,
      target: 'peak < 300 MB',
    });
  console.log(memory(runs.reduce((a, b) => (b.afterWarm.peak > a.afterWarm.peak ? b : a)), label));
  if (process.env.POLL_NODE_DEFAULTS !== 'off') {
    const r = await run(port, '');
    console.log(JSON.stringify({ name: `poll: cold (200s) [node defaults]`, ms: Math.round(r.coldMs), cpu_s: cpuS(r.coldCpuMs) }));
    console.log(memory(r, 'node defaults'));
  }
  child.kill();

  // Parse alone, on the same documents (no network, no database), on this process's thread.
  const documents = Array.from({ length: 200 }, (_, n) => Buffer.from(feedDocument(n)));
  for (const d of documents.slice(0, 20)) parseFeed(d, { url: 'https://blog.example/feed' });
  const parse0 = performance.now();
  let parsedItems = 0;
  for (const d of documents) {
    const result = parseFeed(d, { url: 'https://blog.example/feed' });
    if (result.ok) parsedItems += result.feed.items.length;
  }
  const parseMs = performance.now() - parse0;
  console.log(JSON.stringify({ name: 'parse: parseFeed alone (sanitize included), one thread', items: parsedItems, ms: Math.round(parseMs), items_per_s: Math.round(parsedItems / (parseMs / 1000)) }));
}
