/**
 * What caches and validators may reveal: a picture of public work is kept at most 5 minutes without a check, and
 * answers 404 once its piece goes private; a private save leaves the public pages' and feeds' validators alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { deleteArtifact } from '../../../src/commands/artifactDeleter.ts';
import { updateMediaAlt, uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { deleteShowcase, saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import type { User } from '../../../src/server/db/schema.ts';
import { picture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let maya: User;
beforeAll(async () => {
  server = await startServer();
  maya = await makeUser(server.app, { handle: 'maya' });
});
afterAll(() => server?.stop());

const save = (piece: { id: string; title: string }, visibility: 'private' | 'public' | 'members' | 'unlisted', body: string) =>
  saveArtifact(server.app, { ownerId: maya.id, artifactId: piece.id, input: { title: piece.title, kind: 'post', visibility, body } });

describe('pictures of public work', () => {
  it('are cached 5 minutes with must-revalidate, and answer 404 to the public once the piece goes private', async () => {
    const drawing = await uploadMedia(server.app, { ownerId: maya.id, file: { name: 'drawing.jpg', bytes: await picture(800, 600) }, alt: 'A drawing' });
    const piece = await makeArtifact(server.app, maya, { title: 'Drawing', visibility: 'public', body: `![A drawing](media:${drawing.id})` });
    const visitor = new Browser(server.url);
    for (const path of [`/media/${drawing.id}/`, `/media/${drawing.id}/original.jpg`]) {
      const res = await visitor.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('public, max-age=300, must-revalidate');
      const etag = res.headers.get('etag');
      expect(etag).toMatch(/^"[0-9a-f]{64}-/);
      // Revalidation after the 5 minutes is cheap: a 304 with the same rules.
      const again = await visitor.get(path, { headers: { 'if-none-match': etag! } });
      expect(again.status).toBe(304);
      expect(again.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate');
    }

    await saveArtifact(server.app, { ownerId: maya.id, artifactId: piece.id, input: { title: 'Drawing', kind: 'post', visibility: 'private', body: `![A drawing](media:${drawing.id})` } });
    expect((await visitor.get(`/media/${drawing.id}/`)).status).toBe(404);
    // A cache that revalidates its copy gets the 404 too, not a 304.
    expect((await visitor.get(`/media/${drawing.id}/original.jpg`, { headers: { 'if-none-match': '*' } })).status).toBe(404);
    const own = await signedIn(server.url, server.app, maya).get(`/media/${drawing.id}/`);
    expect(own.status).toBe(200);
    expect(own.headers.get('cache-control')).toBe('private, no-cache');
  });
});

describe('public validators', () => {
  it('a private or class-only save (work or showcase, made or deleted) leaves /@maya/ and her feed as they were (ETag, Last-Modified, 304)', async () => {
    await makeArtifact(server.app, maya, { title: 'Public poem', visibility: 'public', body: 'Roses' });
    const secret = await makeArtifact(server.app, maya, { title: 'Diary', visibility: 'private', body: 'Day one' });
    const classOnly = await makeArtifact(server.app, maya, { title: 'Draft essay', visibility: 'members', body: 'Intro' });
    const visitor = new Browser(server.url);
    const paths = ['/@maya/', '/@maya/feed.xml', '/@maya/feed.json'];
    const before = await Promise.all(paths.map((p) => visitor.get(p)));
    for (const res of before) {
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBeTruthy();
      expect(res.headers.get('last-modified')).toBeTruthy();
    }

    await save(secret, 'private', 'Day two');
    await save(classOnly, 'members', 'A better intro');
    const hidden = await saveShowcase(server.app, { ownerId: maya.id, input: { title: 'Hidden set', intro: 'Mine.', visibility: 'private', items: [secret.id] } });
    deleteShowcase(server.app, { ownerId: maya.id, showcaseId: hidden.id });
    await deleteArtifact(server.app, { ownerId: maya.id, artifactId: (await makeArtifact(server.app, maya, { visibility: 'private' })).id });
    // Describing a picture that only a private piece shows changes nothing public either.
    const sketch = await uploadMedia(server.app, { ownerId: maya.id, file: { name: 'sketch.jpg', bytes: await picture(300, 200) }, alt: '' });
    await makeArtifact(server.app, maya, { title: 'Sketchbook', visibility: 'private', body: `![Sketch](media:${sketch.id})` });
    updateMediaAlt(server.app, { ownerId: maya.id, mediaId: sketch.id, alt: 'A pencil sketch of the harbour' });
    for (const [i, path] of paths.entries()) {
      const after = await visitor.get(path);
      expect(after.headers.get('etag'), path).toBe(before[i]!.headers.get('etag'));
      expect(after.headers.get('last-modified'), path).toBe(before[i]!.headers.get('last-modified'));
      const revalidated = await visitor.get(path, { headers: { 'if-none-match': before[i]!.headers.get('etag')! } });
      expect(revalidated.status, path).toBe(304);
      const since = await visitor.get(path, { headers: { 'if-modified-since': before[i]!.headers.get('last-modified')! } });
      expect(since.status, path).toBe(304);
    }
  });

  it('a public save changes them, and so does a piece going from public to private', async () => {
    const poem = await makeArtifact(server.app, maya, { title: 'Second poem', visibility: 'public', body: 'Violets' });
    const visitor = new Browser(server.url);
    const first = await visitor.get('/@maya/');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // Last-Modified has whole seconds.
    await save(poem, 'public', 'Violets are blue');
    const second = await visitor.get('/@maya/');
    expect(second.headers.get('etag')).not.toBe(first.headers.get('etag'));
    expect(second.headers.get('last-modified')).not.toBe(first.headers.get('last-modified'));
    expect((await visitor.get('/@maya/', { headers: { 'if-none-match': first.headers.get('etag')! } })).status).toBe(200);

    await save(poem, 'private', 'Violets are blue');
    const third = await visitor.get('/@maya/');
    expect(third.headers.get('etag')).not.toBe(second.headers.get('etag'));
    expect(await third.text()).not.toContain('Second poem');
  });

  it('an unlisted piece is public to its readers: saving it changes its page', async () => {
    const link = await makeArtifact(server.app, maya, { title: 'Link only', visibility: 'unlisted', body: 'First words' });
    const visitor = new Browser(server.url);
    const first = await visitor.get(`/@maya/${link.slug}/`);
    expect(first.status).toBe(200);
    await save(link, 'unlisted', 'Second words');
    const second = await visitor.get(`/@maya/${link.slug}/`, { headers: { 'if-none-match': first.headers.get('etag')! } });
    expect(second.status).toBe(200);
    expect(await second.text()).toContain('Second words');
  });
});
