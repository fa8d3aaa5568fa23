import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, revisions, type User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let maya: User;
let theo: User;
let teacher: User;

beforeAll(async () => {
  server = await startServer();
  maya = await makeUser(server.app, { handle: 'maya' });
  theo = await makeUser(server.app, { handle: 'theo' });
  teacher = await makeUser(server.app, { handle: 'okafor', role: 'teacher' });
  makeHub(server.app, { teacher, students: [maya, theo] });
});
afterAll(() => server?.stop());

const form = (over: Record<string, string> = {}) => ({
  title: 'My first essay',
  summary: 'About buses',
  kind: 'post',
  visibility: 'members',
  format: 'markdown',
  tags: 'eng10, week-1',
  date: '2026-09-14',
  body: '## Intro\n\nBuses are late. #transit',
  intent: 'save',
  ...over,
});

describe('the workspace over HTTP', () => {
  it('sends a signed-out visitor to sign in, remembering where they were going', async () => {
    const res = await new Browser(server.url).get('/workspace/artifacts/new');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/signin?next=%2Fworkspace%2Fartifacts%2Fnew');
  });

  it('creates an artifact from a plain form post and shows it in the list', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const res = await browser.postForm('/workspace/artifacts/new', form());
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/workspace\/artifacts\/[0-9a-f-]+\?saved=1$/);
    const page = await (await browser.get(location)).text();
    expect(page).toContain('Saved as revision 1');
    const list = await (await browser.get('/workspace?q=essay')).text();
    expect(list).toContain('My first <mark>essay</mark>');
    const id = location.split('/')[3].split('?')[0];
    const row = server.app.db.select().from(artifacts).where(eq(artifacts.id, id)).get()!;
    expect(row.tags).toEqual(['eng10', 'week-1', 'transit']);
    expect(row.date.toISOString()).toBe('2026-09-14T00:00:00.000Z');
  });

  it('keeps everything the student typed when validation fails', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const res = await browser.postForm('/workspace/artifacts/new', form({ title: '', body: 'A long careful paragraph I must not lose.' }));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Give your work a title.');
    expect(html).toContain('A long careful paragraph I must not lose.');
    expect(html).toMatch(/aria-invalid="true"/);
  });

  it('previews without saving, with exactly the stored rendering', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const before = server.app.db.select().from(artifacts).all().length;
    const res = await browser.postForm('/workspace/artifacts/new', form({ intent: 'preview', body: '**bold** <img src=x onerror=alert(1)>' }));
    const html = await res.text();
    const preview = html.slice(html.indexOf('id="preview-content"'), html.indexOf('</section>', html.indexOf('id="preview-content"')));
    expect(preview).toContain('<strong>bold</strong>');
    expect(preview).not.toContain('onerror');
    expect(preview).not.toContain('<img');
    expect(server.app.db.select().from(artifacts).all().length).toBe(before);
    const api = await browser.request('/api/preview', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: '# Hi', format: 'markdown' }),
    });
    expect(await api.json()).toMatchObject({ ok: true, html: expect.stringContaining('<h1') });
  });

  it('edits make revisions that can be compared and restored', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const a = await makeArtifact(server.app, maya, { title: 'Draft', body: 'line one\nline two' });
    const edit = await browser.postForm(`/workspace/artifacts/${a.id}`, form({ title: 'Draft', body: 'line one\nline three' }));
    expect(edit.status).toBe(303);
    const history = await (await browser.get(`/workspace/artifacts/${a.id}/revisions?a=1&b=2`)).text();
    expect(history).toContain('<del>line two</del>');
    expect(history).toContain('<ins>line three</ins>');
    const restore = await browser.postForm(`/workspace/artifacts/${a.id}/revisions`, { number: '1' });
    expect(restore.status).toBe(303);
    const row = server.app.db.select().from(artifacts).where(eq(artifacts.id, a.id)).get()!;
    expect(row.body).toBe('line one\nline two');
    expect(server.app.db.select().from(revisions).where(eq(revisions.artifactId, a.id)).all()).toHaveLength(3);
  });

  it("answers 404 for another student's private artifact and revisions, whatever the method", async () => {
    const a = await makeArtifact(server.app, maya, { visibility: 'private', body: 'secret diary' });
    const browser = signedIn(server.url, server.app, theo);
    for (const path of [`/workspace/artifacts/${a.id}`, `/workspace/artifacts/${a.id}/revisions`, `/workspace/artifacts/${a.id}/delete`, `/@maya/${a.slug}/`]) {
      expect((await browser.get(path)).status, `GET ${path}`).toBe(404);
    }
    for (const path of [`/workspace/artifacts/${a.id}`, `/workspace/artifacts/${a.id}/revisions`, `/workspace/artifacts/${a.id}/delete`]) {
      const res = await browser.postForm(path, { ...form(), number: '1', confirm: 'yes' });
      expect(res.status, `POST ${path}`).toBe(404);
    }
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, a.id)).get()?.body).toBe('secret diary');
    expect((await new Browser(server.url).get(`/@maya/${a.slug}/`)).status).toBe(404);
  });

  it("lets a teacher read a student's members work but refuses an edit with 403", async () => {
    const a = await makeArtifact(server.app, maya, { visibility: 'members', title: 'For class', body: 'class work' });
    const browser = signedIn(server.url, server.app, teacher);
    const read = await browser.get(`/@maya/${a.slug}/`);
    expect(read.status).toBe(200);
    expect(await read.text()).toContain('class work');
    expect((await new Browser(server.url).get(`/@maya/${a.slug}/`)).status).toBe(404);
    const edit = await browser.postForm(`/workspace/artifacts/${a.id}`, form({ title: 'Teacher was here' }));
    expect(edit.status).toBe(403);
    const del = await browser.postForm(`/workspace/artifacts/${a.id}/delete`, { confirm: 'yes' });
    expect(del.status).toBe(403);
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, a.id)).get()?.title).toBe('For class');
  });

  it('deletes only after confirmation', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const a = await makeArtifact(server.app, maya, { title: 'Temporary' });
    const page = await (await browser.get(`/workspace/artifacts/${a.id}/delete`)).text();
    expect(page).toContain('Delete “Temporary”?');
    await browser.postForm(`/workspace/artifacts/${a.id}/delete`, {});
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, a.id)).get()).toBeTruthy();
    const res = await browser.postForm(`/workspace/artifacts/${a.id}/delete`, { confirm: 'yes' });
    expect(res.status).toBe(303);
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, a.id)).get()).toBeUndefined();
  });

  it('refuses cross-origin form posts in every content-type spelling', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const before = server.app.db.select().from(artifacts).all().length;
    const body = new URLSearchParams(form({ title: 'CSRF' })).toString();
    for (const type of [
      'application/x-www-form-urlencoded',
      'APPLICATION/X-WWW-FORM-URLENCODED; charset=UTF-8',
      'multipart/form-data; boundary=x',
      'Multipart/Form-Data; boundary=x',
      'text/plain',
      'TEXT/PLAIN;charset=utf-8',
      'application/json',
      'application/x-unknown',
    ]) {
      const res = await browser.request('/workspace/artifacts/new', {
        method: 'POST',
        body,
        headers: { 'content-type': type },
        origin: 'https://evil.example',
      });
      expect(res.status, type).toBe(403);
    }
    const sneaky = await browser.request('/workspace/artifacts/new', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      origin: null,
    });
    expect(sneaky.status).toBe(403);
    const nullOrigin = await browser.request('/workspace/artifacts/new', { method: 'POST', body, origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    expect(server.app.db.select().from(artifacts).all().length).toBe(before);
  });

  it('sends a strict CSP and no-store on workspace pages', async () => {
    const res = await signedIn(server.url, server.app, maya).get('/workspace');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle="/);
  });

  it('manages showcases with an ordered list of own artifacts', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const a = await makeArtifact(server.app, maya, { title: 'First piece', visibility: 'public' });
    const b = await makeArtifact(server.app, maya, { title: 'Second piece', visibility: 'public' });
    const res = await browser.postForm('/workspace/showcases/new', {
      title: 'Best of grade 10',
      intro: 'My **favourites**.',
      visibility: 'public',
      items: [a.id, b.id],
      [`order-${a.id}`]: '2',
      [`order-${b.id}`]: '1',
    });
    expect(res.status).toBe(303);
    const page = await (await new Browser(server.url).get('/@maya/showcases/best-of-grade-10/')).text();
    expect(page.indexOf('Second piece')).toBeGreaterThan(0);
    expect(page.indexOf('Second piece')).toBeLessThan(page.indexOf('First piece'));
    expect(page).toContain('<strong>favourites</strong>');
    const theirs = await makeArtifact(server.app, theo, { title: 'Not yours' });
    const bad = await browser.postForm('/workspace/showcases/new', { title: 'Sneaky', visibility: 'public', items: [theirs.id] });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('A showcase can only hold your own artifacts.');
  });
});
