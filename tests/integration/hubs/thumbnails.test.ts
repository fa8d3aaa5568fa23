// Pictures of external feed items: fetched once when the feed is polled, shrunk and stripped here, and shown in the
// river from this instance, so no reader's browser calls the blog's host. Through a real server and a real feed
// server on loopback.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { hideHubEntry } from '../../../src/commands/hubItemHider.ts';
import { pollHub } from '../../../src/commands/hubPoller.ts';
import { removeHubSource } from '../../../src/commands/hubSourceRemover.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import { hubItems, hubSources, type Hub, type User } from '../../../src/server/db/schema.ts';
import { pollSources } from '../../../src/server/hubs/poller.ts';
import { THUMBNAIL_WIDTH, thumbnailsDir } from '../../../src/server/hubs/thumbnails.ts';
import { Browser } from '../../helpers/http.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { startFeedServer, type FeedServer } from './feedServer.ts';

let server: TestServer;
let feeds: FeedServer;
let teacher: User;
let hub: Hub;
let sourceId: string;
let student: User;
let photoBytes: Buffer;
let flakyDown = true;
const feedItems: [string, string][] = [
  ['photo', '/photo.jpg'],
  ['vector', '/vector.svg'],
  ['huge', '/huge.png'],
  ['missing', '/missing.jpg'],
  ['page', '/page.jpg'],
  ['cdn', '/cdn.jpg'],
  ['flaky', '/flaky.jpg'],
];
const poll = () => pollHub(server.app, { actor: null, hubId: hub.id, fetch: { allowPrivateNetworks: true } });

/** A PNG that claims 20,000 × 20,000 pixels: only its header, which is all a decoder reads first. */
function hugePngHeader(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20_000, 0);
  ihdr.writeUInt32BE(20_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const chunk = Buffer.concat([Buffer.from('IHDR'), ihdr]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(13);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(chunk));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), length, chunk, crc]);
}

function serveBytes(route: string, type: string, body: Buffer): void {
  feeds.routes.set(route, (_req, res) => {
    res.writeHead(200, { 'content-type': type, 'content-length': String(body.length) });
    res.end(body);
  });
}

const item = (title: string, image: string) =>
  `<item><title>${title}</title><link>https://blog.example/${title}</link><guid>${title}</guid><pubDate>${new Date('2025-03-01T10:00:00Z').toUTCString()}</pubDate>` +
  `<category>art10</category><description>&lt;p&gt;${title}&lt;/p&gt;</description><enclosure url="${feeds.base}${image}" type="image/jpeg" length="1000"/></item>`;

const rows = () => server.app.db.select().from(hubItems).where(eq(hubItems.hubId, hub.id)).all();
const rowOf = (title: string) => rows().find((r) => r.title === title)!;

beforeAll(async () => {
  [server, feeds] = await Promise.all([startServer({ env: { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } }), startFeedServer()]);
  const app = server.app;
  teacher = await makeUser(app, { handle: 'ms-ito', role: 'teacher' });
  student = await makeUser(app, { handle: 'kai' });
  hub = createHub(app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'art-10', title: 'Art 10', tags: 'art10', visibility: 'public' } });
  addHubMember(app, { actor: null, hubId: hub.id, handle: 'kai' });

  // A camera photo with its maker, a comment and where it was taken.
  const photo = await sharp({ create: { width: 1600, height: 1000, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .jpeg()
    .withExif({ IFD0: { Make: 'PhoneCo', ImageDescription: 'kai at home' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
    .toBuffer();
  expect((await sharp(photo).metadata()).exif).toBeDefined();
  photoBytes = photo;
  serveBytes('/photo.jpg', 'image/jpeg', photo);
  serveBytes('/vector.svg', 'image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="http://169.254.169.254/x"/></svg>'));
  serveBytes('/huge.png', 'image/png', hugePngHeader());
  serveBytes('/page.jpg', 'text/html', Buffer.from('<!doctype html><p>not a picture</p>'));
  // What an image CDN answers to a browser-like Accept header.
  serveBytes('/cdn.jpg', 'image/avif', await sharp({ create: { width: 900, height: 600, channels: 3, background: '#3a7' } }).avif().toBuffer());
  // A host that is down for a while.
  feeds.routes.set('/flaky.jpg', (_req, res) => {
    if (flakyDown) {
      res.writeHead(503);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    res.end(photoBytes);
  });
  feeds.serve(
    '/kai.xml',
    () => `<?xml version="1.0"?><rss version="2.0"><channel><title>Kai's sketchbook</title><link>https://blog.example/</link><description>x</description>` +
      feedItems.map(([title, image]) => item(title, image)).join('') +
      '</channel></rss>',
  );
  sourceId = app.newId();
  app.db.insert(hubSources).values({ id: sourceId, hubId: hub.id, memberId: student.id, url: `${feeds.base}/kai.xml`, urlKey: '/kai.xml', title: '', nextFetchAt: new Date(), createdAt: new Date() }).run();
  // Six pictures per feed and poll: the seventh comes with the next poll.
  await poll();
  expect(rows().filter((r) => r.thumbnail === null)).toHaveLength(1);
  await poll();
}, 120_000);

afterAll(async () => {
  await Promise.all([server?.stop(), feeds?.close()]);
});

describe('thumbnails of external items', () => {
  it('are made when the feed is polled: small, WebP, without the photo’s EXIF or location', async () => {
    const photo = rowOf('photo');
    expect(photo.thumbnail).toMatchObject({ image: `${feeds.base}/photo.jpg`, width: THUMBNAIL_WIDTH, height: 300 });
    const file = path.join(thumbnailsDir(server.app.config), photo.thumbnail!.file!);
    const meta = await sharp(fs.readFileSync(file)).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: THUMBNAIL_WIDTH, height: 300 });
    expect(meta.exif).toBeUndefined();
    expect(fs.readFileSync(file).includes('PhoneCo')).toBe(false);
  });

  it('are refused for what is not a usable picture (SVG, a pixel bomb, a web page, a 404), and not asked for again', async () => {
    for (const title of ['vector', 'huge', 'missing', 'page']) expect(rowOf(title).thumbnail, title).toMatchObject({ file: null });
    const before = ['/photo.jpg', '/vector.svg', '/huge.png', '/missing.jpg', '/page.jpg'].map((p) => feeds.hits(p).length);
    expect(before).toEqual([1, 1, 1, 1, 1]);
    await poll();
    expect(['/photo.jpg', '/vector.svg', '/huge.png', '/missing.jpg', '/page.jpg'].map((p) => feeds.hits(p).length)).toEqual(before);
  });

  it('show in the river from this instance, with their size, and the blog’s address of the picture never appears', async () => {
    const visitor = new Browser(server.url);
    const html = await (await visitor.get('/hubs/art-10/')).text();
    const src = `/hubs/art-10/thumbnails/${rowOf('photo').id}`;
    expect(html).toContain(`src="${src}" width="${THUMBNAIL_WIDTH}" height="300"`);
    expect(html).not.toContain(feeds.base);
    expect(html.match(/<img /g)).toHaveLength(2);
    const picture = await visitor.get(src);
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/webp');
    expect(picture.headers.get('cache-control')).toContain('public');
    expect((await sharp(Buffer.from(await picture.arrayBuffer())).metadata()).width).toBe(THUMBNAIL_WIDTH);
    expect((await visitor.get(`/hubs/art-10/thumbnails/${rowOf('missing').id}`)).status).toBe(404);
    expect((await visitor.get('/hubs/art-10/thumbnails/not-an-item')).status).toBe(404);
  });

  it('follow the item: hidden from the hub, only its teachers see the picture; another hub cannot serve it', async () => {
    const photo = rowOf('photo');
    hideHubEntry(server.app, { actor: null, hubId: hub.id, target: { itemId: photo.id }, reason: 'Not for this class' });
    const src = `/hubs/art-10/thumbnails/${photo.id}`;
    expect((await new Browser(server.url).get(src)).status).toBe(404);
    expect((await signedIn(server.url, server.app, teacher).get(src)).status).toBe(200);
    const other = createHub(server.app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'other-10', title: 'Other', tags: 'other', visibility: 'public' } });
    expect((await new Browser(server.url).get(`/hubs/${other.slug}/thumbnails/${photo.id}`)).status).toBe(404);
  });

  it('take an AVIF answer from an image CDN', () => {
    expect(rowOf('cdn').thumbnail).toMatchObject({ file: expect.stringMatching(/\.webp$/), width: THUMBNAIL_WIDTH, height: 320 });
  });

  it('try a host that was down again later, and make a file that went missing again', async () => {
    const flaky = rowOf('flaky');
    expect(flaky.thumbnail).toMatchObject({ file: null, retryAt: expect.any(Number) });
    expect(flaky.thumbnail!.retryAt!).toBeGreaterThan(Date.now() + 60 * 60_000);
    const hits = feeds.hits('/flaky.jpg').length;
    await poll();
    expect(feeds.hits('/flaky.jpg').length).toBe(hits);
    // Once the retry is due, and the host is back:
    flakyDown = false;
    server.app.db.update(hubItems).set({ thumbnail: { ...flaky.thumbnail!, retryAt: Date.now() - 1000 } }).where(eq(hubItems.id, flaky.id)).run();
    // Progress is reported for the pictures too (the "poll now" page shows it after the feeds).
    const progress: [number, number][] = [];
    await pollSources(server.app, [sourceId], { force: true, fetch: { allowPrivateNetworks: true }, onPictures: (done, total) => progress.push([done, total]) });
    expect(progress).toEqual([[0, 1], [1, 1]]);
    expect(rowOf('flaky').thumbnail).toMatchObject({ file: expect.any(String), width: THUMBNAIL_WIDTH });

    const photo = rowOf('photo');
    const file = path.join(thumbnailsDir(server.app.config), photo.thumbnail!.file!);
    fs.rmSync(file);
    await poll();
    expect(fs.existsSync(file)).toBe(true);
  });

  it('leave with a disabled member: the river drops their feed, and so does the picture’s address', async () => {
    const src = `/hubs/art-10/thumbnails/${rowOf('cdn').id}`;
    expect((await new Browser(server.url).get(src)).status).toBe(200);
    setUserDisabled(server.app, { userId: student.id, disabled: true, actor: null });
    expect((await new Browser(server.url).get(src)).status).toBe(404);
    setUserDisabled(server.app, { userId: student.id, disabled: false, actor: null });
    expect((await new Browser(server.url).get(src)).status).toBe(200);
  });

  it('change with the post: a new picture replaces the old one, whose file is swept once it is old', async () => {
    const before = rowOf('cdn').thumbnail!.file!;
    const oldFile = path.join(thumbnailsDir(server.app.config), before);
    feedItems[5] = ['cdn', '/photo.jpg'];
    await poll();
    const after = rowOf('cdn').thumbnail!;
    expect(after).toMatchObject({ image: `${feeds.base}/photo.jpg`, file: rowOf('photo').thumbnail!.file });
    // A routine sweep leaves young files alone (a poll may be about to record one); an old unnamed one goes.
    expect(fs.existsSync(oldFile)).toBe(true);
    const hourAgo = new Date(Date.now() - 60 * 60_000);
    fs.utimesSync(oldFile, hourAgo, hourAgo);
    await poll();
    expect(fs.existsSync(oldFile)).toBe(false);
  });

  it('go from the disk when no item names them any more', () => {
    const file = path.join(thumbnailsDir(server.app.config), rowOf('photo').thumbnail!.file!);
    expect(fs.existsSync(file)).toBe(true);
    removeHubSource(server.app, { actor: null, hubId: hub.id, sourceId });
    expect(server.app.db.select().from(hubItems).where(and(eq(hubItems.hubId, hub.id))).all()).toEqual([]);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(thumbnailsDir(server.app.config)).filter((f) => f.endsWith('.webp'))).toEqual([]);
  });
});
