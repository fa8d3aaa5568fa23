/**
 * Potluck as an IndieAuth authorization server, over real HTTP, with an app on loopback. indieauth.rocks has no
 * server tests yet (its server page says "coming soon"), so these follow the IndieAuth spec's sections: discovery
 * (§4), the authorization request (§5.2), the code exchange (§5.3), the profile (§5.3.4), introspection (§6) and
 * revocation (§7); then the attacks: PKCE missing or plain, a wrong verifier, code reuse, an open redirect, a
 * cross-site consent form, guardians and students the school's age rule leaves out.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokens, auditEvents, indieauthCodes, users, type User } from '../../../src/server/db/schema.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { appPost, approve, authorizeQuery, getToken, pkce, startClientApp, type ClientApp } from './helpers.ts';

/** The site's public address: what `me`, the issuer and every endpoint are named by. */
const SITE = 'http://potluck.test';
let server: TestServer;
let client: ClientApp;
let maya: User;
let mayaBrowser: Browser;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1', POTLUCK_SITE_URL: SITE } });
  client = await startClientApp('Quill Test');
  maya = await makeUser(server.app, { handle: 'maya', name: 'Maya Lin' });
  mayaBrowser = signedIn(server.url, server.app, maya);
}, 120_000);
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const me = () => `${SITE}/@maya/`;

describe('discovery (§4)', () => {
  it('a portfolio names the metadata endpoint, the authorization and token endpoints and Micropub, in the Link header and the page', async () => {
    const res = await fetch(`${server.url}/@maya/`);
    expect(res.status).toBe(200);
    const link = res.headers.get('link') ?? '';
    const site = SITE;
    expect(link).toContain(`<${site}/.well-known/oauth-authorization-server>; rel="indieauth-metadata"`);
    expect(link).toContain(`<${site}/auth>; rel="authorization_endpoint"`);
    expect(link).toContain(`<${site}/token>; rel="token_endpoint"`);
    expect(link).toContain(`<${site}/micropub>; rel="micropub"`);
    const html = await res.text();
    expect(html).toMatch(/<link[^>]+rel="micropub"[^>]+href="[^"]+\/micropub"|<link[^>]+href="[^"]+\/micropub"[^>]+rel="micropub"/);
    // Pages that are not a portfolio carry none.
    const home = await fetch(`${server.url}/`);
    expect(home.headers.get('link') ?? '').not.toContain('indieauth-metadata');
    await home.arrayBuffer();
  });

  it('the metadata document lists every endpoint, S256 only, the scopes and the code grant', async () => {
    const res = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    const site = SITE;
    expect(doc).toMatchObject({
      issuer: `${site}/`,
      authorization_endpoint: `${site}/auth`,
      token_endpoint: `${site}/token`,
      revocation_endpoint: `${site}/token/revoke`,
      introspection_endpoint: `${site}/token/introspect`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
    });
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['profile', 'create', 'update', 'delete', 'undelete', 'media']));
  });
});

describe('the authorization request and consent (§5.2)', () => {
  it('sends a signed-out member to sign in first, and back to the same request', async () => {
    const query = authorizeQuery(client, { challenge: pkce().challenge });
    const res = await new Browser(server.url).get(`/auth?${query}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/signin?next=${encodeURIComponent(`/auth?${query}`)}`);
  });

  it('shows the app’s name from its h-app and says in plain words what each scope lets it do', async () => {
    const query = authorizeQuery(client, { challenge: pkce().challenge, scope: 'profile create update delete media' });
    const res = await mayaBrowser.get(`/auth?${query}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Sign in to Quill Test?');
    expect(html).toContain(me());
    expect(html).toContain('Write new pieces in your portfolio');
    expect(html).toContain('Read and change the pieces in your portfolio');
    expect(html).toContain('Delete pieces from your portfolio');
    expect(html).toContain('Upload pictures and files');
    // The form may send the member on to the app's origin, and nowhere else.
    expect(res.headers.get('content-security-policy')).toContain(`form-action 'self' ${client.origin}`);
  });

  it('approving redirects to the app with a code, the state and the issuer; the code is stored only as a hash', async () => {
    const { challenge } = pkce();
    const back = await approve(mayaBrowser, authorizeQuery(client, { challenge, state: 'xyz-1' }));
    expect(back.origin + back.pathname).toBe(client.redirectUri);
    expect(back.searchParams.get('state')).toBe('xyz-1');
    expect(back.searchParams.get('iss')).toBe(`${SITE}/`);
    const code = back.searchParams.get('code')!;
    expect(code.length).toBeGreaterThan(30);
    const rows = server.app.db.select().from(indieauthCodes).all();
    expect(rows.some((r) => r.codeHash === code || JSON.stringify(r).includes(code))).toBe(false);
    expect(rows.find((r) => r.codeChallenge === challenge)?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 10 * 60 * 1000 + 1000);
  });

  it('denying redirects with error=access_denied and makes no code', async () => {
    const before = server.app.db.select().from(indieauthCodes).all().length;
    const query = authorizeQuery(client, { challenge: pkce().challenge, state: 'no-thanks' });
    const res = await mayaBrowser.postForm('/auth', { ...Object.fromEntries(query), decision: 'deny' });
    expect(res.status).toBe(303);
    const back = new URL(res.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('no-thanks');
    expect(server.app.db.select().from(indieauthCodes).all().length).toBe(before);
  });

  it('refuses a request without PKCE, on its own page, without redirecting', async () => {
    const query = authorizeQuery(client, { challenge: '', method: null });
    query.delete('code_challenge');
    const res = await mayaBrowser.get(`/auth?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('PKCE');
  });

  it('refuses the plain PKCE method (no downgrade), for the page and for an approval posted anyway', async () => {
    const verifier = pkce().verifier;
    const query = authorizeQuery(client, { challenge: verifier, method: 'plain' });
    const page = await mayaBrowser.get(`/auth?${query}`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('only S256');
    const before = server.app.db.select().from(indieauthCodes).all().length;
    const post = await mayaBrowser.postForm('/auth', { ...Object.fromEntries(query), decision: 'allow', grant: 'create' });
    expect(post.status).toBe(400);
    expect(post.headers.get('location')).toBeNull();
    expect(server.app.db.select().from(indieauthCodes).all().length).toBe(before);
  });

  it('refuses a redirect_uri on another host that the app does not list: no redirect, no code (no open redirect)', async () => {
    const query = authorizeQuery(client, { challenge: pkce().challenge, redirectUri: 'https://attacker.example/steal' });
    const page = await mayaBrowser.get(`/auth?${query}`);
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    const html = await page.text();
    expect(html).toContain('attacker.example');
    expect(html).toContain('did not send you there');
    const before = server.app.db.select().from(indieauthCodes).all().length;
    for (const decision of ['allow', 'deny']) {
      const post = await mayaBrowser.postForm('/auth', { ...Object.fromEntries(query), decision, grant: 'create' });
      expect(post.status).toBe(400);
      expect(post.headers.get('location')).toBeNull();
    }
    expect(server.app.db.select().from(indieauthCodes).all().length).toBe(before);
    // Another port on the same host is another origin too.
    const port = authorizeQuery(client, { challenge: pkce().challenge, redirectUri: `http://127.0.0.1:1/cb` });
    expect((await mayaBrowser.get(`/auth?${port}`)).status).toBe(400);
  });

  it('accepts a redirect_uri on another host when the app’s page lists it with rel=redirect_uri', async () => {
    const other = 'http://localhost:9/elsewhere';
    client.listed.push(other);
    try {
      const back = await approve(mayaBrowser, authorizeQuery(client, { challenge: pkce().challenge, redirectUri: other }));
      expect(back.href.startsWith(other)).toBe(true);
    } finally {
      client.listed.length = 0;
    }
  });

  it('keeps CSRF protection for the consent form: an approval posted from another site is refused', async () => {
    const before = server.app.db.select().from(indieauthCodes).all().length;
    const query = authorizeQuery(client, { challenge: pkce().challenge });
    const res = await mayaBrowser.postForm('/auth', { ...Object.fromEntries(query), decision: 'allow', grant: 'create' }, { origin: 'https://attacker.example' });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(server.app.db.select().from(indieauthCodes).all().length).toBe(before);
  });
});

describe('the code exchange (§5.3)', () => {
  async function code(scope: string) {
    const { verifier, challenge } = pkce();
    const back = await approve(mayaBrowser, authorizeQuery(client, { challenge, scope }));
    return { code: back.searchParams.get('code')!, verifier };
  }
  const exchange = (fields: Record<string, string>, path = '/token') =>
    appPost(server.url, path, { grant_type: 'authorization_code', client_id: client.clientId, redirect_uri: client.redirectUri, ...fields });

  it('gives an access token with the granted scope and the canonical profile URL; the token is stored hashed', async () => {
    const { code: c, verifier } = await code('profile create');
    const res = await exchange({ code: c, code_verifier: verifier });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'profile create', me: me(), profile: { name: 'Maya Lin', url: me() } });
    expect(typeof body.access_token).toBe('string');
    expect(body.expires_in).toBeGreaterThan(0);
    const stored = server.app.db.select().from(accessTokens).where(eq(accessTokens.userId, maya.id)).all();
    expect(stored.some((t) => JSON.stringify(t).includes(body.access_token as string))).toBe(false);
    expect(stored.find((t) => t.clientId === client.clientId)).toMatchObject({ scope: 'profile create', clientName: 'Quill Test' });
  });

  it('keeps only the scopes the member left ticked', async () => {
    const { verifier, challenge } = pkce();
    const back = await approve(mayaBrowser, authorizeQuery(client, { challenge, scope: 'create update delete' }), ['create']);
    const res = await exchange({ code: back.searchParams.get('code')!, code_verifier: verifier });
    expect(((await res.json()) as { scope: string }).scope).toBe('create');
  });

  it('redeems a code at the authorization endpoint for the profile only, with no token (§5.3.3)', async () => {
    const { code: c, verifier } = await code('profile');
    const res = await exchange({ code: c, code_verifier: verifier }, '/auth');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ me: me(), profile: { name: 'Maya Lin', url: me() } });
  });

  it('gives the profile URL without a profile when the profile scope was not granted', async () => {
    const { code: c, verifier } = await code('');
    const body = (await (await exchange({ code: c, code_verifier: verifier })).json()) as Record<string, unknown>;
    expect(body).toEqual({ me: me() });
  });

  it('refuses a wrong code_verifier, and the code is used up by the attempt', async () => {
    const { code: c, verifier } = await code('create');
    const wrong = await exchange({ code: c, code_verifier: pkce().verifier });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_grant');
    const right = await exchange({ code: c, code_verifier: verifier });
    expect(right.status).toBe(400);
    await right.arrayBuffer();
  });

  it('refuses a missing code_verifier', async () => {
    const { code: c } = await code('create');
    const res = await exchange({ code: c });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('refuses to redeem a code twice, and revokes the token the first redemption got', async () => {
    const { code: c, verifier } = await code('create');
    const first = await exchange({ code: c, code_verifier: verifier });
    expect(first.status).toBe(200);
    const { access_token: token } = (await first.json()) as { access_token: string };
    const works = await fetch(`${server.url}/micropub?q=config`, { headers: { authorization: `Bearer ${token}` } });
    expect(works.status).toBe(200);
    await works.arrayBuffer();
    const again = await exchange({ code: c, code_verifier: verifier });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: string; access_token?: string }).access_token).toBeUndefined();
    const stopped = await fetch(`${server.url}/micropub?q=config`, { headers: { authorization: `Bearer ${token}` } });
    expect(stopped.status).toBe(401);
    await stopped.arrayBuffer();
  });

  it('refuses a code for another client_id or redirect_uri, and an expired code', async () => {
    const a = await code('create');
    const other = await exchange({ code: a.code, code_verifier: a.verifier, client_id: 'https://other.example/' });
    expect(other.status).toBe(400);
    const b = await code('create');
    expect((await exchange({ code: b.code, code_verifier: b.verifier, redirect_uri: `${client.origin}/app/other` })).status).toBe(400);
    const c = await code('create');
    server.app.db.update(indieauthCodes).set({ expiresAt: new Date(Date.now() - 1000) }).run();
    const expired = await exchange({ code: c.code, code_verifier: c.verifier });
    expect(expired.status).toBe(400);
    expect(((await expired.json()) as { error_description: string }).error_description).toContain('expired');
  });

  it('introspects a live token for a caller with a token, and reports a revoked one inactive (§6, §7)', async () => {
    const token = await getToken(server.url, mayaBrowser, client, 'create');
    const caller = await getToken(server.url, mayaBrowser, client, 'profile');
    const anonymous = await appPost(server.url, '/token/introspect', { token });
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
    const live = await appPost(server.url, '/token/introspect', { token }, { authorization: `Bearer ${caller}` });
    expect(await live.json()).toMatchObject({ active: true, me: me(), client_id: client.clientId, scope: 'create' });
    const revoked = await appPost(server.url, '/token/revoke', { token });
    expect(revoked.status).toBe(200);
    await revoked.arrayBuffer();
    const dead = await appPost(server.url, '/token/introspect', { token }, { authorization: `Bearer ${caller}` });
    expect(await dead.json()).toEqual({ active: false });
    const micropub = await fetch(`${server.url}/micropub?q=config`, { headers: { authorization: `Bearer ${token}` } });
    expect(micropub.status).toBe(401);
    await micropub.arrayBuffer();
    const events = server.app.db.select().from(auditEvents).all().map((e) => e.action);
    expect(events).toEqual(expect.arrayContaining(['indieauth.authorized', 'indieauth.denied', 'token.created', 'token.revoked']));
  });
});

describe('who may use apps', () => {
  it('never a guardian: the consent page refuses and no code is made', async () => {
    const guardian = await makeUser(server.app, { role: 'guardian' });
    const res = await signedIn(server.url, server.app, guardian).get(`/auth?${authorizeQuery(client, { challenge: pkce().challenge })}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('guardian account');
    expect(server.app.db.select().from(indieauthCodes).where(eq(indieauthCodes.userId, guardian.id)).all()).toEqual([]);
  });

  it('a student under the school’s age, or of unknown age, is refused; an older one is not; a policy change stops tokens at once', async () => {
    const young = await makeUser(server.app);
    const unknown = await makeUser(server.app);
    const older = await makeUser(server.app);
    const year = new Date().getUTCFullYear();
    server.app.db.update(users).set({ birthYear: year - 12 }).where(eq(users.id, young.id)).run();
    server.app.db.update(users).set({ birthYear: year - 16 }).where(eq(users.id, older.id)).run();
    const olderBrowser = signedIn(server.url, server.app, older);
    const token = await getToken(server.url, olderBrowser, client, 'create');
    setPolicy(server.app, { indieAuthUnderAge: 14 });
    try {
      for (const who of [young, unknown]) {
        const res = await signedIn(server.url, server.app, who).get(`/auth?${authorizeQuery(client, { challenge: pkce().challenge })}`);
        expect(res.status).toBe(403);
        expect(await res.text()).toContain('from the age of 14');
      }
      const ok = await olderBrowser.get(`/auth?${authorizeQuery(client, { challenge: pkce().challenge })}`);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
      setPolicy(server.app, { indieAuthUnderAge: 17 });
      const res = await fetch(`${server.url}/micropub`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: new URLSearchParams({ h: 'entry', content: 'hi' }) });
      expect(res.status).toBe(403);
      await res.arrayBuffer();
    } finally {
      setPolicy(server.app, { indieAuthUnderAge: 0 });
    }
  });
});
