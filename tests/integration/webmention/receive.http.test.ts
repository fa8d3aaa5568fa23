// Receiving Webmentions through the real server: a "blog" on loopback serves pages that link to a student's public
// piece; an independent sender (@remy/webmention) discovers Potluck's endpoint from the piece's page and sends; the
// worker verifies asynchronously. Covered: 202 and the status address, each mention type with its author, update,
// deletion (410, link removed), moderation (nothing shows before approval; approve shows an h-cite read back by
// microformats-parser; reject; block a domain), a teacher's approval when the school asks, the notification.
// Attacks: a source that does not link, a private-address source without the allow setting (never fetched), targets
// that are private / class-only / unlisted / not on this site (400, nothing stored), a flood (429), remote
// pictures and script in the source never reaching the page.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import net from 'node:net';
import { createRequire } from 'node:module';
import { and, count, eq } from 'drizzle-orm';
import { mf2 } from 'microformats-parser';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { notifications, webmentionBlocks, webmentions, type Artifact, type User } from '../../../src/server/db/schema.ts';
import { getPolicy, setPolicy } from '../../../src/server/policy.ts';
import { mentionPhotosDir } from '../../../src/server/hubs/thumbnails.ts';
import { sweepMentionPhotos } from '../../../src/server/webmention/receive/verifier.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

const require = createRequire(import.meta.url);
const Webmention = require('@remy/webmention') as new (options: { limit?: number; send?: boolean }) => NodeJS.EventEmitter & { fetch(url: string): void };

interface Page {
  status?: number;
  type?: string;
  body: string | Buffer;
}

/** A blog on one loopback address: pages by path, and every path asked for. */
interface Blog {
  origin: string;
  pages: Map<string, Page>;
  hits: string[];
  close(): Promise<void>;
}

async function startBlog(address: string): Promise<Blog> {
  const pages = new Map<string, Page>();
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const page = pages.get(req.url ?? '');
    if (!page) {
      res.writeHead(404).end('not here');
      return;
    }
    res.writeHead(page.status ?? 200, { 'content-type': page.type ?? 'text/html; charset=utf-8' }).end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { origin: `http://${address}:${port}`, pages, hits, close: () => new Promise((r) => server.close(() => r())) };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

let server: TestServer;
let site: string;
let maya: User;
let teacher: User;
let otherTeacher: User;
let poem: Artifact;
let classOnly: Artifact;
let secret: Artifact;
let unlisted: Artifact;
const blogs: Blog[] = [];
let nextBlog = 2;

/** A blog on a loopback address of its own, so each test's source host has its own rate limits. */
async function blog(): Promise<Blog> {
  const b = await startBlog(`127.0.0.${nextBlog++}`);
  blogs.push(b);
  return b;
}

const pieceUrl = (a: Artifact) => `${site}/@${maya.handle}/${a.slug}/`;

async function post(fields: Record<string, string>, base = site, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/webmention`, { method: 'POST', body: new URLSearchParams(fields), headers, redirect: 'manual' });
}

/** Polls a status address until the mention is no longer queued. */
async function settled(location: string): Promise<{ status: string; reason: string | null; message: string }> {
  for (let i = 0; i < 100; i += 1) {
    const body = (await (await fetch(location)).json()) as { status: string; reason: string | null; message: string };
    if (body.status !== 'queued') return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`still queued: ${location}`);
}

async function send(source: string, target: string): Promise<{ status: string; reason: string | null; message: string; id: string }> {
  const response = await post({ source, target });
  expect(response.status).toBe(202);
  const location = response.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^${site}/webmention/status/`));
  const result = await settled(location);
  return { ...result, id: decodeURIComponent(location.split('/').pop()!) };
}

function mentionRow(id: string) {
  return server.app.db.select().from(webmentions).where(eq(webmentions.id, id)).get();
}

async function approveAs(user: User, id: string, decision = 'approve'): Promise<Response> {
  return signedIn(server.url, server.app, user).postForm('/workspace/mentions', { mention: id, decision });
}

/** The piece's public page as the public gets it (from the page cache when it is fresh); `render` skips the cache. */
async function publicPage(a: Artifact = poem, options: { render?: boolean } = {}): Promise<string> {
  const response = await fetch(pieceUrl(a) + (options.render ? `?render=${Math.random()}` : ''));
  expect(response.status).toBe(200);
  return response.text();
}

/** The piece's h-entry on its public page, read by microformats-parser. */
async function pieceEntry(): Promise<Record<string, unknown[]>> {
  const html = await publicPage();
  const doc = mf2(html, { baseUrl: pieceUrl(poem) });
  const entry = doc.items.find((i) => i.type?.includes('h-entry'))!;
  return entry.properties as Record<string, unknown[]>;
}

function entryPage(props: { self: string; body: string; author?: string }): string {
  return `<!doctype html><html><head><title>A post</title></head><body>
<article class="h-entry">
  <a class="u-url" href="${props.self}">permalink</a>
  <time class="dt-published" datetime="2026-11-20T10:00:00Z">20 Nov</time>
  ${props.author ?? '<a class="p-author h-card" href="https://ana.example/">Ana Reader</a>'}
  ${props.body}
</article></body></html>`;
}

beforeAll(async () => {
  const port = await freePort();
  // The site's own name is localhost; blogs are on other loopback addresses, so the sender does not take the
  // student's piece for one of its own pages.
  site = `http://localhost:${port}`;
  server = await startServer({ env: { PORT: String(port), POTLUCK_SITE_URL: site, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' } });
  maya = await makeUser(server.app, { handle: 'maya', name: 'Maya Student' });
  teacher = await makeUser(server.app, { handle: 'ms-lee', role: 'teacher', name: 'Ms Lee' });
  otherTeacher = await makeUser(server.app, { handle: 'mr-other', role: 'teacher', name: 'Mr Other' });
  const other = await makeUser(server.app, { handle: 'olly' });
  makeHub(server.app, { teacher, students: [maya] });
  makeHub(server.app, { teacher: otherTeacher, students: [other] });
  poem = await makeArtifact(server.app, maya, { title: 'A poem about rain', visibility: 'public', body: 'Rain on the roof.' });
  classOnly = await makeArtifact(server.app, maya, { title: 'Class notes', visibility: 'members' });
  secret = await makeArtifact(server.app, maya, { title: 'Diary', visibility: 'private' });
  unlisted = await makeArtifact(server.app, maya, { title: 'Draft for a friend', visibility: 'unlisted' });
});

afterAll(async () => {
  await Promise.all(blogs.map((b) => b.close()));
  await server?.stop();
});

describe('discovery', () => {
  it('advertises the endpoint, absolute, in a Link header and a <link> on a public piece and the portfolio', async () => {
    for (const path of [`/@maya/${poem.slug}/`, '/@maya/']) {
      const response = await fetch(site + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('link')).toContain(`<${site}/webmention>; rel="webmention"`);
      expect(await response.text()).toContain(`<link rel="webmention" href="${site}/webmention">`);
    }
  });

  it('does not advertise it on class-only work, unlisted work or the workspace', async () => {
    const owner = signedIn(server.url, server.app, maya);
    for (const path of [`/@maya/${classOnly.slug}/`, `/@maya/${unlisted.slug}/`, '/workspace/mentions']) {
      const response = await owner.get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('link') ?? '').not.toContain('webmention');
      expect(await response.text()).not.toContain('rel="webmention"');
    }
  });
});

describe('a reply sent by an independent sender', () => {
  let replyBlog: Blog;
  let id: string;

  it('is discovered and sent with @remy/webmention, answered 202, verified, and the student is told', async () => {
    replyBlog = await blog();
    const self = `${replyBlog.origin}/reply`;
    const face = await sharp({ create: { width: 900, height: 900, channels: 3, background: '#c33' } }).jpeg().toBuffer();
    replyBlog.pages.set('/face.jpg', { type: 'image/jpeg', body: face });
    replyBlog.pages.set(
      '/reply',
      {
        body: entryPage({
          self,
          author: `<div class="p-author h-card"><img class="u-photo" src="${replyBlog.origin}/face.jpg" alt=""><a class="p-name u-url" href="https://ana.example/">Ana Reader</a></div>`,
          body: `<a class="u-in-reply-to" href="${pieceUrl(poem)}">In reply to Maya</a>
  <div class="e-content">What a lovely <strong>poem</strong> about <a href="${pieceUrl(poem)}">rain</a>.
    <script>alert('x')</script><img src="${replyBlog.origin}/picture.png" alt="a cloud" onerror="alert(1)"></div>`,
        }),
      },
    );
    const sent: { status: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      const wm = new Webmention({ limit: 5, send: true });
      wm.on('sent', (r: { status: number }) => sent.push(r));
      wm.on('end', () => resolve());
      wm.on('error', (e: unknown) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))));
      wm.fetch(self);
    });
    expect(sent.map((s) => s.status)).toEqual([202]);
    // The worker fetches the source in the background.
    let row;
    for (let i = 0; i < 100 && row?.status !== 'verified'; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      row = server.app.db.select().from(webmentions).where(eq(webmentions.source, self)).get();
    }
    expect(row).toMatchObject({ status: 'verified', kind: 'reply', authorName: 'Ana Reader', authorUrl: 'https://ana.example/', decision: 'pending' });
    expect(row!.published?.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    id = row!.id;
    const told = server.app.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, maya.id), eq(notifications.kind, 'mention.new')))
      .all();
    expect(told).toHaveLength(1);
    expect(told[0]!.url).toBe('/workspace/mentions');
  });

  it('shows nothing under the piece before the student approves it', async () => {
    for (const html of [await publicPage(), await publicPage(poem, { render: true })]) {
      expect(html).not.toContain('Ana Reader');
      expect(html).not.toContain('h-cite');
    }
    const list = await (await signedIn(server.url, server.app, maya).get('/workspace/mentions')).text();
    expect(list).toContain('Ana Reader');
    expect(list).toContain('Approve');
    // The workspace says one waits.
    expect(await (await signedIn(server.url, server.app, maya).get('/workspace')).text()).toContain('Mentions from other sites (1 waiting)');
    // Nor the author's picture.
    expect((await fetch(`${site}/webmention/photos/${id}`)).status).toBe(404);
  });

  it('after approval shows an h-cite that microformats-parser reads back, without script or remote pictures', async () => {
    expect((await approveAs(maya, id)).status).toBe(303);
    expect(await (await signedIn(server.url, server.app, maya).get('/workspace')).text()).not.toContain('waiting)');
    const props = await pieceEntry();
    const comment = props.comment?.[0] as { type: string[]; properties: Record<string, unknown[]> };
    expect(comment.type).toEqual(['h-cite']);
    const author = comment.properties.author?.[0] as { properties: Record<string, unknown[]> };
    expect(author.properties.name).toEqual(['Ana Reader']);
    expect(author.properties.url).toEqual(['https://ana.example/']);
    expect(comment.properties.url).toContain(`${replyBlog.origin}/reply`);
    expect((comment.properties.content?.[0] as { value: string }).value).toContain('What a lovely poem about rain');
    const html = await publicPage();
    expect(html).not.toContain('alert');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('face.jpg');
    expect(html).not.toContain('picture.png');
    expect(html).toContain('[a cloud]');
    // The author's picture is Potluck's own shrunk copy; the picture in the text was never even fetched.
    expect(author.properties.photo).toEqual([`${site}/webmention/photos/${id}`]);
    const photo = await fetch(`${site}/webmention/photos/${id}`);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await photo.arrayBuffer())).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBeLessThanOrEqual(480);
    expect(replyBlog.hits.filter((h) => h.endsWith('.png'))).toEqual([]);
  });

  it('a later mention from the same source updates it, and the changed text waits for approval again', async () => {
    const page = replyBlog.pages.get('/reply')!;
    replyBlog.pages.set('/reply', { body: String(page.body).replace('What a lovely', 'Edited: a lovely') });
    const result = await send(`${replyBlog.origin}/reply`, pieceUrl(poem));
    expect(result).toMatchObject({ status: 'verified', id });
    expect(server.app.db.select({ n: count() }).from(webmentions).where(eq(webmentions.source, `${replyBlog.origin}/reply`)).get()!.n).toBe(1);
    expect(mentionRow(id)).toMatchObject({ decision: 'pending' });
    expect(mentionRow(id)!.contentHtml).toContain('Edited: a lovely');
    expect(await publicPage()).not.toContain('Edited: a lovely');
    expect(await publicPage(poem, { render: true })).not.toContain('Edited: a lovely');
    await approveAs(maya, id);
    expect(await publicPage()).toContain('Edited: a lovely');
  });

  it('a source that answers 410 deletes it, and its author’s picture goes at the next sweep', async () => {
    const photo = mentionRow(id)!.authorPhoto!;
    const photoFile = path.join(mentionPhotosDir(server.app.config), photo);
    expect(fs.existsSync(photoFile)).toBe(true);
    replyBlog.pages.set('/reply', { status: 410, body: 'gone' });
    const result = await send(`${replyBlog.origin}/reply`, pieceUrl(poem));
    expect(result.status).toBe('deleted');
    expect(result.message).toContain('410');
    expect(mentionRow(id)).toMatchObject({ status: 'deleted', contentHtml: null, authorName: null, authorPhoto: null });
    expect(await publicPage()).not.toContain('Ana Reader');
    expect((await fetch(`${site}/webmention/photos/${id}`)).status).toBe(404);
    // A fresh file is kept (a verification may be about to record it); an hour later it goes.
    expect(sweepMentionPhotos(server.app)).toBe(0);
    expect(sweepMentionPhotos({ ...server.app, now: () => new Date(Date.now() + 60 * 60_000) })).toBe(1);
    expect(fs.existsSync(photoFile)).toBe(false);
  });
});

describe('a source Potluck cannot make sense of', () => {
  it('holds up nothing: a page with a broken <base> is still read, and the next mention is verified too', async () => {
    const b = await blog();
    b.pages.set('/broken-base', { body: `<!doctype html><html><head><base href="http://["></head><body><a href="${pieceUrl(poem)}">the poem</a></body></html>` });
    b.pages.set('/after', { body: entryPage({ self: `${b.origin}/after`, body: `<a class="u-like-of" href="${pieceUrl(poem)}">Liked</a>`, author: '<a class="p-author h-card" href="https://after.example/">After</a>' }) });
    const first = await send(`${b.origin}/broken-base`, pieceUrl(poem));
    expect(first.status).toBe('verified');
    const second = await send(`${b.origin}/after`, pieceUrl(poem));
    expect(second.status).toBe('verified');
  });
});

describe('each kind of mention', () => {
  it('reads like, repost, bookmark and mention with their authors, and shows likes as a list of names', async () => {
    const b = await blog();
    const kinds = {
      like: `<a class="u-like-of" href="${pieceUrl(poem)}">Liked</a>`,
      repost: `<a class="u-repost-of" href="${pieceUrl(poem)}">Reposted</a>`,
      bookmark: `<a class="u-bookmark-of" href="${pieceUrl(poem)}">Bookmarked</a>`,
      mention: `<div class="e-content">I read <a href="${pieceUrl(poem)}">Maya's poem</a> today.</div>`,
    };
    const ids: Record<string, string> = {};
    for (const [kind, body] of Object.entries(kinds)) {
      const self = `${b.origin}/${kind}`;
      b.pages.set(`/${kind}`, { body: entryPage({ self, body, author: `<a class="p-author h-card" href="https://${kind}.example/">${kind} person</a>` }) });
      const result = await send(self, pieceUrl(poem));
      expect(result.status).toBe('verified');
      expect(mentionRow(result.id)).toMatchObject({ kind, authorName: `${kind} person`, authorUrl: `https://${kind}.example/` });
      ids[kind] = result.id;
    }
    for (const id of Object.values(ids)) await approveAs(maya, id);
    const html = await publicPage();
    expect(html).toMatch(/Liked by:/);
    const props = await pieceEntry();
    for (const prop of ['like', 'repost', 'bookmark']) {
      const cite = props[prop]?.[0] as { type: string[]; properties: Record<string, unknown[]> };
      expect(cite.type).toEqual(['h-cite']);
      expect((cite.properties.author?.[0] as { properties: Record<string, unknown[]> }).properties.name).toEqual([`${prop} person`]);
    }
    const comments = (props.comment ?? []) as { properties: Record<string, unknown[]> }[];
    expect(comments.some((c) => (c.properties.content?.[0] as { value: string } | undefined)?.value.includes("Maya's poem"))).toBe(true);
  });

  it('a plain text source needs the exact URL, and is a mention', async () => {
    const b = await blog();
    b.pages.set('/notes.txt', { type: 'text/plain', body: `Read this: ${pieceUrl(poem)}\n` });
    const result = await send(`${b.origin}/notes.txt`, pieceUrl(poem));
    expect(result.status).toBe('verified');
    expect(mentionRow(result.id)!.kind).toBe('mention');
  });
});

describe('moderation', () => {
  it('a rejected mention does not show', async () => {
    const b = await blog();
    b.pages.set('/r', { body: entryPage({ self: `${b.origin}/r`, author: '<a class="p-author h-card" href="https://rude.example/">Rude Person</a>', body: `<div class="e-content">Meh <a href="${pieceUrl(poem)}">this</a></div>` }) });
    const result = await send(`${b.origin}/r`, pieceUrl(poem));
    expect((await approveAs(maya, result.id, 'reject')).status).toBe(303);
    expect(mentionRow(result.id)!.decision).toBe('rejected');
    expect(await publicPage()).not.toContain('Rude Person');
  });

  it('someone else cannot approve a student’s mention (404, nothing changes)', async () => {
    const b = await blog();
    b.pages.set('/x', { body: entryPage({ self: `${b.origin}/x`, author: '<a class="p-author h-card" href="https://x.example/">Sneaky</a>', body: `<a href="${pieceUrl(poem)}">x</a>` }) });
    const result = await send(`${b.origin}/x`, pieceUrl(poem));
    const olly = await makeUser(server.app, { handle: `olly${Date.now()}` });
    expect((await approveAs(olly, result.id)).status).toBe(404);
    expect((await approveAs(teacher, result.id)).status).toBe(404);
    expect(mentionRow(result.id)!.decision).toBe('pending');
  });

  it('blocking a domain removes its mentions and refuses new ones with 403', async () => {
    const b = await blog();
    const host = new URL(b.origin).hostname;
    b.pages.set('/spam', { body: entryPage({ self: `${b.origin}/spam`, body: `<a href="${pieceUrl(poem)}">spam</a>` }) });
    const result = await send(`${b.origin}/spam`, pieceUrl(poem));
    const response = await signedIn(server.url, server.app, maya).postForm('/workspace/mentions', { mention: result.id, intent: 'block' });
    expect(response.status).toBe(303);
    expect(mentionRow(result.id)).toBeUndefined();
    expect(server.app.db.select().from(webmentionBlocks).where(eq(webmentionBlocks.ownerId, maya.id)).all().map((r) => r.domain)).toContain(host);
    const again = await post({ source: `${b.origin}/spam`, target: pieceUrl(poem) });
    expect(again.status).toBe(403);
    expect(await again.text()).toContain(host);
    expect(server.app.db.select().from(webmentions).where(eq(webmentions.sourceHost, host)).all()).toEqual([]);
  });

  it('when the school asks, a teacher of the student approves too, and only such a teacher may', async () => {
    setPolicy(server.app, { mentionsNeedTeacher: true });
    try {
      const b = await blog();
      b.pages.set('/t', { body: entryPage({ self: `${b.origin}/t`, author: '<a class="p-author h-card" href="https://kind.example/">Kind Reader</a>', body: `<div class="e-content">Nice <a href="${pieceUrl(poem)}">poem</a></div>` }) });
      const result = await send(`${b.origin}/t`, pieceUrl(poem));
      await approveAs(maya, result.id);
      expect(await publicPage()).not.toContain('Kind Reader');
      expect(await publicPage(poem, { render: true })).not.toContain('Kind Reader');
      const list = await (await signedIn(server.url, server.app, teacher).get('/workspace/mentions')).text();
      expect(list).toContain('Kind Reader');
      expect(await (await signedIn(server.url, server.app, otherTeacher).get('/workspace/mentions')).text()).not.toContain('Kind Reader');
      expect((await approveAs(otherTeacher, result.id, 'teacher-approve')).status).toBe(404);
      expect(await publicPage()).not.toContain('Kind Reader');
      expect((await approveAs(teacher, result.id, 'teacher-approve')).status).toBe(303);
      expect(await publicPage()).toContain('Kind Reader');
    } finally {
      setPolicy(server.app, { mentionsNeedTeacher: false });
    }
  });

  it('the admin policy page has the one checkbox that asks for a teacher’s approval', async () => {
    const admin = await makeUser(server.app, { handle: `admin${Date.now()}`, role: 'admin' });
    const browser = signedIn(server.url, server.app, admin);
    expect(await (await browser.get('/admin/policy')).text()).toContain('name="mentionsNeedTeacher"');
    expect((await browser.postForm('/admin/policy', { defaultVisibility: 'members', mentionsNeedTeacher: 'on', digestOnlyUnderAge: '18' })).status).toBe(303);
    expect(getPolicy(server.app).mentionsNeedTeacher).toBe(true);
    expect((await browser.postForm('/admin/policy', { defaultVisibility: 'members', digestOnlyUnderAge: '18' })).status).toBe(303);
    expect(getPolicy(server.app).mentionsNeedTeacher).toBe(false);
  });

  it('a mention stops showing when its piece stops being public', async () => {
    const b = await blog();
    b.pages.set('/v', { body: entryPage({ self: `${b.origin}/v`, author: '<a class="p-author h-card" href="https://v.example/">Visible Reader</a>', body: `<div class="e-content">Hi <a href="${pieceUrl(poem)}">poem</a></div>` }) });
    const result = await send(`${b.origin}/v`, pieceUrl(poem));
    await approveAs(maya, result.id);
    expect(await publicPage()).toContain('Visible Reader');
    await saveArtifact(server.app, { ownerId: maya.id, artifactId: poem.id, input: { title: poem.title, kind: 'post', visibility: 'members', body: poem.body } });
    try {
      const asOwner = await (await signedIn(server.url, server.app, maya).get(`/@maya/${poem.slug}/`)).text();
      expect(asOwner).toContain('A poem about rain');
      expect(asOwner).not.toContain('Visible Reader');
      // And nothing new is accepted for it.
      expect((await post({ source: `${b.origin}/v`, target: pieceUrl(poem) })).status).toBe(400);
    } finally {
      await saveArtifact(server.app, { ownerId: maya.id, artifactId: poem.id, input: { title: poem.title, kind: 'post', visibility: 'public', body: poem.body } });
    }
    expect(await publicPage()).toContain('Visible Reader');
  });
});

describe('attacks', () => {
  it('a source that does not link to the target is rejected and never shown', async () => {
    const b = await blog();
    b.pages.set('/nolink', { body: entryPage({ self: `${b.origin}/nolink`, author: '<a class="p-author h-card" href="https://liar.example/">Liar</a>', body: `<p>I mention ${pieceUrl(poem)} only in text.</p>` }) });
    const result = await send(`${b.origin}/nolink`, pieceUrl(poem));
    expect(result.status).toBe('rejected');
    expect(result.message).toContain('does not link');
    expect(await (await signedIn(server.url, server.app, maya).get('/workspace/mentions')).text()).not.toContain('Liar');
  });

  it('targets that are private, class-only, unlisted, missing or on another site get 400 and nothing is stored', async () => {
    const b = await blog();
    const before = server.app.db.select({ n: count() }).from(webmentions).get()!.n;
    const source = `${b.origin}/any`;
    b.pages.set('/any', { body: `<a href="${pieceUrl(secret)}">x</a>` });
    for (const target of [pieceUrl(secret), pieceUrl(classOnly), pieceUrl(unlisted), `${site}/@maya/no-such-piece/`, `https://elsewhere.example/@maya/${poem.slug}/`, `${site}/@maya/`]) {
      const response = await post({ source, target });
      expect(response.status, target).toBe(400);
      expect(await response.text()).toContain('not a public piece');
    }
    for (const fields of [{ source: 'ftp://x.example/', target: pieceUrl(poem) }, { source, target: 'javascript:alert(1)' }, { target: pieceUrl(poem) }, { source: pieceUrl(poem), target: pieceUrl(poem) }]) {
      expect((await post(fields as Record<string, string>)).status).toBe(400);
    }
    expect(server.app.db.select({ n: count() }).from(webmentions).get()!.n).toBe(before);
    expect(b.hits).toEqual([]);
  });

  it('a flood from one host gets 429 with Retry-After after 10 a minute', async () => {
    const b = await blog();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i += 1) {
      const response = await post({ source: `${b.origin}/flood/${i}`, target: pieceUrl(poem) });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses).toEqual([...Array(10).fill(202), 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  });

  it('a cross-site form may send one (the endpoint reads no cookie)', async () => {
    const b = await blog();
    b.pages.set('/form', { body: `<a href="${pieceUrl(poem)}">x</a>` });
    const response = await post({ source: `${b.origin}/form`, target: pieceUrl(poem) }, site, { origin: 'https://other-blog.example' });
    expect(response.status).toBe(202);
  });
});

describe('a Potluck that may not fetch private addresses', () => {
  let strict: TestServer;
  let strictSite: string;
  afterAll(async () => strict?.stop());

  it('rejects a source on a private address without ever fetching it', async () => {
    const port = await freePort();
    strictSite = `http://localhost:${port}`;
    strict = await startServer({ env: { PORT: String(port), POTLUCK_SITE_URL: strictSite } });
    const student = await makeUser(strict.app, { handle: 'maya' });
    const piece = await makeArtifact(strict.app, student, { title: 'Public piece', visibility: 'public' });
    const b = await blog();
    b.pages.set('/inside', { body: `<a href="${strictSite}/@maya/${piece.slug}/">x</a>` });
    const response = await post({ source: `${b.origin}/inside`, target: `${strictSite}/@maya/${piece.slug}/` }, strictSite);
    expect(response.status).toBe(202);
    const result = await settled(response.headers.get('location')!);
    expect(result.status).toBe('rejected');
    expect(result.message).toMatch(/cannot be fetched/);
    expect(b.hits).toEqual([]);
  });
});
