/**
 * The Micropub endpoint over real HTTP, test by test as micropub.rocks numbers its server tests (100s create
 * form-encoded, 200s create JSON, 300s multipart, 400s update, 500s delete/undelete, 600s queries, 700s media, 800s
 * authentication), then Potluck's own rules: the school's visibility and never Public by accident, sanitized HTML,
 * scopes, other members' pieces, and syndication to the student's hubs.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../../src/commands/accessTokenCreator.ts';
import { artifacts, media, revisions, users, type Artifact, type User } from '../../../src/server/db/schema.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import * as make from '../../fixtures/media/generate.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

const SITE = 'http://potluck.test';
let server: TestServer;
let pictures: http.Server;
let picturesOrigin: string;
let maya: User;
let theo: User;
let token: string;
let hubSlug: string;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1', POTLUCK_SITE_URL: SITE } });
  maya = await makeUser(server.app, { handle: 'maya' });
  theo = await makeUser(server.app, { handle: 'theo' });
  const teacher = await makeUser(server.app, { role: 'teacher' });
  const hubId = makeHub(server.app, { teacher, students: [maya], slug: 'english-10' });
  hubSlug = 'english-10';
  void hubId;
  token = createAccessToken(server.app, { handle: 'maya', scope: 'create update delete undelete media' }).token;
  const jpeg = await make.jpegWithGps();
  pictures = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    res.end(jpeg);
  });
  await new Promise<void>((resolve) => pictures.listen(0, '127.0.0.1', resolve));
  picturesOrigin = `http://127.0.0.1:${(pictures.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => pictures?.close(resolve));
  await server?.stop();
});

const auth = (t = token) => ({ authorization: `Bearer ${t}` });
const form = (fields: [string, string][], headers: Record<string, string> = auth()) =>
  fetch(`${server.url}/micropub`, { method: 'POST', headers, body: new URLSearchParams(fields), redirect: 'manual' });
const postJson = (body: unknown, headers: Record<string, string> = auth()) =>
  fetch(`${server.url}/micropub`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), redirect: 'manual' });
const query = (q: string, t = token) => fetch(`${server.url}/micropub?${q}`, { headers: auth(t) });

/** The piece a Location names (it must be Maya's), read from the database. */
function pieceAt(location: string | null): Artifact {
  expect(location).toMatch(new RegExp(`^${SITE}/@maya/[a-z0-9-]+/$`));
  const slug = location!.split('/').at(-2)!;
  return server.app.db.select().from(artifacts).where(and(eq(artifacts.ownerId, maya.id), eq(artifacts.slug, slug))).get()!;
}

async function created(res: Response): Promise<Artifact> {
  expect(res.status, await res.clone().text()).toBe(201);
  return pieceAt(res.headers.get('location'));
}

describe('creating (micropub.rocks 100–206, 300–301)', () => {
  it('100: an h-entry, form-encoded, is saved through the editor’s command with a revision, at the school’s default visibility', async () => {
    const piece = await created(await form([['h', 'entry'], ['content', 'Micropub test of creating a basic h-entry']]));
    expect(piece.body).toBe('Micropub test of creating a basic h-entry');
    expect(piece.title).toBe('Micropub test of creating a basic h-entry');
    expect(piece.visibility).toBe('members');
    expect(piece.html).toContain('<p>Micropub test of creating a basic h-entry</p>');
    expect(server.app.db.select().from(revisions).where(eq(revisions.artifactId, piece.id)).all()).toHaveLength(1);
  });

  it('101: with several categories (category[])', async () => {
    const piece = await created(await form([['h', 'entry'], ['content', 'Categories'], ['category[]', 'test1'], ['category[]', 'test2']]));
    expect(piece.tags).toEqual(['test1', 'test2']);
  });

  it('104: with a photo referenced by URL, fetched into the media library without its GPS position', async () => {
    const piece = await created(await form([['h', 'entry'], ['content', 'Nice sunset tonight'], ['photo', `${picturesOrigin}/sunset.jpg`]]));
    const [id] = [...piece.body.matchAll(/media:([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
    const row = server.app.db.select().from(media).where(eq(media.id, id)).get()!;
    expect(row.ownerId).toBe(maya.id);
    const stored = fs.readFileSync(path.join(server.app.config.mediaDir, maya.id, id, 'original.jpg'));
    expect((await sharp(stored).metadata()).exif).toBeUndefined();
    // The page loads the local copy, never the other site.
    expect(piece.html).not.toContain(picturesOrigin);
  });

  it('107: with one category (category, not category[])', async () => {
    const piece = await created(await form([['h', 'entry'], ['content', 'One category'], ['category', 'test1']]));
    expect(piece.tags).toEqual(['test1']);
  });

  it('200: an h-entry in JSON', async () => {
    const piece = await created(await postJson({ type: ['h-entry'], properties: { content: ['Micropub test of creating an h-entry with a JSON request'] } }));
    expect(piece.body).toBe('Micropub test of creating an h-entry with a JSON request');
  });

  it('201: JSON with several categories, and a name becomes the title', async () => {
    const piece = await created(await postJson({ type: ['h-entry'], properties: { name: ['A title'], content: ['Text'], category: ['test1', 'test2'] } }));
    expect(piece.title).toBe('A title');
    expect(piece.tags).toEqual(['test1', 'test2']);
  });

  it('202: JSON with HTML content, which is sanitized (no script, no handlers) and kept as formatting', async () => {
    const piece = await created(
      await postJson({
        type: ['h-entry'],
        properties: { content: [{ html: '<p>This post has <b>bold</b> and <i>italic</i> text. <a href="https://example.org/" onclick="alert(1)">A link</a></p><script>alert(1)</script><img src=x onerror="alert(2)">' }] },
      }),
    );
    expect(piece.html).toContain('<strong>bold</strong>');
    expect(piece.html).toContain('<em>italic</em>');
    expect(piece.html).toContain('href="https://example.org/"');
    expect(piece.html).not.toMatch(/<script|onclick|onerror|alert\(/);
  });

  it('203 and 205: JSON photos by URL, with alt text', async () => {
    const piece = await created(
      await postJson({ type: ['h-entry'], properties: { content: ['Photo'], photo: [{ value: `${picturesOrigin}/a.jpg`, alt: 'A sunset over the lake' }] } }),
    );
    expect(piece.body).toMatch(/!\[A sunset over the lake\]\(media:[^)]+\)/);
    expect(piece.html).toContain('alt="A sunset over the lake"');
  });

  it('204: a nested object (a check-in) does not stop the rest of the post', async () => {
    const piece = await created(
      await postJson({
        type: ['h-entry'],
        properties: { content: ['Checked in'], checkin: [{ type: ['h-card'], properties: { name: ['Cafe'], url: ['https://cafe.example/'] } }] },
      }),
    );
    expect(piece.body).toBe('Checked in');
  });

  it('206: several photos by URL', async () => {
    const piece = await created(await postJson({ type: ['h-entry'], properties: { content: ['Two'], photo: [`${picturesOrigin}/1.jpg`, `${picturesOrigin}/2.jpg`] } }));
    expect([...piece.body.matchAll(/media:/g)]).toHaveLength(2);
  });

  it('300 and 301: multipart with one and with two uploaded photos', async () => {
    const one = new FormData();
    one.set('h', 'entry');
    one.set('content', 'Multipart photo');
    one.set('photo', new Blob([(await make.jpegWithGps()) as BlobPart], { type: 'image/jpeg' }), 'sunset.jpg');
    const first = await created(await fetch(`${server.url}/micropub`, { method: 'POST', headers: auth(), body: one, redirect: 'manual' }));
    expect([...first.body.matchAll(/media:/g)]).toHaveLength(1);
    const two = new FormData();
    two.set('h', 'entry');
    two.set('content', 'Two photos');
    two.append('photo[]', new Blob([(await make.picture(40, 30)) as BlobPart], { type: 'image/jpeg' }), 'a.jpg');
    two.append('photo[]', new Blob([(await make.picture(30, 40, 'png')) as BlobPart], { type: 'image/png' }), 'b.png');
    const second = await created(await fetch(`${server.url}/micropub`, { method: 'POST', headers: auth(), body: two, redirect: 'manual' }));
    expect([...second.body.matchAll(/media:/g)]).toHaveLength(2);
  });

  it('takes mp-slug for the address, published for the date, and post-status=draft as Only me', async () => {
    const piece = await created(
      await form([['h', 'entry'], ['name', 'Drafted'], ['content', 'x'], ['mp-slug', 'My Own Slug'], ['published', '2026-03-04T05:06:07Z'], ['post-status', 'draft']]),
    );
    expect(piece.slug).toBe('my-own-slug');
    expect(piece.date.toISOString()).toBe('2026-03-04T05:06:07.000Z');
    expect(piece.visibility).toBe('private');
  });

  it('refuses an h-card and a post the editor would refuse (a title over 200 characters), saving nothing', async () => {
    const before = server.app.db.select().from(artifacts).all().length;
    const card = await form([['h', 'card'], ['name', 'Me']]);
    expect(card.status).toBe(400);
    await card.arrayBuffer();
    const bad = await form([['h', 'entry'], ['name', 'x'.repeat(300)], ['content', 'x']]);
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: string; error_description: string };
    expect(body.error).toBe('invalid_request');
    expect(body.error_description).toContain('200 characters');
    expect(server.app.db.select().from(artifacts).all().length).toBe(before);
  });
});

describe('visibility: the school’s default, never Public by accident', () => {
  it('a school whose default is Public still gets Class members from Micropub when the student may not publish publicly', async () => {
    setPolicy(server.app, { defaultVisibility: 'public', publicRequiresConsent: true });
    try {
      const piece = await created(await form([['h', 'entry'], ['content', 'Not public by default']]));
      expect(piece.visibility).toBe('members');
      // Asking for Public explicitly is refused as the editor refuses it, and nothing is saved.
      const before = server.app.db.select().from(artifacts).all().length;
      const res = await form([['h', 'entry'], ['content', 'Please public'], ['visibility', 'public']]);
      expect(res.status).toBe(403);
      await res.arrayBuffer();
      expect(server.app.db.select().from(artifacts).all().length).toBe(before);
      // With consent recorded, the school's Public default applies.
      server.app.db.update(users).set({ publicConsentAt: new Date() }).where(eq(users.id, maya.id)).run();
      expect((await created(await form([['h', 'entry'], ['content', 'Public now']]))).visibility).toBe('public');
    } finally {
      server.app.db.update(users).set({ publicConsentAt: null }).where(eq(users.id, maya.id)).run();
      setPolicy(server.app, { defaultVisibility: 'members', publicRequiresConsent: false });
    }
  });

  it('honours visibility=private and unlisted', async () => {
    expect((await created(await form([['h', 'entry'], ['content', 'p'], ['visibility', 'private']]))).visibility).toBe('private');
    expect((await created(await form([['h', 'entry'], ['content', 'u'], ['visibility', 'unlisted']]))).visibility).toBe('unlisted');
  });
});

describe('updating (micropub.rocks 400–405)', () => {
  async function fresh(): Promise<{ piece: Artifact; url: string }> {
    const res = await postJson({ type: ['h-entry'], properties: { name: ['Original'], content: ['Original content'], category: ['test1', 'test2'] } });
    const piece = await created(res);
    return { piece, url: res.headers.get('location')! };
  }
  const update = async (body: Record<string, unknown>) => postJson({ action: 'update', ...body });

  it('400: replace a property, as a new revision', async () => {
    const { piece, url } = await fresh();
    const res = await update({ url, replace: { content: ['This is the updated text. If you can see this you passed the test!'] } });
    expect([200, 201, 204]).toContain(res.status);
    const after = server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!;
    expect(after.body).toBe('This is the updated text. If you can see this you passed the test!');
    expect(after.revision).toBe(2);
  });

  it('401 and 402: add a value to an existing property, and to a property that did not exist', async () => {
    const { piece, url } = await fresh();
    await update({ url, add: { category: ['test3'] } });
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.tags).toEqual(['test1', 'test2', 'test3']);
    const bare = await created(await postJson({ type: ['h-entry'], properties: { content: ['No tags'] } }));
    await update({ url: `${SITE}/@maya/${bare.slug}/`, add: { category: ['new'] } });
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, bare.id)).get()!.tags).toEqual(['new']);
  });

  it('403 and 404: remove a value, then the whole property', async () => {
    const { piece, url } = await fresh();
    await update({ url, delete: { category: ['test1'] } });
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.tags).toEqual(['test2']);
    await update({ url, delete: ['category'] });
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.tags).toEqual([]);
  });

  it('405: rejects an operation that is not an array, changing nothing', async () => {
    const { piece, url } = await fresh();
    const res = await update({ url, replace: { content: 'hello moon' } });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.revision).toBe(1);
  });

  it('replaced HTML content is sanitized too', async () => {
    const { piece, url } = await fresh();
    await update({ url, replace: { content: [{ html: '<p>Safe <img src=x onerror=alert(1)></p><script>x()</script>' }] } });
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.html).not.toMatch(/<script|onerror/);
  });

  it('cannot change another member’s piece: it is answered like one that does not exist, and stays as it was', async () => {
    const theirs = await makeArtifact(server.app, theo, { title: 'Theo’s essay', body: 'Mine.' });
    const res = await update({ url: `${SITE}/@theo/${theirs.slug}/`, replace: { content: ['Hacked'] } });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
    const del = await form([['action', 'delete'], ['url', `${SITE}/@theo/${theirs.slug}/`]]);
    expect(del.status).toBe(400);
    await del.arrayBuffer();
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, theirs.id)).get()).toMatchObject({ body: 'Mine.', revision: 1 });
  });
});

describe('deleting and undeleting (micropub.rocks 500–503)', () => {
  it('500 and 502: delete and undelete, form-encoded: the piece comes back at its address', async () => {
    const res = await form([['h', 'entry'], ['content', 'This post will be deleted']]);
    const piece = await created(res);
    const url = res.headers.get('location')!;
    const del = await form([['action', 'delete'], ['url', url]]);
    expect([200, 204]).toContain(del.status);
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()).toBeUndefined();
    const page = await fetch(`${server.url}/@maya/${piece.slug}/`);
    expect(page.status).toBe(404);
    await page.arrayBuffer();
    const undel = await form([['action', 'undelete'], ['url', url]]);
    expect([200, 201, 204]).toContain(undel.status);
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()).toMatchObject({ slug: piece.slug, body: 'This post will be deleted', visibility: 'members' });
  });

  it('501 and 503: delete and undelete in JSON', async () => {
    const res = await postJson({ type: ['h-entry'], properties: { content: ['JSON delete'] } });
    const piece = await created(res);
    const url = res.headers.get('location')!;
    expect((await postJson({ action: 'delete', url })).status).toBe(204);
    expect((await postJson({ action: 'undelete', url })).status).toBe(204);
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()?.body).toBe('JSON delete');
  });
});

describe('queries (micropub.rocks 600–603)', () => {
  it('600: q=config names the media endpoint and the student’s hubs', async () => {
    const res = await query('q=config');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['media-endpoint']).toBe(`${SITE}/micropub/media`);
    expect(body['syndicate-to']).toEqual([{ uid: `${SITE}/hubs/${hubSlug}/`, name: 'A course' }]);
  });

  it('601: q=syndicate-to lists the hubs; mp-syndicate-to tags a post with the hub’s hashtag; another hub is refused', async () => {
    const body = (await (await query('q=syndicate-to')).json()) as { 'syndicate-to': { uid: string }[] };
    expect(body['syndicate-to'].map((t) => t.uid)).toEqual([`${SITE}/hubs/${hubSlug}/`]);
    const piece = await created(await form([['h', 'entry'], ['content', 'For class'], ['mp-syndicate-to', `${SITE}/hubs/${hubSlug}/`]]));
    expect(piece.tags).toContain('course');
    const res = await form([['h', 'entry'], ['content', 'x'], ['mp-syndicate-to', `${SITE}/hubs/not-mine/`]]);
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });

  it('602 and 603: q=source with every property, or only those asked for', async () => {
    const res = await postJson({ type: ['h-entry'], properties: { name: ['Source'], content: ['Source text'], category: ['a', 'b'] } });
    const url = res.headers.get('location')!;
    await res.arrayBuffer();
    const all = (await (await query(`q=source&url=${encodeURIComponent(url)}`)).json()) as { type: string[]; properties: Record<string, unknown[]> };
    expect(all.type).toEqual(['h-entry']);
    expect(all.properties).toMatchObject({ name: ['Source'], content: ['Source text'], category: ['a', 'b'] });
    const some = (await (await query(`q=source&properties[]=content&properties[]=category&url=${encodeURIComponent(url)}`)).json()) as { properties: Record<string, unknown> };
    expect(some).toEqual({ properties: { content: ['Source text'], category: ['a', 'b'] } });
  });

  it('q=source of another member’s piece tells nothing', async () => {
    const theirs = await makeArtifact(server.app, theo, { title: 'Secret', body: 'Secret text', visibility: 'private' });
    const res = await query(`q=source&url=${encodeURIComponent(`${SITE}/@theo/${theirs.slug}/`)}`);
    expect(res.status).toBe(400);
    expect(await res.text()).not.toContain('Secret');
  });
});

describe('the media endpoint (micropub.rocks 700–702)', () => {
  for (const [n, format, name] of [[700, 'jpeg', 'sunset.jpg'], [701, 'png', 'micropub-rocks.png'], [702, 'gif', 'w3c-socialwg.gif']] as const) {
    it(`${n}: uploads a ${format}, 201 with its URL`, async () => {
      const body = new FormData();
      body.set('file', new Blob([(await make.picture(60, 40, format)) as BlobPart], { type: `image/${format}` }), name);
      const res = await fetch(`${server.url}/micropub/media`, { method: 'POST', headers: auth(), body });
      expect(res.status).toBe(201);
      const location = res.headers.get('location')!;
      expect(location).toMatch(new RegExp(`^${SITE}/media/[^/]+/$`));
      const id = decodeURIComponent(location.split('/').at(-2)!);
      expect(server.app.db.select().from(media).where(eq(media.id, id)).get()?.ownerId).toBe(maya.id);
      // A post may then use it by that URL.
      const piece = await created(await form([['h', 'entry'], ['content', 'Uses media'], ['photo', location]]));
      expect(piece.body).toContain(`media:${id}`);
    });
  }

  it('strips EXIF from an uploaded photo, and refuses a file that is not a picture or attachment', async () => {
    const body = new FormData();
    body.set('file', new Blob([(await make.jpegWithGps()) as BlobPart], { type: 'image/jpeg' }), 'gps.jpg');
    const res = await fetch(`${server.url}/micropub/media`, { method: 'POST', headers: auth(), body });
    const id = decodeURIComponent(res.headers.get('location')!.split('/').at(-2)!);
    const stored = fs.readFileSync(path.join(server.app.config.mediaDir, maya.id, id, 'original.jpg'));
    expect(stored.includes('GPS')).toBe(false);
    const html = new FormData();
    html.set('file', new Blob(['<html><script>alert(1)</script></html>'], { type: 'image/jpeg' }), 'evil.jpg');
    expect((await fetch(`${server.url}/micropub/media`, { method: 'POST', headers: auth(), body: html })).status).toBe(415);
  });
});

describe('authentication (micropub.rocks 800–805) and scopes', () => {
  it('800: a token in the Authorization header', async () => {
    await created(await form([['h', 'entry'], ['content', 'Testing accepting access token in HTTP Authorization header']]));
  });

  it('801 and 802: a token in the body, which is not stored in the post', async () => {
    const res = await form([['h', 'entry'], ['content', 'Token in body'], ['access_token', token]], {});
    const piece = await created(res);
    expect(JSON.stringify(piece)).not.toContain(token);
    const source = await (await query(`q=source&url=${encodeURIComponent(res.headers.get('location')!)}`)).text();
    expect(source).not.toContain(token);
    expect(source).not.toContain('access_token');
  });

  it('803: no token is 401 and creates nothing; neither does a session cookie or a cross-site form', async () => {
    const before = server.app.db.select().from(artifacts).all().length;
    const none = await form([['h', 'entry'], ['content', 'Testing unauthenticated request.']], {});
    expect(none.status).toBe(401);
    await none.arrayBuffer();
    const json = await postJson({ type: ['h-entry'], properties: { content: ['x'] } }, {});
    expect(json.status).toBe(401);
    await json.arrayBuffer();
    const cross = await form([['h', 'entry'], ['content', 'x']], { origin: 'https://attacker.example', cookie: 'potluck_session=whatever' });
    expect(cross.status).toBe(401);
    await cross.arrayBuffer();
    const bogus = await form([['h', 'entry'], ['content', 'x']], auth('ptk_not-a-real-token'));
    expect(bogus.status).toBe(401);
    await bogus.arrayBuffer();
    expect((await query('q=config', 'nope')).status).toBe(401);
    expect(server.app.db.select().from(artifacts).all().length).toBe(before);
  });

  it('804: a token without the create scope gets 403 insufficient_scope and creates nothing; each action needs its own scope', async () => {
    const before = server.app.db.select().from(artifacts).all().length;
    const readOnly = createAccessToken(server.app, { handle: 'maya', scope: 'profile' }).token;
    const res = await form([['h', 'entry'], ['content', 'Testing a request with an unauthorized access token.']], auth(readOnly));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('insufficient_scope');
    const createOnly = createAccessToken(server.app, { handle: 'maya', scope: 'create' }).token;
    const piece = await created(await form([['h', 'entry'], ['content', 'keep me']], auth(createOnly)));
    for (const action of ['update', 'delete', 'undelete']) {
      const r = await postJson({ action, url: `${SITE}/@maya/${piece.slug}/`, replace: { content: ['changed'] } }, auth(createOnly));
      expect(r.status).toBe(403);
      await r.arrayBuffer();
    }
    const up = new FormData();
    up.set('file', new Blob([(await make.picture(10, 10)) as BlobPart], { type: 'image/jpeg' }), 'a.jpg');
    expect((await fetch(`${server.url}/micropub/media`, { method: 'POST', headers: auth(readOnly), body: up })).status).toBe(403);
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()?.body).toBe('keep me');
    expect(server.app.db.select().from(artifacts).all().length).toBe(before + 1);
  });

  it('a sign-in-only (profile) token reads no piece and lists no hubs; a create-only token uploads no media', async () => {
    const readOnly = createAccessToken(server.app, { handle: 'maya', scope: 'profile' }).token;
    const draft = await created(await form([['h', 'entry'], ['content', 'a secret draft'], ['post-status', 'draft']]));
    expect(draft.visibility).toBe('private');
    for (const q of [`q=source&url=${encodeURIComponent(`${SITE}/@maya/${draft.slug}/`)}`, 'q=config', 'q=syndicate-to']) {
      const res = await query(q, readOnly);
      expect(res.status, q).toBe(403);
      expect(await res.text(), q).not.toContain('a secret draft');
    }
    const createOnly = createAccessToken(server.app, { handle: 'maya', scope: 'create' }).token;
    expect((await query('q=config', createOnly)).status).toBe(200);
    const up = new FormData();
    up.set('file', new Blob([(await make.picture(10, 10)) as BlobPart], { type: 'image/jpeg' }), 'b.jpg');
    const before = server.app.db.select().from(media).all().length;
    expect((await fetch(`${server.url}/micropub/media`, { method: 'POST', headers: auth(createOnly), body: up })).status).toBe(403);
    expect(server.app.db.select().from(media).all().length).toBe(before);
  });

  it('an update may make a piece more private, never more widely seen', async () => {
    const draft = await created(await form([['h', 'entry'], ['content', 'still a draft'], ['post-status', 'draft']]));
    for (const replace of [
      { 'post-status': ['published'], visibility: ['unlisted'] },
      { 'post-status': ['published'], visibility: ['members'] },
      { 'post-status': ['published'], visibility: ['public'] },
    ]) {
      const res = await postJson({ action: 'update', url: `${SITE}/@maya/${draft.slug}/`, replace }, auth());
      expect(res.status, JSON.stringify(replace)).toBe(403);
      await res.arrayBuffer();
      expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, draft.id)).get()?.visibility).toBe('private');
    }
    expect((await fetch(`${server.url}/@maya/${draft.slug}/`)).status).toBe(404);
    const open = await created(await form([['h', 'entry'], ['content', 'class work'], ['visibility', 'members']]));
    const closing = await postJson({ action: 'update', url: `${SITE}/@maya/${open.slug}/`, replace: { visibility: ['private'] } }, auth());
    expect(closing.status).toBe(204);
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, open.id)).get()?.visibility).toBe('private');
  });

  it('a post may bring at most ten pictures', async () => {
    const before = server.app.db.select().from(artifacts).all().length;
    const res = await form([['h', 'entry'], ['content', 'many'], ...Array.from({ length: 11 }, (_, i) => ['photo[]', `https://pictures.example/${i}.jpg`] as [string, string])]);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('at most 10 pictures');
    expect(server.app.db.select().from(artifacts).all().length).toBe(before);
  });

  it('805: a token in both the header and the body is refused', async () => {
    const res = await form([['h', 'entry'], ['content', 'Both'], ['access_token', token]]);
    expect(res.status).toBe(400);
    await res.arrayBuffer();
  });
});
