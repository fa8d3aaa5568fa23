/**
 * Pictures on import: a picture Potluck stored is kept byte for byte with the archive's ready-made sizes when they
 * check out; a picture with metadata (a phone photo put in an archive by hand) is stripped like any upload; sizes
 * that do not match the picture are made again; the same photo arriving again is recognised by what was uploaded.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportArchive } from '../../../src/commands/archiveExporter.ts';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { media, users } from '../../../src/server/db/schema.ts';
import { isCleanPicture } from '../../../src/server/archive/cleanPicture.ts';
import { mediaFilePath } from '../../../src/server/media/storage.ts';
import { jpegWithGps, picture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';

const apps: AppContext[] = [];
let work: string;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function fresh(): AppContext {
  const app = createTestApp();
  apps.push(app);
  return app;
}

/** A hand-made archive folder with one artifact showing `photo.jpg`. */
function handMade(dir: string, photo: Buffer): string {
  fs.mkdirSync(path.join(dir, 'artifacts', 'harbour'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'potluck.json'),
    JSON.stringify({ format: 'potluck-archive/1', exportedAt: '2025-06-01T12:00:00Z', profile: { handle: 'pia', name: 'Pia' }, site: { title: 'Pia' } }),
  );
  fs.writeFileSync(path.join(dir, 'artifacts', 'harbour', 'index.md'), '---\ntitle: Harbour\ndate: 2025-01-01\n---\n\n![The harbour](photo.jpg)\n');
  fs.writeFileSync(path.join(dir, 'artifacts', 'harbour', 'photo.jpg'), photo);
  return dir;
}

beforeAll(() => {
  work = tempDataDir('potluck-media-import-');
});

afterAll(() => {
  for (const app of apps) {
    app.db.$client.close();
    fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  }
  fs.rmSync(work, { recursive: true, force: true });
});

describe('pictures arriving in an archive', () => {
  it('a phone photo put in an archive by hand loses its GPS and camera data, like any upload', async () => {
    const phone = await jpegWithGps();
    const app = fresh();
    await importArchiveFolder(app, { dir: handMade(path.join(work, 'hand'), phone), handle: 'pia' });
    const row = app.db.select().from(media).get()!;
    const stored = fs.readFileSync(mediaFilePath(app.config, row, 'original.jpg'));
    expect(row.sha256).not.toBe(sha(phone));
    expect(row.sourceSha256).toBe(sha(phone));
    expect(isCleanPicture(stored, 'image/jpeg')).toBe(true);
    const meta = await sharp(stored).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    // Stored sideways with EXIF orientation 6: the pixels are turned, so it still shows the right way up.
    expect([meta.width, meta.height]).toEqual([300, 400]);
  });

  it('the same photo arriving again is recognised by what was uploaded, even though it was stored stripped', async () => {
    const phone = await jpegWithGps();
    const app = fresh();
    const owner = await makeUser(app, { handle: 'pia' });
    await uploadMedia(app, { ownerId: owner.id, file: { name: 'IMG_1.jpg', bytes: phone } });
    const report = await importArchiveFolder(app, { dir: handMade(path.join(work, 'again'), phone), handle: 'pia' });
    expect(report.media).toEqual({ stored: 0, reused: 1 });
    expect(app.db.select().from(media).all()).toHaveLength(1);
  });

  it('uses the archive\'s ready-made sizes when they check out, and makes them again when they do not', async () => {
    const source = fresh();
    const owner = await makeUser(source, { handle: 'pia' });
    const pic = await uploadMedia(source, { ownerId: owner.id, file: { name: 'big.png', bytes: await picture(1800, 1200, 'png') }, alt: 'Big' });
    await makeArtifact(source, owner, { title: 'Big', slug: 'big', body: `![Big](media:${pic.id})` });
    const out = path.join(work, 'sizes');
    await exportArchive(source, { handle: 'pia', out: { kind: 'dir', path: out }, site: false });
    const dir = path.join(out, 'variants', pic.sha256);
    expect(fs.readdirSync(dir).sort()).toEqual(['w1600.webp', 'w480.webp', 'w960.webp']);

    // As exported: kept, sizes copied byte for byte.
    const kept = fresh();
    await importArchiveFolder(kept, { dir: out, handle: 'pia' });
    const keptRow = kept.db.select().from(media).get()!;
    expect(keptRow.sha256).toBe(pic.sha256);
    for (const v of keptRow.variants) {
      expect(sha(fs.readFileSync(mediaFilePath(kept.config, keptRow, v.file)))).toBe(sha(fs.readFileSync(path.join(dir, v.file))));
    }

    // A size replaced by another picture, and one that is not a picture at all: both made again.
    const wrong = await sharp({ create: { width: 480, height: 100, channels: 3, background: '#f00' } }).webp().toBuffer();
    fs.writeFileSync(path.join(dir, 'w480.webp'), wrong);
    fs.writeFileSync(path.join(dir, 'w960.webp'), Buffer.from('RIFF....WEBPVP8 not really'));
    const remade = fresh();
    await importArchiveFolder(remade, { dir: out, handle: 'pia' });
    const remadeRow = remade.db.select().from(media).get()!;
    expect(remadeRow.sha256).toBe(pic.sha256);
    expect(remadeRow.variants.map((v) => [v.width, v.height])).toEqual([
      [480, 320],
      [960, 640],
      [1600, 1067],
    ]);
    const stored480 = fs.readFileSync(mediaFilePath(remade.config, remadeRow, 'w480.webp'));
    expect(stored480.equals(wrong)).toBe(false);
    expect((await sharp(stored480).metadata()).height).toBe(320);
    const owners = remade.db.select().from(users).where(eq(users.handle, 'pia')).all();
    expect(owners).toHaveLength(1);
  });
});
