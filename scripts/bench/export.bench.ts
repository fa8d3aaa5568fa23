// Benchmark of the static export (`potluck site`): a portfolio of 500 public artifacts and 200 pictures rendered
// through the real Astro handler in-process, linked and written to a temporary folder. Target from the issue: under
// 3 s and under 500 MB peak memory. The portfolio is generated in this process; the exports run in a child process
// with the CLI's Node flags, so that its peak RSS is the export's alone (not sharp's while making the pictures).
// Also measured: the whole `potluck site` command from a shell, process start to exit, in turn with its peers building
// the same posts as Markdown files: Eleventy 3 (its CLI, on the same Node) and Hugo (`/usr/bin/hugo`, Debian's
// package; skipped, and said so, when it is not installed), each in its own process under GNU time (wall, processor
// time, peak RSS), medians of PEER_ROUNDS rounds, with the ratios (exportPeers.ts writes their projects into a
// temporary folder). Every run starts once the disk has written back what the run before it wrote (`sync`): on this
// machine each new file or folder costs about half a millisecond, and a run that starts while the last one's 1,191
// files are still being flushed measures both.
// Run: node scripts/bench/export.bench.ts  (Node 24 strips the types itself.)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { GNU_TIME, countOutput, findHugo, measure, writePeerProjects, type BuildFigures } from './exportPeers.ts';

const ARTIFACTS = 500;
const PICTURES = 200;
const RUNS = 3;
/** Rounds of `potluck site`, Eleventy and Hugo in turn. */
const PEER_ROUNDS = 5;
const root = path.resolve(import.meta.dirname, '..', '..');

async function generate(dataDir: string): Promise<void> {
  const { loadConfig } = await import('../../src/server/config.ts');
  const { createAppContext } = await import('../../src/server/context.ts');
  const { createUser } = await import('../../src/commands/userCreator.ts');
  const { uploadMedia } = await import('../../src/commands/mediaUploader.ts');
  const { saveArtifact } = await import('../../src/commands/artifactSaver.ts');
  const { saveShowcase } = await import('../../src/commands/showcaseSaver.ts');
  const { markdownFor } = await import('../../src/server/media/urls.ts');
  const { samplePost } = await import('./lib.ts');

  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
  const owner = await createUser(app, { handle: 'bench', name: 'Bench Student', role: 'student' });
  const pictures = [];
  for (let i = 0; i < PICTURES; i++) {
    // Flat colours with a band: real pictures with real variants, made in milliseconds.
    const bytes = await sharp({ create: { width: 1280, height: 860, channels: 3, background: { r: i % 256, g: (i * 7) % 256, b: (i * 13) % 256 } } })
      .composite([{ input: { create: { width: 1280, height: 100, channels: 3, background: '#fff' } }, top: 380, left: 0 }])
      .jpeg({ quality: 80 })
      .toBuffer();
    pictures.push(await uploadMedia(app, { ownerId: owner.id, file: { name: `p${i}.jpg`, bytes }, alt: `Picture ${i}` }));
  }
  const body = samplePost(400);
  const ids: string[] = [];
  for (let i = 0; i < ARTIFACTS; i++) {
    const picture = i < PICTURES * 2 && i % 2 === 0 ? pictures[i / 2] : null;
    const { artifact } = await saveArtifact(app, {
      ownerId: owner.id,
      input: {
        title: `Artifact ${i}`,
        kind: i % 7 === 0 ? 'project' : 'post',
        visibility: 'public',
        slug: `artifact-${i}`,
        tags: [`unit-${i % 12}`, `term-${i % 3}`],
        body: `${picture ? markdownFor(picture) : ''}\n\n${body}`,
        date: new Date(Date.UTC(2022, 0, 1) + i * 86_400_000 * 2),
      },
    });
    ids.push(artifact.id);
  }
  for (let s = 0; s < 5; s++) {
    await saveShowcase(app, { ownerId: owner.id, input: { title: `Showcase ${s}`, visibility: 'public', intro: 'Best work.', items: ids.slice(s * 20, s * 20 + 20) } });
  }
  app.db.$client.close();
}

/**
 * The child: `runs` exports in one process, each to a new temporary folder, and its figures as JSON. The first run
 * is what `potluck site` costs from a shell (it loads the server bundle); later runs are what the running web
 * server pays for a download.
 */
async function child(dataDir: string, runs: number): Promise<void> {
  process.env.POTLUCK_DATA = dataDir;
  process.env.POTLUCK_DEMO = 'off';
  process.env.POTLUCK_MIGRATIONS ??= path.join(root, 'drizzle');
  const { loadConfig } = await import('../../src/server/config.ts');
  const { createAppContext } = await import('../../src/server/context.ts');
  const { exportSite } = await import('../../src/commands/siteExporter.ts');
  const { handlerRenderer } = await import('../../src/server/export/renderer.ts');
  const entry = path.join(root, 'dist', 'server', 'entry.mjs');
  const app = createAppContext(loadConfig(process.env), { migrate: true });

  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const times: number[] = [];
  const peaks: number[] = [];
  let last: { pages: number; files: number; bytes: number; broken: unknown[] } | undefined;
  for (let run = 0; run < runs; run++) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-site-'));
    spawnSync('sync', { stdio: 'ignore' });
    const started = performance.now();
    last = await exportSite(app, { handle: 'bench', out: { kind: 'dir', path: path.join(out, 'site') }, renderer: () => handlerRenderer(entry) });
    times.push(performance.now() - started);
    peaks.push(Math.max(peak, process.resourceUsage().maxRSS * 1024) / 2 ** 20);
    fs.rmSync(out, { recursive: true, force: true });
  }
  clearInterval(sampler);
  console.log(JSON.stringify({ times, peaks, pages: last!.pages, files: last!.files, bytes: last!.bytes, broken: last!.broken.length }));
  app.db.$client.close();
  process.exit(0);
}

interface ChildReport {
  times: number[];
  peaks: number[];
  pages: number;
  files: number;
  bytes: number;
  broken: number;
}

// The installed command (package.json "bin"), as a user's shell runs it: the bundled CLI when it is fresh.
const cli = path.join(root, 'scripts', 'potluck.mjs');
// The Node flags of the CLI's shebang (`#!/usr/bin/env -S node --max-semi-space-size=4`): the export runs as it does there.
const cliFlags = fs.readFileSync(cli, 'utf8').split('\n')[0].split(/\s+/).filter((part) => part.startsWith('--'));

/** Waits until the kernel has written dirty pages back (Linux and macOS have `sync`; elsewhere this does nothing). */
function settleDisk(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

function runChild(dataDir: string, runs: number): ChildReport {
  settleDisk();
  const result = spawnSync(process.execPath, [...cliFlags, import.meta.filename, '--child', dataDir, String(runs)], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  if (result.status !== 0) throw new Error(`export run failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as ChildReport;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const round = (n: number) => Math.round(n);

/** `potluck site --handle bench --out DIR` as a user runs it (Node start, imports, export, exit), under GNU time. */
function runCli(dataDir: string): BuildFigures {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-cli-'));
  settleDisk();
  try {
    return measure(process.execPath, [...cliFlags, cli, 'site', '--handle', 'bench', '--out', path.join(out, 'site')], {
      env: { ...process.env, POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off', TZ: 'UTC' },
    });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** One build of a peer project into a new folder (removed afterwards); the folder's size is kept for the report. */
function runPeer(build: (out: string) => BuildFigures, sizes: { files: number; pages: number }[]): BuildFigures {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-peer-'));
  settleDisk();
  try {
    const figures = build(path.join(out, 'site'));
    sizes.push(countOutput(path.join(out, 'site')));
    return figures;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** `hugo version`'s first words (`hugo v0.111.3+extended`). */
function hugoVersion(hugo: string): string {
  return spawnSync(hugo, ['version'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 2).join(' ');
}

/** Medians of several builds. */
function summarise(runs: BuildFigures[]): { wall_ms: number; cpu_ms: number; peak_rss_mb: number; wall_runs_ms: number[] } {
  return {
    wall_ms: round(median(runs.map((r) => r.wall_ms))),
    cpu_ms: round(median(runs.map((r) => r.cpu_ms))),
    peak_rss_mb: round(median(runs.map((r) => r.peak_rss_mb))),
    wall_runs_ms: runs.map((r) => round(r.wall_ms)),
  };
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4] ?? 1));
} else {
  const { ensureServerBuild } = await import('../cli/build.ts');
  ensureServerBuild(root, (line) => console.error(line));
  // BENCH_DATA=<folder> keeps the generated portfolio there (made once) for profiling the child on its own.
  const kept = process.env.BENCH_DATA;
  const dataDir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-export-'));
  try {
    const started = performance.now();
    if (!kept || !fs.existsSync(path.join(dataDir, 'potluck.db'))) await generate(dataDir);
    console.error(`generated the portfolio in ${Math.round(performance.now() - started)} ms`);
    // As from a shell: a new process per export (loads the server bundle, then renders, links, writes).
    const cold = Array.from({ length: RUNS }, () => runChild(dataDir, 1));
    // As from the running web server: the bundle is loaded and warm.
    const warm = runChild(dataDir, RUNS + 1);
    const last = warm;
    // The peers: the same posts as Markdown files, built by Eleventy and Hugo, each in its own process, in turn with
    // `potluck site`, so that all three see the same load on the machine.
    const peers = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-peers-'));
    try {
      const projects = writePeerProjects(dataDir, 'bench', peers);
      const hugo = findHugo();
      if (!hugo) console.error('hugo is not installed (Debian: apt-get install hugo), so the Hugo build is skipped.');
      if (!GNU_TIME) console.error('/usr/bin/time (GNU time) is missing: processor time and peak memory are not measured.');
      const eleventyCli = path.join(root, 'node_modules', '@11ty', 'eleventy', 'cmd.cjs');
      const runs = { potluck: [] as BuildFigures[], eleventy: [] as BuildFigures[], hugo: [] as BuildFigures[] };
      const sizes = { eleventy: [] as { files: number; pages: number }[], hugo: [] as { files: number; pages: number }[] };
      for (let i = 0; i < PEER_ROUNDS; i++) {
        runs.potluck.push(runCli(dataDir));
        runs.eleventy.push(
          runPeer((out) => measure(process.execPath, [eleventyCli, '--quiet', '--input=.', `--output=${out}`, '--config=eleventy.config.mjs'], { cwd: projects.eleventy }), sizes.eleventy),
        );
        if (hugo) runs.hugo.push(runPeer((out) => measure(hugo, ['--quiet', '--source', projects.hugo, '--destination', out]), sizes.hugo));
      }
      const potluck = summarise(runs.potluck);
      const eleventy = summarise(runs.eleventy);
      console.log(
        JSON.stringify({
          name: `site export: ${ARTIFACTS} artifacts, ${PICTURES} pictures -> folder`,
          median_ms: Math.round(median(cold.map((c) => c.times[0]))),
          runs_ms: cold.map((c) => Math.round(c.times[0])),
          peak_rss_mb: Math.round(Math.max(...cold.map((c) => c.peaks[0]))),
          warm_median_ms: Math.round(median(warm.times.slice(1))),
          warm_runs_ms: warm.times.slice(1).map(Math.round),
          warm_peak_rss_mb: Math.round(Math.max(...warm.peaks)),
          cli_wall_median_ms: potluck.wall_ms,
          cli_wall_runs_ms: potluck.wall_runs_ms,
          cli_cpu_median_ms: potluck.cpu_ms,
          cli_peak_rss_mb: potluck.peak_rss_mb,
          pages: last.pages,
          files: last.files,
          mb_written: Math.round((last.bytes / 2 ** 20) * 10) / 10,
          broken_links: last.broken,
          target: 'median < 3000 ms, peak RSS < 500 MB (a new process per export, as `potluck site` runs)',
        }),
      );
      const peer = (name: string, figures: ReturnType<typeof summarise>, size: { files: number; pages: number }[]) =>
        console.log(
          JSON.stringify({
            name: `${name}: the same ${projects.posts} posts and ${projects.pictures} picture files`,
            ...figures,
            pages: size[0]?.pages,
            files: size[0]?.files,
            potluck_wall_ratio: Math.round((potluck.wall_ms / figures.wall_ms) * 100) / 100,
            potluck_cpu_ratio: Math.round((potluck.cpu_ms / figures.cpu_ms) * 100) / 100,
            potluck_rss_ratio: Math.round((potluck.peak_rss_mb / figures.peak_rss_mb) * 100) / 100,
          }),
        );
      peer('Eleventy 3 (same Node, its CLI)', eleventy, sizes.eleventy);
      if (hugo) {
        const hugoFigures = summarise(runs.hugo);
        peer(`Hugo (${hugoVersion(hugo)})`, hugoFigures, sizes.hugo);
        console.log(
          JSON.stringify({
            name: 'site export against its peers (ratios of medians, Potluck / peer; < 1 is faster)',
            potluck_cli: potluck,
            wall_vs_eleventy: Math.round((potluck.wall_ms / eleventy.wall_ms) * 100) / 100,
            wall_vs_hugo: Math.round((potluck.wall_ms / hugoFigures.wall_ms) * 100) / 100,
            target: 'faster than Eleventy (wall ratio < 1), within 2x of Hugo (wall ratio <= 2)',
          }),
        );
      } else {
        console.log(JSON.stringify({ name: 'Hugo: the same posts', skipped: 'hugo is not installed' }));
      }
    } finally {
      fs.rmSync(peers, { recursive: true, force: true });
    }
  } finally {
    if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
