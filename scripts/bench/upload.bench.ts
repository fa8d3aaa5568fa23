// Benchmark of a picture upload from bytes to stored, stripped original plus WebP variants (uploadMedia), on a
// 6-megapixel phone-like JPEG. Target from the issue: median under 600 ms on the 2-core server.
// Run: node scripts/bench/upload.bench.ts  (Node 24 strips the types itself.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { uploadMedia } from '../../src/commands/mediaUploader.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { users } from '../../src/server/db/schema.ts';

const WIDTH = 3000;
const HEIGHT = 2000;
const warmupRuns = 1;
const measuredRuns = 15;

// A photo-like picture: smooth gradients (sky, light) plus sensor-like noise, so the JPEG is a few megabytes
// like a real phone photo (pure noise would be far larger, a flat colour far smaller). Fixed seed: same input
// every run.
async function makePhoto(): Promise<Buffer> {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  let state = 0x2545f491;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const n = (state & 0x3f) - 32;
      const i = (y * WIDTH + x) * 3;
      pixels[i] = Math.max(0, Math.min(255, (x / WIDTH) * 200 + 30 + n));
      pixels[i + 1] = Math.max(0, Math.min(255, (y / HEIGHT) * 180 + 40 + n));
      pixels[i + 2] = Math.max(0, Math.min(255, 220 - ((x + y) / (WIDTH + HEIGHT)) * 160 + n));
    }
  }
  return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 92 })
    .withExif({ IFD0: { Make: 'BenchPhone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
    .toBuffer();
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-upload-'));
try {
  const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
  const ownerId = app.newId();
  app.db.insert(users).values({ id: ownerId, handle: 'bench', name: 'Bench', role: 'student', createdAt: new Date() }).run();

  const input = await makePhoto();
  const times: number[] = [];
  for (let run = 0; run < warmupRuns + measuredRuns; run++) {
    const start = performance.now();
    const row = await uploadMedia(app, { ownerId, file: { name: 'IMG_0001.jpg', type: 'image/jpeg', bytes: input }, alt: 'A bench photo' });
    const elapsed = performance.now() - start;
    if (row.variants.length !== 3) throw new Error(`expected 3 variants, got ${row.variants.length}`);
    if (run >= warmupRuns) times.push(elapsed);
  }
  app.db.$client.close();

  times.sort((a, b) => a - b);
  const quantile = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
  const round = (ms: number) => Math.round(ms * 10) / 10;
  console.log(
    JSON.stringify({
      name: 'upload: 6 MP JPEG -> stripped original + 3 WebP variants stored',
      median_ms: round(quantile(0.5)),
      p95_ms: round(quantile(0.95)),
      runs: measuredRuns,
      input_bytes: input.length,
    }),
  );
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
