import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactMedia, artifacts, media, type User } from '../../../src/server/db/schema.ts';
import { MAX_ATTACHMENT_BYTES } from '../../../src/server/media/limits.ts';
import * as make from '../../fixtures/media/generate.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let ada: User;
let ben: User;
let adaBrowser: Browser;
let benBrowser: Browser;
let anonymous: Browser;

beforeAll(async () => {
  server = await startServer();
  ada = await makeUser(server.app, { handle: 'ada' });
  ben = await makeUser(server.app, { handle: 'ben' });
  adaBrowser = signedIn(server.url, server.app, ada);
  benBrowser = signedIn(server.url, server.app, ben);
  anonymous = new Browser(server.url);
});

afterAll(async () => {
  await server?.stop();
});

function form(fields: Record<string, string | [Uint8Array, string, string?]>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') data.append(name, value);
    else data.append(name, new Blob([value[0] as BlobPart], { type: value[2] ?? '' }), value[1]);
  }
  return data;
}

function mediaRows() {
  return server.app.db.select().from(media).all();
}

/** Every file under the media folder (staging folders included), relative. */
function filesOnDisk(): string[] {
  const root = server.app.config.mediaDir;
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(root, p)).isFile()).sort();
}

async function apiUpload(browser: Browser, name: string, bytes: Uint8Array, alt = '') {
  const response = await browser.postMultipart('/api/media', form({ file: [bytes, name], alt }));
  return { response, body: (await response.json()) as Record<string, any> };
}

function addArtifact(owner: User, visibility: 'private' | 'members' | 'unlisted' | 'public', mediaId: string): string {
  const id = server.app.newId();
  const now = new Date();
  server.app.db
    .insert(artifacts)
    .values({ id, ownerId: owner.id, slug: `a-${id.slice(0, 8)}`, title: `A ${visibility} piece`, kind: 'post', visibility, body: '', html: '', date: now, updatedAt: now, createdAt: now })
    .run();
  server.app.db.insert(artifactMedia).values({ artifactId: id, mediaId }).run();
  return id;
}

describe('uploading', () => {
  it('works without JavaScript: a multipart POST to the media page stores the picture and redirects', async () => {
    const response = await adaBrowser.postMultipart(
      '/workspace/media',
      form({ intent: 'upload', file: [await make.jpegWithGps(), 'IMG_2024.jpg', 'image/jpeg'], alt: 'My lab bench', camera: [new Uint8Array(), ''] }),
    );
    expect(response.status).toBe(303);
    const location = response.headers.get('location')!;
    const id = new URL(location, server.url).searchParams.get('uploaded')!;
    const row = server.app.db.select().from(media).where(eq(media.id, id)).get()!;
    expect(row).toMatchObject({ ownerId: ada.id, kind: 'image', alt: 'My lab bench', width: 300, height: 400 });
    const dir = path.join(server.app.config.mediaDir, ada.id, id);
    expect(fs.readdirSync(dir).sort()).toEqual(['original.jpg', 'w300.webp']);
    expect(fs.readFileSync(path.join(dir, 'original.jpg')).includes('GPS')).toBe(false);

    const page = await adaBrowser.get(location);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`![My lab bench](media:${id})`);
    expect(html).toContain('IMG_2024.jpg');
  });

  it('takes a photo from the phone camera input (field "camera") the same way', async () => {
    const response = await adaBrowser.postMultipart(
      '/workspace/media',
      form({ intent: 'upload', file: [new Uint8Array(), ''], camera: [await make.picture(640, 480), 'image.jpg', 'image/jpeg'], alt: '' }),
    );
    expect(response.status).toBe(303);
  });

  it('answers the JSON endpoint with 201, the URLs, the Markdown and the variants on disk', async () => {
    const { response, body } = await apiUpload(adaBrowser, 'chart.png', await make.picture(1800, 900, 'png'), 'Bar chart');
    expect(response.status).toBe(201);
    expect(body).toMatchObject({
      kind: 'image',
      width: 1800,
      height: 900,
      alt: 'Bar chart',
      url: `/media/${body.id}/`,
      markdown: `![Bar chart](media:${body.id})`,
    });
    expect(body.variants.map((v: { width: number }) => v.width)).toEqual([480, 960, 1600]);
    for (const v of body.variants) {
      const file = await adaBrowser.get(v.url);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('image/webp');
      expect((await sharp(Buffer.from(await file.arrayBuffer())).metadata()).width).toBe(v.width);
    }
    expect(fs.readdirSync(path.join(server.app.config.mediaDir, ada.id, body.id)).sort()).toEqual([
      'original.png',
      'w1600.webp',
      'w480.webp',
      'w960.webp',
    ]);
  });

  it('refuses a web page named x.jpg with 415 and stores nothing', async () => {
    const rows = mediaRows().length;
    const disk = filesOnDisk();
    const { response, body } = await apiUpload(adaBrowser, 'x.jpg', make.fixture('x.jpg'));
    expect(response.status).toBe(415);
    expect(body.error).toMatchObject({
      code: 'UNSUPPORTED_MEDIA',
      message: 'This file is not a picture Potluck can read (it looks like a web page). Save it as JPEG, PNG, WebP, GIF or AVIF and try again.',
    });
    const page = await adaBrowser.postMultipart('/workspace/media', form({ intent: 'upload', file: [make.fixture('x.jpg'), 'x.jpg', 'image/jpeg'], alt: 'kept' }));
    expect(page.status).toBe(415);
    const html = await page.text();
    expect(html).toContain('it looks like a web page');
    expect(html).toContain('value="kept"');
    expect(mediaRows()).toHaveLength(rows);
    expect(filesOnDisk()).toEqual(disk);
  });

  it('refuses a 256-megapixel PNG and a truncated JPEG, storing nothing', async () => {
    const rows = mediaRows().length;
    const disk = filesOnDisk();
    const bomb = await apiUpload(adaBrowser, 'poster.png', await make.bombPng());
    expect(bomb.response.status).toBe(413);
    expect(bomb.body.error.message).toContain('256 megapixels');
    const cut = await apiUpload(adaBrowser, 'cut.jpg', await make.truncatedJpeg());
    expect(cut.response.status).toBe(400);
    expect(cut.body.error.message).toContain('damaged or only partly saved');
    expect(mediaRows()).toHaveLength(rows);
    expect(filesOnDisk()).toEqual(disk);
  });

  it('refuses an oversized upload with 413 before storing anything', async () => {
    const rows = mediaRows().length;
    const big = new Uint8Array(MAX_ATTACHMENT_BYTES + 2 * 1024 * 1024);
    const { response, body } = await apiUpload(adaBrowser, 'lecture.mp4', big);
    expect(response.status).toBe(413);
    expect(body.error.code).toBe('TOO_LARGE');
    const page = await adaBrowser.postMultipart('/workspace/media', form({ intent: 'upload', file: [big, 'lecture.mp4'] }));
    expect(page.status).toBe(413);
    expect(mediaRows()).toHaveLength(rows);
  });

  it('refuses an upload sent from another website with 403', async () => {
    const rows = mediaRows().length;
    const response = await adaBrowser.postMultipart('/api/media', form({ file: [await make.picture(50, 50), 'a.jpg'] }), {
      origin: 'https://evil.example',
    });
    expect(response.status).toBe(403);
    expect(mediaRows()).toHaveLength(rows);
  });

  it('needs a signed-in person (401 JSON)', async () => {
    const response = await anonymous.postMultipart('/api/media', form({ file: [await make.picture(50, 50), 'a.jpg'] }));
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('UNAUTHENTICATED');
  });
});

describe('serving', () => {
  let picture: Record<string, any>;
  beforeAll(async () => {
    picture = (await apiUpload(adaBrowser, 'secret.jpg', await make.picture(1000, 500), 'A secret')).body;
  });

  it('serves the owner their file with type, nosniff, inline disposition, an ETag and 304 on revalidation', async () => {
    const response = await adaBrowser.get(`/media/${picture.id}/original.jpg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-disposition')).toMatch(/^inline; filename="secret.jpg"/);
    expect(response.headers.get('cache-control')).toBe('private, no-cache');
    const etag = response.headers.get('etag')!;
    const row = server.app.db.select().from(media).where(eq(media.id, picture.id)).get()!;
    expect(etag).toContain(row.sha256);
    const again = await adaBrowser.get(`/media/${picture.id}/original.jpg`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('serves the widest WebP variant at /media/ID/ (the address rendered Markdown uses)', async () => {
    expect(picture.variants.map((v: { width: number }) => v.width)).toEqual([480, 960, 1000]);
    const response = await adaBrowser.get(`/media/${picture.id}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).width).toBe(1000);
  });

  it("gives another student and the public the same 404 for someone's unused upload as for a missing one", async () => {
    const missing = await benBrowser.get('/media/00000000-0000-4000-8000-000000000000/original.jpg');
    expect(missing.status).toBe(404);
    for (const browser of [benBrowser, anonymous]) {
      for (const file of ['original.jpg', 'w480.webp', '']) {
        const response = await browser.get(`/media/${picture.id}/${file}`);
        expect(response.status, file).toBe(404);
        // The same page, byte for byte, apart from the address it offers to come back to after signing in.
        const other = `/media/00000000-0000-4000-8000-000000000000/${file}`;
        const expected = (await (await browser.get(other)).text()).replaceAll(encodeURIComponent(other), encodeURIComponent(`/media/${picture.id}/${file}`));
        expect(await response.text()).toBe(expected);
      }
    }
  });

  it('keeps media used only by a private piece of work hidden, and serves media of public work to anyone', async () => {
    const { body: privateOne } = await apiUpload(adaBrowser, 'p.jpg', await make.picture(200, 100));
    addArtifact(ada, 'private', privateOne.id);
    expect((await anonymous.get(`/media/${privateOne.id}/original.jpg`)).status).toBe(404);
    expect((await benBrowser.get(`/media/${privateOne.id}/original.jpg`)).status).toBe(404);

    const { body: publicOne } = await apiUpload(adaBrowser, 'q.jpg', await make.picture(200, 100));
    addArtifact(ada, 'private', publicOne.id);
    addArtifact(ada, 'public', publicOne.id);
    const response = await anonymous.get(`/media/${publicOne.id}/original.jpg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate');
    expect((await sharp(Buffer.from(await response.arrayBuffer())).metadata()).format).toBe('jpeg');
    // The owner asking for the same public file may share the cache too.
    expect((await adaBrowser.get(`/media/${publicOne.id}/original.jpg`)).headers.get('cache-control')).toBe(
      'public, max-age=300, must-revalidate',
    );
  });

  it('answers 404 to path tricks in the file name, never a file outside the item', async () => {
    for (const file of [
      '..%2F..%2F..%2Fpotluck.db',
      '%2e%2e%2f%2e%2e%2fpotluck.db',
      '..%5C..%5Cpotluck.db',
      'original.jpg%00.png',
      'w481.webp',
      'ORIGINAL.JPG',
      'original.png',
      '.%2Foriginal.jpg',
    ]) {
      const response = await adaBrowser.get(`/media/${picture.id}/${file}`);
      expect(response.status, file).toBe(404);
    }
    const traversal = await adaBrowser.get(`/media/..%2F..%2F${ada.id}/original.jpg`);
    expect(traversal.status).toBe(404);
  });

  it('serves byte ranges of sound files so players can seek, and downloads office files', async () => {
    const { body: sound } = await apiUpload(adaBrowser, 'interview.wav', make.wav());
    const range = await adaBrowser.get(`/media/${sound.id}/original.wav`, { headers: { range: 'bytes=0-43' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 0-43/${make.wav().length}`);
    expect(Buffer.from(await range.arrayBuffer()).subarray(0, 4).toString()).toBe('RIFF');
    expect(range.headers.get('content-type')).toBe('audio/wav');
    const outside = await adaBrowser.get(`/media/${sound.id}/original.wav`, { headers: { range: 'bytes=999999-' } });
    expect(outside.status).toBe(416);

    const { body: essay } = await apiUpload(adaBrowser, 'Essay draft.docx', await make.docx());
    const download = await adaBrowser.get(`/media/${essay.id}/`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="Essay draft.docx"/);
  });
});

describe('managing uploads on the media page', () => {
  it('edits the alt text and deletes with the plain forms; another student cannot', async () => {
    const { body } = await apiUpload(adaBrowser, 'tree.jpg', await make.picture(300, 200));
    const denied = await benBrowser.postForm('/workspace/media', { intent: 'alt', mediaId: body.id, alt: 'hijacked' });
    expect(denied.status).toBe(404);

    const saved = await adaBrowser.postForm('/workspace/media', { intent: 'alt', mediaId: body.id, alt: 'An oak tree in spring' });
    expect(saved.status).toBe(303);
    expect(server.app.db.select().from(media).where(eq(media.id, body.id)).get()!.alt).toBe('An oak tree in spring');

    const notTheirs = await benBrowser.postForm('/workspace/media', { intent: 'delete', mediaId: body.id });
    expect(notTheirs.status).toBe(404);
    const deleted = await adaBrowser.postForm('/workspace/media', { intent: 'delete', mediaId: body.id });
    expect(deleted.status).toBe(303);
    expect(server.app.db.select().from(media).where(eq(media.id, body.id)).get()).toBeUndefined();
    expect(fs.existsSync(path.join(server.app.config.mediaDir, ada.id, body.id))).toBe(false);
    expect((await adaBrowser.get(`/media/${body.id}/original.jpg`)).status).toBe(404);
  });

  it('shows the upload form with a camera input and the picker script as a file, not inline', async () => {
    const html = await (await adaBrowser.get('/workspace/media')).text();
    expect(html).toMatch(/<form method="post" enctype="multipart\/form-data"/);
    expect(html).toMatch(/<input[^>]*type="file"[^>]*accept="image\/\*"[^>]*capture="environment"/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
  });
});
