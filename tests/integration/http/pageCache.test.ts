import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import type { User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let maya: User;
let theo: User;
beforeAll(async () => {
  server = await startServer();
  maya = await makeUser(server.app, { handle: 'maya' });
  theo = await makeUser(server.app, { handle: 'theo' });
  const teacher = await makeUser(server.app, { handle: 'okafor', role: 'teacher' });
  makeHub(server.app, { teacher, students: [maya, theo] });
});
afterAll(() => server?.stop());

describe('the public page cache', () => {
  it('serves an anonymous page from memory until the student changes something', async () => {
    const a = await makeArtifact(server.app, maya, { title: 'Cached essay', visibility: 'public', body: 'first version' });
    const visitor = new Browser(server.url);
    const first = await visitor.get(`/@maya/${a.slug}/`);
    expect(first.headers.get('x-potluck-cache')).toBeNull();
    expect(await first.text()).toContain('first version');
    const second = await visitor.get(`/@maya/${a.slug}/`);
    expect(second.headers.get('x-potluck-cache')).toBe('hit');
    expect(await second.text()).toContain('first version');

    await saveArtifact(server.app, { ownerId: maya.id, artifactId: a.id, input: { title: 'Cached essay', kind: 'post', visibility: 'public', body: 'second version' } });
    const third = await visitor.get(`/@maya/${a.slug}/`);
    expect(third.headers.get('x-potluck-cache')).toBeNull();
    expect(await third.text()).toContain('second version');
  });

  it('renders the page after an edit under the ETag its next visit is served from the cache with', async () => {
    const a = await makeArtifact(server.app, maya, { title: 'Edited essay', visibility: 'public', body: 'draft one' });
    const visitor = new Browser(server.url);
    const path = `/@maya/${a.slug}/`;
    const old = (await visitor.get(path)).headers.get('etag')!;
    expect((await visitor.get(path)).headers.get('x-potluck-cache')).toBe('hit');
    await saveArtifact(server.app, { ownerId: maya.id, artifactId: a.id, input: { title: 'Edited essay', kind: 'post', visibility: 'public', body: 'draft two' } });
    // The front finds its copy older than the database and the site renders the new one.
    const rendered = await visitor.get(path, { headers: { 'accept-encoding': 'identity' } });
    expect(rendered.headers.get('x-potluck-cache')).toBeNull();
    expect(await rendered.text()).toContain('draft two');
    const etag = rendered.headers.get('etag')!;
    expect(etag).not.toBe(old);
    const next = await visitor.get(path, { headers: { 'accept-encoding': 'identity' } });
    expect(next.headers.get('x-potluck-cache')).toBe('hit');
    expect(next.headers.get('etag')).toBe(etag);
    expect(await next.text()).toContain('draft two');
    // A reader holding the page from before the edit gets the new one, not a 304.
    await saveArtifact(server.app, { ownerId: maya.id, artifactId: a.id, input: { title: 'Edited essay', kind: 'post', visibility: 'public', body: 'draft three' } });
    const stale = await visitor.get(path, { headers: { 'if-none-match': etag, 'accept-encoding': 'identity' } });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toContain('draft three');
  });

  it('never serves a signed-in reader from the cache, nor an anonymous one what a member saw', async () => {
    await makeArtifact(server.app, maya, { title: 'Members only piece', visibility: 'members' });
    const classmate = signedIn(server.url, server.app, theo);
    const asMember = await classmate.get('/@maya/');
    expect(await asMember.text()).toContain('Members only piece');
    expect((await classmate.get('/@maya/')).headers.get('x-potluck-cache')).toBeNull();
    const visitor = new Browser(server.url);
    await visitor.get('/@maya/');
    const anonymous = await visitor.get('/@maya/');
    expect(anonymous.headers.get('x-potluck-cache')).toBe('hit');
    expect(await anonymous.text()).not.toContain('Members only piece');
  });

  it('answers 304 and HEAD from the cache, and stops serving a disabled account at once', async () => {
    const priya = await makeUser(server.app, { handle: 'priya' });
    const a = await makeArtifact(server.app, priya, { title: 'Lab notes', visibility: 'public' });
    const visitor = new Browser(server.url);
    const first = await visitor.get(`/@priya/${a.slug}/`);
    const etag = first.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const again = await visitor.get(`/@priya/${a.slug}/`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    const head = await visitor.request(`/@priya/${a.slug}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-potluck-cache')).toBe('hit');
    expect(await head.text()).toBe('');
    setUserDisabled(server.app, { userId: priya.id, disabled: true, actor: null });
    expect((await visitor.get(`/@priya/${a.slug}/`)).status).toBe(404);
  });

  it('drops a page from the cache when the work is made private', async () => {
    const a = await makeArtifact(server.app, maya, { title: 'Soon private', visibility: 'public' });
    const visitor = new Browser(server.url);
    await visitor.get(`/@maya/${a.slug}/`);
    expect((await visitor.get(`/@maya/${a.slug}/`)).status).toBe(200);
    await saveArtifact(server.app, { ownerId: maya.id, artifactId: a.id, input: { title: 'Soon private', kind: 'post', visibility: 'private' } });
    expect((await visitor.get(`/@maya/${a.slug}/`)).status).toBe(404);
  });
});
