import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteMedia, sanitizeFilename, updateMediaAlt, uploadMedia } from '../../../src/commands/mediaUploader.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifactMedia, artifacts, media, users } from '../../../src/server/db/schema.ts';
import { MAX_ATTACHMENT_BYTES, MAX_IMAGE_BYTES } from '../../../src/server/media/limits.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import * as make from '../../fixtures/media/generate.ts';
import { createTestApp } from '../../helpers/server.ts';

let app: AppContext;

function addUser(handle: string): string {
  const id = app.newId();
  app.db.insert(users).values({ id, handle, name: handle, role: 'student', createdAt: new Date() }).run();
  return id;
}

/** Everything under the media folder, staging folders included, as relative paths. */
function filesOnDisk(): string[] {
  const root = app.config.mediaDir;
  return fs.existsSync(root) ? (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(root, p)).isFile()) : [];
}

let ada: string;
let ben: string;

beforeAll(() => {
  app = createTestApp();
  ada = addUser('ada');
  ben = addUser('ben');
});

afterAll(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
});

describe('uploadMedia', () => {
  it('stores a stripped original and WebP variants under generated names, and a row describing them', async () => {
    const row = await uploadMedia(app, {
      ownerId: ada,
      file: { name: '../../etc/My Holiday<script>.JPEG', type: 'image/jpeg', bytes: await make.picture(2000, 1500) },
      alt: '  A   beach  at dusk ',
    });
    expect(row).toMatchObject({ ownerId: ada, kind: 'image', mime: 'image/jpeg', width: 2000, height: 1500, alt: 'A beach at dusk' });
    expect(row.filename).toBe('My Holidayscript.jpeg');
    expect(row.variants.map((v) => v.file)).toEqual(['w480.webp', 'w960.webp', 'w1600.webp']);
    const dir = path.join(app.config.mediaDir, ada, row.id);
    expect(fs.readdirSync(dir).sort()).toEqual(['original.jpg', 'w1600.webp', 'w480.webp', 'w960.webp']);
    const original = fs.readFileSync(path.join(dir, 'original.jpg'));
    expect(row.bytes).toBe(original.length);
    expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const v of row.variants) expect(fs.statSync(path.join(dir, v.file)).size).toBe(v.bytes);
    expect(markdownFor(row)).toBe(`![A beach at dusk](media:${row.id})`);
  });

  it('stores a photo without its GPS position', async () => {
    const row = await uploadMedia(app, { ownerId: ada, file: { name: 'IMG_0001.jpg', bytes: await make.jpegWithGps() } });
    const stored = fs.readFileSync(path.join(app.config.mediaDir, ada, row.id, 'original.jpg'));
    expect(stored.includes('GPS')).toBe(false);
    expect((await sharp(stored).metadata()).exif).toBeUndefined();
    expect([row.width, row.height]).toEqual([300, 400]);
  });

  it('refuses an HTML page named x.jpg in words a student understands, and stores nothing', async () => {
    const before = app.db.select().from(media).all().length;
    const disk = filesOnDisk();
    await expect(
      uploadMedia(app, { ownerId: ada, file: { name: 'x.jpg', type: 'image/jpeg', bytes: make.fixture('x.jpg') } }),
    ).rejects.toMatchObject({
      code: 'UNSUPPORTED_MEDIA',
      status: 415,
      message:
        'This file is not a picture Potluck can read (it looks like a web page). Save it as JPEG, PNG, WebP, GIF or AVIF and try again.',
    });
    expect(app.db.select().from(media).all()).toHaveLength(before);
    expect(filesOnDisk()).toEqual(disk);
    expect(fs.readdirSync(path.join(app.config.mediaDir, ada)).filter((d) => d.startsWith('.'))).toEqual([]);
  });

  it('refuses a truncated JPEG and a decompression bomb, leaving no files behind', async () => {
    const disk = filesOnDisk();
    await expect(uploadMedia(app, { ownerId: ada, file: { name: 'cut.jpg', bytes: await make.truncatedJpeg() } })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(uploadMedia(app, { ownerId: ada, file: { name: 'huge.png', bytes: await make.bombPng() } })).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
    expect(filesOnDisk()).toEqual(disk);
  });

  it('tells an iPhone user how to get a JPEG instead of a HEIC photo', async () => {
    await expect(uploadMedia(app, { ownerId: ada, file: { name: 'IMG_1.HEIC', bytes: make.heicStart() } })).rejects.toMatchObject({
      code: 'UNSUPPORTED_MEDIA',
      message: expect.stringContaining('Most Compatible'),
    });
  });

  it('refuses pictures over 20 MB and attachments over 50 MB', async () => {
    const bigPicture = Buffer.concat([await make.picture(16, 16), Buffer.alloc(MAX_IMAGE_BYTES)]);
    await expect(uploadMedia(app, { ownerId: ada, file: { name: 'big.jpg', bytes: bigPicture } })).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringContaining('at most 20 MB'),
    });
    const bigText = Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 'a');
    await expect(uploadMedia(app, { ownerId: ada, file: { name: 'big.txt', bytes: bigText } })).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
  });

  it('accepts attachments whose content matches their extension', async () => {
    const pdf = await uploadMedia(app, { ownerId: ada, file: { name: 'Lab report.pdf', bytes: make.fixture('tiny.pdf') } });
    expect(pdf).toMatchObject({ kind: 'attachment', mime: 'application/pdf', filename: 'Lab report.pdf', width: null, variants: [] });
    expect(fs.readdirSync(path.join(app.config.mediaDir, ada, pdf.id))).toEqual(['original.pdf']);
    expect(markdownFor(pdf)).toBe(`[Lab report.pdf](media:${pdf.id})`);

    const docx = await uploadMedia(app, { ownerId: ada, file: { name: 'essay.docx', bytes: await make.docx() } });
    expect(docx.mime).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    const csv = await uploadMedia(app, { ownerId: ada, file: { name: 'scores.csv', bytes: make.fixture('scores.csv') } });
    expect(csv.mime).toBe('text/csv; charset=utf-8');
    const wav = await uploadMedia(app, { ownerId: ada, file: { name: 'interview.wav', bytes: make.wav() } });
    expect(wav.mime).toBe('audio/wav');
  });

  it('refuses SVG, web pages, programs, unknown extensions and mismatched content', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['drawing.svg', make.fixture('drawing.svg'), /not a picture Potluck can read \(it looks like an SVG drawing\)/],
      ['page.txt', make.fixture('x.jpg'), /looks like a web page, which a browser or computer could run/],
      ['setup.pdf', Buffer.from('MZ\x90\x00\x03\x00', 'latin1'), /looks like a Windows program/],
      ['notes.zip', await make.plainZip(), /cannot store \.zip files/],
      ['essay.docx', await make.plainZip(), /named \.docx, but it looks like a ZIP archive, not a Word document/],
      ['report.pdf', make.fixture('scores.csv'), /named \.pdf, but it looks like a text file, not a PDF document/],
      ['script.js', Buffer.from('alert(1)'), /cannot store \.js files/],
    ];
    for (const [name, bytes, message] of cases) {
      await expect(uploadMedia(app, { ownerId: ada, file: { name, bytes } }), name).rejects.toMatchObject({
        code: 'UNSUPPORTED_MEDIA',
        message: expect.stringMatching(message),
      });
    }
  });

  it('asks for a file when the upload is empty and keeps alt text short', async () => {
    await expect(uploadMedia(app, { ownerId: ada, file: { name: '', bytes: Buffer.alloc(0) } })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'Choose a file to upload.',
    });
    await expect(
      uploadMedia(app, { ownerId: ada, file: { name: 'a.png', bytes: await make.picture(10, 10, 'png') }, alt: 'x'.repeat(1001) }),
    ).rejects.toMatchObject({ code: 'VALIDATION', issues: [{ field: 'alt' }] });
  });
});

describe('updateMediaAlt and deleteMedia', () => {
  it('lets the owner change the description; anyone else gets a 404', async () => {
    const row = await uploadMedia(app, { ownerId: ada, file: { name: 'a.png', bytes: await make.picture(10, 10, 'png') } });
    expect(updateMediaAlt(app, { ownerId: ada, mediaId: row.id, alt: 'A red square' }).alt).toBe('A red square');
    expect(() => updateMediaAlt(app, { ownerId: ben, mediaId: row.id, alt: 'mine now' })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
  });

  it('deletes the row and the files for the owner only', async () => {
    const row = await uploadMedia(app, { ownerId: ada, file: { name: 'a.png', bytes: await make.picture(10, 10, 'png') } });
    const dir = path.join(app.config.mediaDir, ada, row.id);
    await expect(deleteMedia(app, { ownerId: ben, mediaId: row.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(fs.existsSync(dir)).toBe(true);
    await deleteMedia(app, { ownerId: ada, mediaId: row.id });
    expect(fs.existsSync(dir)).toBe(false);
    expect(app.db.select().from(media).all().some((m) => m.id === row.id)).toBe(false);
  });

  it('refuses to delete a file still used by a piece of work, naming the work', async () => {
    const row = await uploadMedia(app, { ownerId: ada, file: { name: 'a.png', bytes: await make.picture(10, 10, 'png') } });
    const now = new Date();
    app.db
      .insert(artifacts)
      .values({ id: 'art-used', ownerId: ada, slug: 'used', title: 'Science fair', kind: 'post', visibility: 'private', body: '', html: '', date: now, updatedAt: now, createdAt: now })
      .run();
    app.db.insert(artifactMedia).values({ artifactId: 'art-used', mediaId: row.id }).run();
    await expect(deleteMedia(app, { ownerId: ada, mediaId: row.id })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('“Science fair”'),
    });
    expect(fs.existsSync(path.join(app.config.mediaDir, ada, row.id))).toBe(true);
  });
});

describe('sanitizeFilename', () => {
  it('keeps a readable name and drops folders, control and reserved characters', () => {
    expect(sanitizeFilename('C:\\Users\\ada\\Desktop\\plan.v2.PDF', 'pdf')).toBe('plan.v2.pdf');
    expect(sanitizeFilename('\u202Egpj.exe', 'txt')).toBe('gpj.txt');
    expect(sanitizeFilename('...', 'png')).toBe('upload.png');
    expect(sanitizeFilename('photo.jpeg', 'jpg')).toBe('photo.jpeg');
    expect(sanitizeFilename('été 2024.png', 'webp')).toBe('été 2024.webp');
    expect(sanitizeFilename(`${'a'.repeat(300)}.txt`, 'txt')).toHaveLength(120);
  });
});
