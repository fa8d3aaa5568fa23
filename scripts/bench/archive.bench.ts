// Benchmark of the graduate's archive: a portfolio of 500 artifacts with 5 revisions each and 300 pictures whose
// originals are 2–4 MB noisy JPEGs. Exported to a zip with `potluck export` semantics (site/ rendered through the
// real handler in-process), then imported into a fresh instance (`potluck import FILE.zip`). Targets from the issue:
// export under 15 s and 500 MB peak memory, import under 30 s. Each measured run is its own child process, so its
// peak RSS is the run's alone.
//
// Setup shortcut (said in the output): the 300 pictures are written as media rows and files directly — clean JPEG
// originals exactly as the upload pipeline stores them, with one set of WebP variants per picture size copied for
// every picture of that size — because 300 uploads through sharp would take minutes and measure the upload pipeline,
// not the archive. Artifacts and their revisions go through saveArtifact, as in real use.
// The peer: Debian's `zip -r` (Info-ZIP) of the data folder the archive is made from (potluck.db and media/), in
// the same run, alternating with `potluck export --no-site`, `sync` before each, as whole processes: wall time,
// processor time (user + system, from /usr/bin/time) and peak RSS, medians of BENCH_ROUNDS rounds (default 3). Plain
// `zip -r` deflates every file, pictures too; `zip -r -n <media suffixes>` stores them as the archive does, and is
// measured beside it. BENCH_PEER_ONLY=1 runs only those rounds (no export with site/, no import).
// Run: node scripts/bench/archive.bench.ts  (Node 24 strips the types itself.)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

const ARTIFACTS = 500;
const PICTURES = 300;
const REVISIONS = 5;
const root = path.resolve(import.meta.dirname, '..', '..');
/** Picture sizes, cycled: noise at JPEG quality 90 makes originals of about 2, 3 and 4 MB. */
const SIZES = [
  [2200, 1500],
  [2600, 1800],
  [3000, 2000],
] as const;

function noise(width: number, height: number, seed: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < pixels.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    // A gradient under the noise, so it looks like a (grainy) photo and compresses like one.
    pixels[i] = ((i % 3) * 70 + ((i / 3 / width) | 0) / 12 + (x & 0x5f)) & 0xff;
  }
  return pixels;
}

async function generate(dataDir: string): Promise<{ bytes: number[] }> {
  const { loadConfig } = await import('../../src/server/config.ts');
  const { createAppContext } = await import('../../src/server/context.ts');
  const { createUser } = await import('../../src/commands/userCreator.ts');
  const { saveArtifact } = await import('../../src/commands/artifactSaver.ts');
  const { saveShowcase } = await import('../../src/commands/showcaseSaver.ts');
  const { media } = await import('../../src/server/db/schema.ts');
  const { mediaItemDir } = await import('../../src/server/media/storage.ts');
  const { variantWidths } = await import('../../src/server/media/images.ts');
  const { samplePost } = await import('./lib.ts');

  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
  const owner = await createUser(app, { handle: 'bench', name: 'Bench Student', role: 'student' });
  const variantSets = await Promise.all(
    SIZES.map(async ([w, h], i) => {
      const source = await sharp(noise(w, h, 99 + i), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
      return Promise.all(
        variantWidths(w).map(async (vw) => {
          const { data, info } = await sharp(source).resize({ width: vw }).webp({ quality: 78, effort: 4 }).toBuffer({ resolveWithObject: true });
          return { width: info.width, height: info.height, file: `w${info.width}.webp`, data };
        }),
      );
    }),
  );
  const ids: string[] = [];
  const bytes: number[] = [];
  for (let i = 0; i < PICTURES; i++) {
    const [w, h] = SIZES[i % SIZES.length];
    const original = await sharp(noise(w, h, i + 1), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90, chromaSubsampling: '4:2:0' }).toBuffer();
    bytes.push(original.length);
    const id = app.newId();
    const dir = mediaItemDir(app.config, owner.id, id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'original.jpg'), original);
    const variants = variantSets[i % SIZES.length];
    for (const v of variants) fs.writeFileSync(path.join(dir, v.file), v.data);
    const sha = createHash('sha256').update(original).digest('hex');
    app.db
      .insert(media)
      .values({
        id,
        ownerId: owner.id,
        kind: 'image',
        filename: `IMG_${String(i).padStart(4, '0')}.jpg`,
        mime: 'image/jpeg',
        bytes: original.length,
        sha256: sha,
        sourceSha256: sha,
        width: w,
        height: h,
        alt: `Picture ${i}`,
        variants: variants.map((v) => ({ width: v.width, height: v.height, bytes: v.data.length, file: v.file })),
        createdAt: new Date(),
      })
      .run();
    ids.push(id);
  }
  const body = samplePost(400);
  const visibilities = ['public', 'public', 'public', 'members', 'unlisted', 'private'] as const;
  const artifactIds: string[] = [];
  for (let i = 0; i < ARTIFACTS; i++) {
    const picture = i < PICTURES ? ids[i] : null;
    let artifactId: string | undefined;
    for (let r = 0; r < REVISIONS; r++) {
      const { artifact } = await saveArtifact(app, {
        ownerId: owner.id,
        artifactId,
        input: {
          title: `Artifact ${i}`,
          kind: i % 7 === 0 ? 'project' : 'post',
          visibility: visibilities[i % visibilities.length],
          slug: `artifact-${i}`,
          tags: [`unit-${i % 12}`, `term-${i % 3}`],
          body: `${picture ? `![Picture ${i}](media:${picture})` : ''}\n\nDraft ${r + 1}.\n\n${body}`,
          date: new Date(Date.UTC(2022, 0, 1) + i * 86_400_000 * 2),
        },
      });
      artifactId = artifact.id;
    }
    artifactIds.push(artifactId!);
  }
  for (let s = 0; s < 5; s++) {
    await saveShowcase(app, { ownerId: owner.id, input: { title: `Showcase ${s}`, visibility: 'public', intro: 'Best work.', items: artifactIds.slice(s * 20, s * 20 + 20) } });
  }
  app.db.$client.close();
  return { bytes };
}

/**
 * Peak RSS of this process: VmHWM from /proc (Linux). Not resourceUsage().maxRSS, which Linux carries over from the
 * parent across fork and exec — it would report the generator's peak, not the child's.
 */
function highWaterRss(): number {
  const status = fs.existsSync('/proc/self/status') ? fs.readFileSync('/proc/self/status', 'utf8') : '';
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** The child: one export (or import) in a fresh process, its time and peak memory as JSON. */
async function child(mode: string, dataDir: string, zip: string): Promise<void> {
  process.env.POTLUCK_DATA = dataDir;
  process.env.POTLUCK_DEMO = 'off';
  process.env.POTLUCK_MIGRATIONS ??= path.join(root, 'drizzle');
  const { loadConfig } = await import('../../src/server/config.ts');
  const { createAppContext } = await import('../../src/server/context.ts');
  const app = createAppContext(loadConfig(process.env), { migrate: true });
  // memoryUsage.rss() alone: memoryUsage() walks the heap spaces too, which costs the measured run ~1 % of its time.
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const started = performance.now();
  let extra: Record<string, unknown> = {};
  if (mode === 'export' || mode === 'export-no-site') {
    const { exportArchive } = await import('../../src/commands/archiveExporter.ts');
    const { handlerRenderer } = await import('../../src/server/export/renderer.ts');
    const entry = path.join(root, 'dist', 'server', 'entry.mjs');
    const result = await exportArchive(app, {
      handle: 'bench',
      out: { kind: 'zip', path: zip },
      site: mode === 'export' ? { renderer: () => handlerRenderer(entry) } : false,
    });
    extra = { entries: result.entries, bytes: result.bytes, zip_bytes: fs.statSync(zip).size, site_pages: result.site?.pages ?? 0 };
  } else {
    const { importArchiveZip } = await import('../../src/commands/archiveZipImporter.ts');
    const report = await importArchiveZip(app, { zip, handle: 'bench' });
    extra = { artifacts: report.artifacts, revisions: report.revisions, media: report.media };
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  const peakMb = Math.max(peak, highWaterRss()) / 2 ** 20;
  console.log(JSON.stringify({ ms, peakMb, ...extra }));
  app.db.$client.close();
  process.exit(0);
}

function runChild(mode: string, dataDir: string, zip: string): { ms: number; peakMb: number } & Record<string, unknown> {
  const result = spawnSync(process.execPath, [import.meta.filename, '--child', mode, dataDir, zip], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  if (result.status !== 0) throw new Error(`${mode} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

/** Waits for the disk to write back what is pending (`sync`, where the system has it). */
function settle(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

/** A whole process as /usr/bin/time sees it: wall and processor seconds, peak RSS. */
interface Timed {
  wallMs: number;
  cpuMs: number;
  peakMb: number;
  stdout: string;
}

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs a command to its end and measures it (wall time only where /usr/bin/time is missing). */
function timed(command: string, args: string[], options: { cwd?: string } = {}): Timed {
  const report = path.join(os.tmpdir(), `potluck-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const result = TIME
    ? spawnSync(TIME, ['-o', report, '-f', '%e %U %S %M', command, ...args], { encoding: 'utf8', cwd: options.cwd, env: { ...process.env, TZ: 'UTC' }, maxBuffer: 2 ** 26 })
    : spawnSync(command, args, { encoding: 'utf8', cwd: options.cwd, env: { ...process.env, TZ: 'UTC' }, maxBuffer: 2 ** 26 });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  let cpuMs = NaN;
  let peakMb = NaN;
  if (TIME) {
    const [, user, system, kb] = fs.readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    fs.rmSync(report, { force: true });
    cpuMs = (user + system) * 1000;
    peakMb = kb / 1024;
  }
  return { wallMs, cpuMs, peakMb, stdout: result.stdout };
}

/** What zip stores without compressing in the `-n` run: the archive's own list (archiveWriter.ts STORED). */
const MEDIA_SUFFIXES = '.webp:.jpg:.jpeg:.png:.gif:.avif:.mp3:.m4a:.ogg:.mp4:.webm:.zip:.pdf:.docx:.xlsx:.pptx:.odt:.ods:.odp:.woff:.woff2';

/**
 * The archive export against `zip -r` of the same data folder: rounds of the three, in turn (the order rotates each
 * round), each after `sync`, each writing a new zip that is removed before the next.
 */
function peerRounds(dataDir: string, scratch: string, rounds: number) {
  const zipBin = spawnSync('sh', ['-c', 'command -v zip'], { encoding: 'utf8' }).stdout.trim();
  if (!zipBin) return { peer: 'zip is not installed (Debian: apt-get install zip); no peer figures' };
  const runs = {
    export: [] as Timed[],
    zip: [] as Timed[],
    zipStoreMedia: [] as Timed[],
  };
  const out = path.join(scratch, 'round.zip');
  const jobs: { name: keyof typeof runs; run: () => Timed }[] = [
    { name: 'export', run: () => timed(process.execPath, [import.meta.filename, '--child', 'export-no-site', dataDir, out]) },
    { name: 'zip', run: () => timed(zipBin, ['-r', '-q', out, '.'], { cwd: dataDir }) },
    { name: 'zipStoreMedia', run: () => timed(zipBin, ['-r', '-q', '-n', MEDIA_SUFFIXES, out, '.'], { cwd: dataDir }) },
  ];
  let zipBytes = 0;
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < jobs.length; j++) {
      const job = jobs[(round + j) % jobs.length];
      fs.rmSync(out, { force: true });
      settle();
      runs[job.name].push(job.run());
      if (job.name === 'zip') zipBytes = fs.statSync(out).size;
      console.error(`round ${round + 1}/${rounds} ${job.name}: ${JSON.stringify(runs[job.name].at(-1), (k, v) => (k === 'stdout' ? undefined : v))}`);
    }
  }
  fs.rmSync(out, { force: true });
  const median = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const figures = (list: Timed[]) => ({
    wall_ms: Math.round(median(list.map((t) => t.wallMs))),
    cpu_ms: Math.round(median(list.map((t) => t.cpuMs))),
    peak_rss_mb: Math.round(median(list.map((t) => t.peakMb))),
  });
  const ratio = (a: Timed[], b: Timed[], key: 'wallMs' | 'cpuMs') => +median(a.map((t, i) => t[key] / b[i][key])).toFixed(2);
  return {
    rounds,
    export_no_site: figures(runs.export),
    zip_r: { ...figures(runs.zip), zip_mb: Math.round(zipBytes / 2 ** 20) },
    zip_r_store_media: figures(runs.zipStoreMedia),
    // Per round, then the median: each pair ran minutes apart at most, under the same load.
    ratio_vs_zip_r: { wall: ratio(runs.export, runs.zip, 'wallMs'), cpu: ratio(runs.export, runs.zip, 'cpuMs') },
    ratio_vs_zip_r_store_media: { wall: ratio(runs.export, runs.zipStoreMedia, 'wallMs'), cpu: ratio(runs.export, runs.zipStoreMedia, 'cpuMs') },
    target: 'export within 1.3x of zip -r',
  };
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], process.argv[5]);
} else {
  // BENCH_DATA=<folder> keeps the generated portfolio there (made once) for running the children on their own.
  const kept = process.env.BENCH_DATA;
  const dataDir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-archive-'));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-archive-out-'));
  try {
    const started = performance.now();
    let sizes: number[] = [];
    if (!kept || !fs.existsSync(path.join(dataDir, 'potluck.db'))) sizes = (await generate(dataDir)).bytes;
    console.error(`generated the portfolio in ${Math.round(performance.now() - started)} ms`);
    const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3) || 3);
    const peer = peerRounds(dataDir, scratch, rounds);
    console.log(JSON.stringify({ name: `archive export --no-site vs zip -r of the data folder (${ARTIFACTS} artifacts x ${REVISIONS} revisions, ${PICTURES} pictures)`, ...peer }));
    if (process.env.BENCH_PEER_ONLY !== '1') {
      const { ensureServerBuild } = await import('../cli/build.ts');
      ensureServerBuild(root, (line) => console.error(line));
      fullRun(dataDir, scratch, sizes);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One export with site/, its import into a fresh instance, and one export without site/. */
function fullRun(dataDir: string, scratch: string, sizes: number[]): void {
  const zip = path.join(scratch, 'bench.zip');
  // Each run starts with the disk's write-back done (as an export and an import minutes apart would): otherwise
  // the gigabyte the previous run wrote is still being flushed and slows the next one down.
  settle();
  const exported = runChild('export', dataDir, zip);
  settle();
  const importDir = fs.mkdtempSync(path.join(scratch, 'import-'));
  const imported = runChild('import', importDir, zip);
  fs.rmSync(importDir, { recursive: true, force: true });
  settle();
  const noSite = runChild('export-no-site', dataDir, path.join(scratch, 'no-site.zip'));
  const mb = (n: number) => Math.round(n / 2 ** 20);
  console.log(
    JSON.stringify({
      name: `archive: ${ARTIFACTS} artifacts x ${REVISIONS} revisions, ${PICTURES} pictures of 2-4 MB -> zip with site/, then import`,
      setup: 'pictures written as media rows and files directly (clean originals + one variant set per size); artifacts through saveArtifact',
      picture_mb: sizes.length ? { min: +(Math.min(...sizes) / 2 ** 20).toFixed(1), max: +(Math.max(...sizes) / 2 ** 20).toFixed(1) } : undefined,
      export_ms: Math.round(exported.ms),
      export_peak_rss_mb: Math.round(exported.peakMb),
      export_target: '< 15000 ms, < 500 MB',
      export_no_site_ms: Math.round(noSite.ms),
      export_no_site_peak_rss_mb: Math.round(noSite.peakMb),
      import_ms: Math.round(imported.ms),
      import_peak_rss_mb: Math.round(imported.peakMb),
      import_target: '< 30000 ms',
      zip_mb: mb(exported.zip_bytes as number),
      entries: exported.entries,
      site_pages: exported.site_pages,
      imported: { artifacts: imported.artifacts, revisions: imported.revisions, media: imported.media },
    }),
  );
}
