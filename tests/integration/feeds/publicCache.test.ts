// The middleware hooks for public pages, against a real database: a returning anonymous visitor gets 304 before
// anything is rendered; anything the public can see changing gives a new ETag; signed-in views are never shared.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { users, type Artifact, type User } from '../../../src/server/db/schema.ts';
import { PERSONAL_CACHE_CONTROL, PUBLIC_CACHE_CONTROL } from '../../../src/server/http/caching.ts';
import { afterPublicPage, beforePublicPage, type PublicContext } from '../../../src/server/http/publicCache.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

let app: AppContext;
let maya: User;
let essay: Artifact;

beforeAll(async () => {
  app = createTestApp({ POTLUCK_SITE_URL: 'https://school.example' });
  maya = await makeUser(app, { handle: 'maya' });
  essay = await makeArtifact(app, maya, { title: 'Essay', slug: 'essay', visibility: 'public', tags: ['science'] });
});

afterAll(() => {
  app.db.$client.close();
});

function context(
  pathname: string,
  options: { headers?: Record<string, string>; user?: User | null; method?: string; setCookies?: string[]; render?: { static: boolean; staticBase: string | null } } = {},
): PublicContext {
  const url = new URL(pathname, 'https://school.example');
  const request = new Request(url, { method: options.method ?? 'GET', headers: options.headers });
  const user = options.user ? { id: options.user.id, handle: options.user.handle, name: options.user.name, role: options.user.role, email: null } : null;
  return {
    request,
    url,
    locals: { app, user, session: null, noindex: false, render: options.render ?? { static: false, staticBase: null } },
    cookies: { headers: () => (options.setCookies ?? [])[Symbol.iterator]() },
  } as unknown as PublicContext;
}

function page(body = '<h1>Essay</h1>'): Response {
  return new Response(body, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

/** A first visit: nothing to compare, so the page renders and leaves with validators. */
function visit(pathname: string, options: Parameters<typeof context>[1] = {}): Response {
  const ctx = context(pathname, options);
  expect(beforePublicPage(ctx)).toBeNull();
  return afterPublicPage(ctx, page());
}

describe('beforePublicPage / afterPublicPage', () => {
  it('gives an anonymous visitor a public, revalidatable page, then 304 without rendering', () => {
    const seenFrom = Math.floor(Date.now() / 1000) * 1000;
    const first = visit('/@maya/essay/');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(first.headers.get('cache-control')).toBe(PUBLIC_CACHE_CONTROL);
    expect(first.headers.get('vary')).toBe('Cookie');
    // The newest public work, or the moment this view of the portfolio was first seen (a profile change touches no
    // piece), whichever is later: here the first visit, in the same second as the save or the next one.
    const lastModified = Date.parse(first.headers.get('last-modified')!);
    expect(lastModified).toBeGreaterThanOrEqual(Math.floor(essay.updatedAt.getTime() / 1000) * 1000);
    expect(lastModified).toBeGreaterThanOrEqual(seenFrom);
    expect(lastModified).toBeLessThanOrEqual(Date.now());

    const byTag = beforePublicPage(context('/@maya/essay/', { headers: { 'if-none-match': etag } }));
    expect(byTag?.status).toBe(304);
    expect(byTag?.headers.get('etag')).toBe(etag);
    const byDate = beforePublicPage(context('/@maya/essay/', { headers: { 'if-modified-since': first.headers.get('last-modified')! } }));
    expect(byDate?.status).toBe(304);
  });

  it('gives each address and each render mode its own ETag', () => {
    const a = visit('/@maya/essay/').headers.get('etag');
    const b = visit('/@maya/').headers.get('etag');
    const c = visit('/@maya/essay/', { render: { static: true, staticBase: 'https://maya.pages.example' } }).headers.get('etag');
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('changes the ETag when the work or the profile changes, so an old copy is not reused', async () => {
    const before = visit('/@maya/').headers.get('etag')!;
    await saveArtifact(app, {
      ownerId: maya.id,
      artifactId: essay.id,
      input: { title: 'Essay, revised', kind: 'post', visibility: 'public', tags: ['science'], body: 'New.' },
    });
    const afterEdit = visit('/@maya/').headers.get('etag')!;
    expect(afterEdit).not.toBe(before);
    expect(beforePublicPage(context('/@maya/', { headers: { 'if-none-match': before } }))).toBeNull();

    app.db.update(users).set({ bio: 'Now with a bio.' }).where(eq(users.id, maya.id)).run();
    expect(visit('/@maya/').headers.get('etag')).not.toBe(afterEdit);
  });

  it('changes the ETag when public work becomes private', async () => {
    const extra = await makeArtifact(app, maya, { title: 'Soon private', visibility: 'public' });
    const before = visit('/@maya/').headers.get('etag')!;
    await saveArtifact(app, { ownerId: maya.id, artifactId: extra.id, input: { title: 'Soon private', kind: 'post', visibility: 'private', body: 'Some text.' } });
    expect(visit('/@maya/').headers.get('etag')).not.toBe(before);
  });

  it('never lets a shared cache keep a signed-in view, nor answer it 304 from the public validators', () => {
    const etag = visit('/@maya/').headers.get('etag')!;
    const ctx = context('/@maya/', { user: maya, headers: { 'if-none-match': etag } });
    expect(beforePublicPage(ctx)).toBeNull();
    const response = afterPublicPage(ctx, page());
    expect(response.headers.get('cache-control')).toBe(PERSONAL_CACHE_CONTROL);
    expect(response.headers.get('vary')).toBe('Cookie');
    expect(response.headers.get('etag')).toBeNull();
  });

  it('treats a request with a session cookie as personal even when the session is gone', () => {
    const ctx = context('/@maya/', { headers: { cookie: 'potluck_session=expired' } });
    expect(beforePublicPage(ctx)).toBeNull();
    expect(afterPublicPage(ctx, page()).headers.get('cache-control')).toBe(PERSONAL_CACHE_CONTROL);
  });

  it('does not publish a response that sets a cookie', () => {
    const ctx = context('/@maya/');
    expect(beforePublicPage(ctx)).toBeNull();
    expect(afterPublicPage(ctx, page()).headers.get('cache-control')).toBe(PUBLIC_CACHE_CONTROL);
    const withCookie = context('/@maya/', { setCookies: ['x=1; Path=/'] });
    beforePublicPage(withCookie);
    expect(afterPublicPage(withCookie, page()).headers.get('cache-control')).toBe(PERSONAL_CACHE_CONTROL);
  });

  it('leaves alone what is not a public page: other paths, feeds, writes, errors, unknown and disabled portfolios', async () => {
    for (const path of ['/workspace/', '/hubs/x/', '/@maya/feed.json', '/@maya/tags/science/feed.xml', '/@nobody/']) {
      const ctx = context(path);
      expect(beforePublicPage(ctx), path).toBeNull();
      expect(afterPublicPage(ctx, page()).headers.get('etag'), path).toBeNull();
    }
    const post = context('/@maya/', { method: 'POST' });
    expect(beforePublicPage(post)).toBeNull();
    expect(afterPublicPage(post, page()).headers.get('etag')).toBeNull();

    const missing = context('/@maya/nothing-here/');
    beforePublicPage(missing);
    const notFound = afterPublicPage(missing, new Response('Not found', { status: 404 }));
    expect(notFound.headers.get('etag')).toBeNull();
    expect(notFound.headers.get('cache-control')).toBeNull();

    const gone = await makeUser(app, { handle: 'gone' });
    const etag = visit('/@gone/').headers.get('etag')!;
    setUserDisabled(app, { handle: 'gone', disabled: true, actor: null });
    expect(beforePublicPage(context('/@gone/', { headers: { 'if-none-match': etag } }))).toBeNull();
  });
});
