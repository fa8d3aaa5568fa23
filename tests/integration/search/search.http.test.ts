/**
 * Search over HTTP against a real server: the workspace box, "My students" and the hub river's `q`, as a student,
 * a teacher and a stranger see them. Highlighting is escaped; hostile text answers a page, never a 500.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubs, type User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let maya: User;
let theo: User;
let zoe: User;
let okafor: User;
let hubSlug: string;

const HOSTILE = ['"', 'AND (', 'col:x', '*', 'NEAR(', '"unclosed phrase', "'; drop table artifacts; --", '%', '\\', '#', '(((', 'title:*'];

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  maya = await makeUser(app, { handle: 'maya' });
  theo = await makeUser(app, { handle: 'theo' });
  zoe = await makeUser(app, { handle: 'zoe' });
  okafor = await makeUser(app, { handle: 'okafor', role: 'teacher' });
  const rivera = await makeUser(app, { handle: 'rivera', role: 'teacher' });
  const hubId = makeHub(app, { teacher: okafor, students: [maya, theo] });
  makeHub(app, { teacher: rivera, students: [zoe] });
  hubSlug = app.db.select().from(hubs).where(eq(hubs.id, hubId)).get()!.slug;
  await makeArtifact(app, maya, { title: 'Pond study', summary: 'Week 2', tags: ['course'], body: 'Tadpoles and <script>alert("frogspawn")</script> in the pond: frogspawn everywhere.' });
  await makeArtifact(app, maya, { title: 'Frogspawn', summary: 'A poem', visibility: 'private', tags: ['course'], body: 'Small dots of jelly.', date: new Date('2024-01-01') });
  await makeArtifact(app, maya, { title: 'Élève portrait', kind: 'project', body: 'A portrait of a classmate.' });
  await makeArtifact(app, theo, { title: 'Theo private pond', visibility: 'private', tags: ['course'], body: 'Frogspawn, privately.' });
  await makeArtifact(app, theo, { title: 'Theo members pond', visibility: 'members', body: 'Frogspawn for the class.' });
  await makeArtifact(app, zoe, { title: 'Zoe pond', visibility: 'members', tags: ['course'], body: 'Frogspawn in another class.' });
});
afterAll(() => server?.stop());

describe('the workspace search box', () => {
  it('says what it searches, finds a word from the text, ranks the title match first and highlights safely', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const res = await browser.get('/workspace?q=frogspawn');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Search titles, summaries, text and tags');
    expect(html).toContain('2 found');
    // Title match ("Frogspawn", older) ranks above the piece that only has the word in its text.
    // The title's matched word is marked too.
    expect(html.indexOf('><mark>Frogspawn</mark></a>')).toBeGreaterThan(0);
    expect(html.indexOf('><mark>Frogspawn</mark></a>')).toBeLessThan(html.indexOf('>Pond study</a>'));
    expect(html).toContain('&lt;script&gt;alert(&quot;<mark>frogspawn</mark>&quot;)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert');
    // Nothing of a classmate's, private or members, in one's own workspace.
    expect(html).not.toContain('Theo private pond');
    expect(html).not.toContain('Theo members pond');
  });

  it('finds without accents and combines with the kind filter', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const html = await (await browser.get('/workspace?q=ELEVE&kind=project')).text();
    expect(html).toContain('<mark>Élève</mark> portrait');
    expect(html).toContain('1 found');
    const none = await (await browser.get('/workspace?q=eleve&kind=post')).text();
    expect(none).toContain('0 found');
    expect(none).toContain('Nothing matches.');
  });

  it('answers hostile text with a page, never a server error', async () => {
    const browser = signedIn(server.url, server.app, maya);
    for (const q of HOSTILE) {
      const res = await browser.get(`/workspace?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
      await res.text();
    }
  });
});

describe('a teacher searching their students’ work', () => {
  it('finds a hub student’s class-visible piece by a word of its text, never private work or another class', async () => {
    const browser = signedIn(server.url, server.app, okafor);
    const res = await browser.get('/workspace/students?q=frogspawn');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Pond study');
    expect(html).toContain('Theo members pond');
    expect(html).toContain('<mark>frogspawn</mark>');
    expect(html).not.toContain('>Frogspawn</a>');
    expect(html).not.toContain('Theo private pond');
    expect(html).not.toContain('Zoe pond');
    for (const q of HOSTILE) expect((await browser.get(`/workspace/students?q=${encodeURIComponent(q)}`)).status, q).toBe(200);
  });

  it('keeps the students page for teachers: a student asking gets 403', async () => {
    const res = await signedIn(server.url, server.app, maya).get('/workspace/students?q=frogspawn');
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('Pond study');
  });

  it('searches the hub river with q by the river’s rule', async () => {
    const teacher = signedIn(server.url, server.app, okafor);
    const html = await (await teacher.get(`/hubs/${hubSlug}/?q=frogspawn`)).text();
    expect(html).toContain('Pond study');
    expect(html).toContain('<mark>frogspawn</mark>');
    expect(html).not.toContain('>Frogspawn</a>');
    expect(html).not.toContain('Theo private pond');
    // Not tagged for the hub: not in its river, so not in its search either.
    expect(html).not.toContain('Theo members pond');
    expect(html).not.toContain('Zoe pond');
    // A members-only hub is the same 404 to strangers, with or without a search.
    expect((await new Browser(server.url).get(`/hubs/${hubSlug}/?q=frogspawn`)).status).toBe(404);
    expect((await signedIn(server.url, server.app, zoe).get(`/hubs/${hubSlug}/?q=frogspawn`)).status).toBe(404);
    for (const q of HOSTILE) expect((await teacher.get(`/hubs/${hubSlug}/?q=${encodeURIComponent(q)}`)).status, q).toBe(200);
  });
});
