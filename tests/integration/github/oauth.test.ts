/**
 * "Sign in with GitHub" where the instance has an OAuth app: the state cookie, the code exchange at the token
 * endpoint (a loopback authorization server speaking GitHub's documented token exchange), and the token then checked
 * with GET /user against the local GitHub held to GitHub's description.
 */
import { eq } from 'drizzle-orm';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubConnections, type User } from '../../../src/server/db/schema.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { startGitHubServer, type GitHubTestServer } from '../../helpers/githubServer.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

const CLIENT_ID = 'Iv1.potlucktestclient';
const CLIENT_SECRET = 'potluck-test-client-secret';
const GOOD_CODE = 'code-from-github';
const TOKEN = 'gho_' + 'a'.repeat(36);

let gh: GitHubTestServer;
let oauthServer: http.Server;
let oauthUrl: string;
let server: TestServer;
let maya: User;
const exchanges: URLSearchParams[] = [];

beforeAll(async () => {
  gh = await startGitHubServer();
  gh.addToken(TOKEN, { login: 'maya-gh', scopes: ['repo'] });
  // GitHub's token endpoint: POST form (client credentials in Basic auth or the body) -> JSON when asked for.
  oauthServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      exchanges.push(form);
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const [id, secret] = basic ? basic.split(':').map(decodeURIComponent) : [form.get('client_id'), form.get('client_secret')];
      res.setHeader('content-type', 'application/json');
      if (req.method !== 'POST' || req.url !== '/login/oauth/access_token' || id !== CLIENT_ID || secret !== CLIENT_SECRET) {
        res.statusCode = 401;
        return res.end(JSON.stringify({ error: 'invalid_client' }));
      }
      if (form.get('grant_type') !== 'authorization_code' || form.get('code') !== GOOD_CODE) {
        res.statusCode = 400;
        return res.end(JSON.stringify({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' }));
      }
      res.end(JSON.stringify({ access_token: TOKEN, token_type: 'bearer', scope: 'repo' }));
    });
  });
  await new Promise<void>((resolve) => oauthServer.listen(0, '127.0.0.1', resolve));
  oauthUrl = `http://127.0.0.1:${(oauthServer.address() as AddressInfo).port}`;
  server = await startServer({
    env: {
      GITHUB_API_URL: gh.url,
      POTLUCK_GITHUB_CLIENT_ID: CLIENT_ID,
      POTLUCK_GITHUB_CLIENT_SECRET: CLIENT_SECRET,
      POTLUCK_GITHUB_OAUTH_URL: oauthUrl,
    },
  });
  maya = await makeUser(server.app, { handle: 'maya' });
});
afterAll(async () => {
  await server?.stop();
  await gh?.close();
  oauthServer?.close();
});

const connection = () => server.app.db.select().from(githubConnections).where(eq(githubConnections.userId, maya.id)).get();

describe('sign in with GitHub', () => {
  it('offers “Sign in with GitHub” when the instance has an OAuth app', async () => {
    const page = await (await signedIn(server.url, server.app, maya).get('/workspace/publish')).text();
    expect(page).toContain('Sign in with GitHub');
  });

  it('sends the student to GitHub with a state, and refuses a callback whose state is not this browser’s', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const start = await browser.postForm('/workspace/publish/github/start', {});
    expect(start.status).toBe(303);
    const to = new URL(start.headers.get('location')!);
    expect(to.origin + to.pathname).toBe(`${oauthUrl}/login/oauth/authorize`);
    expect(to.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(to.searchParams.get('scope')).toBe('repo');
    expect(to.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/workspace\/publish\/github\/callback$/);
    const state = to.searchParams.get('state')!;
    expect(state.length).toBeGreaterThan(20);

    // An attacker's own code and state, delivered to the student's browser: refused, nothing stored.
    const forged = await browser.get(`/workspace/publish/github/callback?code=${GOOD_CODE}&state=someone-elses-state`);
    expect(forged.status).toBe(400);
    expect(connection()).toBeUndefined();
    expect(exchanges).toHaveLength(0);
  });

  it('exchanges the code, checks the token with GitHub and keeps it sealed', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const start = await browser.postForm('/workspace/publish/github/start', {});
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const done = await browser.get(`/workspace/publish/github/callback?code=${GOOD_CODE}&state=${state}`);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/workspace/publish?connected=1');
    const row = connection();
    expect(row).toMatchObject({ login: 'maya-gh', tokenKind: 'oauth' });
    expect(row!.tokenSealed).not.toContain(TOKEN);
    expect(exchanges.at(-1)?.get('code')).toBe(GOOD_CODE);
    // The state is single-use: the same callback again is refused.
    expect((await browser.get(`/workspace/publish/github/callback?code=${GOOD_CODE}&state=${state}`)).status).toBe(400);
  });

  it('says so plainly when GitHub refuses the code, and stores nothing new', async () => {
    const theo = await makeUser(server.app, { handle: 'theo' });
    const browser = signedIn(server.url, server.app, theo);
    const start = await browser.postForm('/workspace/publish/github/start', {});
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const res = await browser.get(`/workspace/publish/github/callback?code=expired-code&state=${state}`);
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('the code may have expired');
    expect(server.app.db.select().from(githubConnections).where(eq(githubConnections.userId, theo.id)).get()).toBeUndefined();
  });
});
