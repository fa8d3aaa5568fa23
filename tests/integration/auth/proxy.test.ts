// Behind a reverse proxy (POTLUCK_TRUSTED_PROXIES), sign-in failures are counted per client, from X-Forwarded-For,
// so one school's proxy does not put every student in one counter, and a client cannot pick its own address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../../helpers/http.ts';
import { makeUser } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

const PASSWORD = 'password-ada';
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_TRUSTED_PROXIES: 'loopback, 10.0.0.0/8' } });
  // makeUser gives each account the password `password-<handle>`.
  await makeUser(server.app, { handle: 'ada' });
});
afterAll(() => server?.stop());

const signIn = (forwardedFor: string, password: string, login = 'ada') =>
  new Browser(server.url).postForm('/signin', { login, password }, { headers: { 'x-forwarded-for': forwardedFor } });

describe('sign-in limits behind a trusted proxy', () => {
  it('counts each client apart, by the address the proxy saw', async () => {
    for (let i = 0; i < 50; i++) expect((await signIn('203.0.113.7', 'wrong guess', `guess${i}`)).status).toBe(401);
    const limited = await signIn('203.0.113.7', PASSWORD);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('Too many sign-in attempts from this network');
    // Another student behind the same proxy signs in.
    expect((await signIn('198.51.100.20', PASSWORD)).status).toBe(303);
  });

  it('believes only the proxies: an address the client wrote itself sits further left and is ignored', async () => {
    // The client sent "X-Forwarded-For: 198.51.100.20"; the proxy appended the address it really came from.
    expect((await signIn('198.51.100.20, 203.0.113.7', PASSWORD)).status).toBe(429);
    // A chain of trusted proxies (10.x) is walked past to the client.
    expect((await signIn('203.0.113.7, 10.1.2.3', PASSWORD)).status).toBe(429);
    // Garbage ends the chain at the last real address before it.
    expect((await signIn('not-an-address, 198.51.100.20', PASSWORD)).status).toBe(303);
  });
});
