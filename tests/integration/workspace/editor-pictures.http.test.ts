/**
 * Pictures where the words are, over HTTP against a real server and SQLite file: a picture's description in Media is
 * the alt text of every `![](media:ID)` that shows it (and a new description reaches the public page, with a new
 * ETag and no new revision); words written in the snippet stay; another student's picture cannot be used or
 * described; and the editor's upload without JavaScript keeps every field, adds the snippet, and saves nothing.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, media, revisions, users, type Artifact, type Media, type User } from '../../../src/server/db/schema.ts';
import { picture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
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

function decode(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The alt text of every <img> of one picture in a page. */
function altsOf(html: string, mediaId: string): string[] {
  return [...html.matchAll(/<img\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => tag.includes(`src="/media/${mediaId}/"`))
    .map((tag) => decode(/\salt="([^"]*)"/.exec(tag)?.[1] ?? '(no alt)'));
}

/** The value of the input with this id, as the page fills it. */
function inputValue(html: string, id: string): string | undefined {
  const tag = [...html.matchAll(/<input\b[^>]*>/g)].map((m) => m[0]).find((t) => t.includes(`id="${id}"`));
  if (!tag) return undefined;
  return decode(/\svalue="([^"]*)"/.exec(tag)?.[1] ?? '');
}

/** The text of the textarea with this id. */
function textareaValue(html: string, id: string): string | undefined {
  const match = new RegExp(`<textarea\\b[^>]*id="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
  return match ? decode(match[1]) : undefined;
}

async function uploadPicture(browser: Browser, alt: string, name = 'harbour.jpg'): Promise<Media> {
  const form = new FormData();
  form.append('file', new Blob([(await picture(900, 600, 'jpeg')) as BlobPart], { type: 'image/jpeg' }), name);
  form.append('alt', alt);
  const response = await browser.postMultipart('/api/media', form);
  expect(response.status, await response.clone().text()).toBe(201);
  const { id } = (await response.json()) as { id: string };
  return server.app.db.select().from(media).where(eq(media.id, id)).get()!;
}

function describeInMedia(browser: Browser, mediaId: string, alt: string) {
  return browser.postForm('/workspace/media', { intent: 'alt', mediaId, alt });
}

function revisionCount(artifactId: string): number {
  return server.app.db.select({ n: count() }).from(revisions).where(eq(revisions.artifactId, artifactId)).get()!.n;
}

function stored(artifactId: string): Artifact {
  return server.app.db.select().from(artifacts).where(eq(artifacts.id, artifactId)).get()!;
}

function artifactCount(owner: User): number {
  return server.app.db.select({ n: count() }).from(artifacts).where(eq(artifacts.ownerId, owner.id)).get()!.n;
}

describe('alt text that follows the picture', () => {
  it('shows the description from Media, and a new description reaches the public page without a new revision', async () => {
    const pic = await uploadPicture(adaBrowser, 'Fishing boats in the harbour');
    const piece = await makeArtifact(server.app, ada, {
      title: 'Harbour morning',
      visibility: 'public',
      body: `We walked to the harbour.\n\n![](media:${pic.id})\n\nThe boats were back.`,
    });
    const address = `/@ada/${piece.slug}/`;
    const first = await anonymous.get(address);
    expect(first.status).toBe(200);
    expect(altsOf(await first.text(), pic.id)).toEqual(['Fishing boats in the harbour']);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const before = stored(piece.id);

    const described = await describeInMedia(adaBrowser, pic.id, 'Three red fishing boats tied up at the harbour wall');
    expect(described.status).toBe(303);

    const again = await anonymous.get(address, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(200);
    expect(again.headers.get('etag')).not.toBe(etag);
    expect(altsOf(await again.text(), pic.id)).toEqual(['Three red fishing boats tied up at the harbour wall']);

    // The student's text did not change: no new revision, the same body, the same "updated" date.
    const after = stored(piece.id);
    expect(revisionCount(piece.id)).toBe(1);
    expect(after.revision).toBe(before.revision);
    expect(after.body).toBe(before.body);
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
    expect(after.html).toContain('alt="Three red fishing boats tied up at the harbour wall"');
  });

  it('keeps alt text written in the snippet when the description changes', async () => {
    const pic = await uploadPicture(adaBrowser, 'A lighthouse');
    const piece = await makeArtifact(server.app, ada, {
      title: 'Lighthouse',
      visibility: 'public',
      body: `![The lighthouse my grandfather kept](media:${pic.id})\n\nAnd again:\n\n![](media:${pic.id})`,
    });
    expect((await describeInMedia(adaBrowser, pic.id, 'A white lighthouse on a rock')).status).toBe(303);
    const page = await (await anonymous.get(`/@ada/${piece.slug}/`)).text();
    expect(altsOf(page, pic.id)).toEqual(['The lighthouse my grandfather kept', 'A white lighthouse on a rock']);
    expect(revisionCount(piece.id)).toBe(1);
  });

  it('re-renders private work that uses the picture too, and never another student’s', async () => {
    const pic = await uploadPicture(adaBrowser, 'Old words');
    const secret = await makeArtifact(server.app, ada, { title: 'Notes', visibility: 'private', body: `![](media:${pic.id})` });
    const bensPiece = await makeArtifact(server.app, ben, { title: 'Ben’s', visibility: 'public', body: 'No pictures here.' });
    const bensVersion = server.app.db.select({ v: users.contentVersion }).from(users).where(eq(users.id, ben.id)).get()!.v;
    expect((await describeInMedia(adaBrowser, pic.id, 'New words')).status).toBe(303);
    expect(altsOf(stored(secret.id).html, pic.id)).toEqual(['New words']);
    expect(stored(bensPiece.id).html).toBe(bensPiece.html);
    expect(server.app.db.select({ v: users.contentVersion }).from(users).where(eq(users.id, ben.id)).get()!.v).toBe(bensVersion);
  });

  it('refuses another student’s picture in a piece and their description form, and changes nothing', async () => {
    const pic = await uploadPicture(adaBrowser, 'Ada’s own picture');
    const piece = await makeArtifact(server.app, ada, { title: 'Mine', visibility: 'public', body: `![](media:${pic.id})` });
    const bensPieces = artifactCount(ben);

    const save = await benBrowser.postForm('/workspace/artifacts/new', {
      intent: 'save',
      title: 'Borrowed',
      kind: 'post',
      visibility: 'public',
      format: 'markdown',
      body: `![](media:${pic.id})`,
    });
    expect(save.status).toBe(400);
    const page = await save.text();
    expect(decode(page)).toContain(`media:${pic.id} is not one of your uploads`);
    expect(textareaValue(page, 'f-body')).toBe(`![](media:${pic.id})`);
    expect(artifactCount(ben)).toBe(bensPieces);

    const describe = await describeInMedia(benBrowser, pic.id, 'Ben was here');
    expect(describe.status).toBe(404);
    expect(server.app.db.select().from(media).where(eq(media.id, pic.id)).get()!.alt).toBe('Ada’s own picture');
    expect(altsOf(await (await anonymous.get(`/@ada/${piece.slug}/`)).text(), pic.id)).toEqual(['Ada’s own picture']);
  });
});

describe('the editor’s picture upload without JavaScript', () => {
  const typed = {
    title: 'My trip to the coast',
    summary: 'Two days by the sea.',
    kind: 'post',
    visibility: 'private',
    format: 'markdown',
    tags: 'travel, eng10',
    date: '2026-03-14',
    body: 'Day one: we saw the harbour.',
  };

  function editorForm(file: { bytes: Uint8Array; name: string; type: string }, alt: string): FormData {
    const form = new FormData();
    for (const [name, value] of Object.entries(typed)) form.append(name, value);
    form.append('alt', alt);
    form.append('file', new Blob([file.bytes as BlobPart], { type: file.type }), file.name);
    form.append('camera', new Blob([]), '');
    form.append('intent', 'upload');
    return form;
  }

  it('uploads the picture, keeps every field, adds the snippet to the text and saves nothing', async () => {
    const pieces = artifactCount(ada);
    const response = await adaBrowser.postMultipart(
      '/workspace/artifacts/new',
      editorForm({ bytes: await picture(800, 600, 'png'), name: 'harbour.png', type: 'image/png' }, 'The harbour at low tide'),
    );
    expect(response.status).toBe(200);
    const page = await response.text();

    const row = server.app.db.select().from(media).where(eq(media.ownerId, ada.id)).all().find((m) => m.alt === 'The harbour at low tide');
    expect(row, 'the picture is stored with its description').toBeDefined();
    const snippet = `![](media:${row!.id})`;
    expect(inputValue(page, 'ep-snippet')).toBe(snippet);
    expect(textareaValue(page, 'f-body')?.trim()).toBe(`${typed.body}\n\n${snippet}`);
    for (const field of ['title', 'summary', 'tags', 'date'] as const) expect(inputValue(page, `f-${field}`), field).toBe(typed[field]);
    expect(page).toMatch(/<input[^>]*value="private"[^>]*checked|<input[^>]*checked[^>]*value="private"/);
    // The description field is empty again, ready for the next picture.
    expect(inputValue(page, 'f-alt')).toBe('');
    expect(artifactCount(ada)).toBe(pieces);
  });

  it('refuses a file that is not a picture with a clear message, keeps the fields and stores nothing', async () => {
    const pieces = artifactCount(ada);
    const uploads = server.app.db.select({ n: count() }).from(media).get()!.n;
    const response = await adaBrowser.postMultipart(
      '/workspace/artifacts/new',
      editorForm({ bytes: new TextEncoder().encode('these are my notes, not a picture'), name: 'notes.png', type: 'image/png' }, 'Notes'),
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const page = decode(await response.text());
    expect(page).toContain('This file is not a picture Potluck can read');
    expect(textareaValue(page, 'f-body')).toBe(typed.body);
    expect(inputValue(page, 'f-title')).toBe(typed.title);
    // What the student typed as the description is kept for the next try.
    expect(inputValue(page, 'f-alt')).toBe('Notes');
    expect(inputValue(page, 'ep-snippet')).toBeUndefined();
    expect(server.app.db.select({ n: count() }).from(media).get()!.n).toBe(uploads);
    expect(artifactCount(ada)).toBe(pieces);
  });

  it('asks for a file when none was chosen, keeping the text', async () => {
    const form = new FormData();
    for (const [name, value] of Object.entries(typed)) form.append(name, value);
    form.append('file', new Blob([]), '');
    form.append('intent', 'upload');
    const response = await adaBrowser.postMultipart('/workspace/artifacts/new', form);
    expect(response.status).toBe(400);
    const page = decode(await response.text());
    expect(page).toContain('Choose a picture to add');
    expect(textareaValue(page, 'f-body')).toBe(typed.body);
  });

  it('needs a signed-in student', async () => {
    const response = await anonymous.postMultipart(
      '/workspace/artifacts/new',
      editorForm({ bytes: await picture(40, 40, 'png'), name: 'x.png', type: 'image/png' }, 'x'),
    );
    // Sent to sign in (or told to), never a page that took the file.
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.status).toBeLessThan(500);
    expect(server.app.db.select().from(media).all().some((m) => m.alt === 'x')).toBe(false);
  });
});
