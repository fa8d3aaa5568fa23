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
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
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

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], process.argv[5]);
} else {
  const { ensureServerBuild } = await import('../cli/build.ts');
  ensureServerBuild(root, (line) => console.error(line));
  // BENCH_DATA=<folder> keeps the generated portfolio there (made once) for running the children on their own.
  const kept = process.env.BENCH_DATA;
  const dataDir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-archive-'));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-archive-out-'));
  try {
    const started = performance.now();
    let sizes: number[] = [];
    if (!kept || !fs.existsSync(path.join(dataDir, 'potluck.db'))) sizes = (await generate(dataDir)).bytes;
    console.error(`generated the portfolio in ${Math.round(performance.now() - started)} ms`);
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
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
