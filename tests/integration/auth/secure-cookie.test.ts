/**
 * Behind HTTPS (POTLUCK_SITE_URL=https://…) the session cookie is Secure and named with the `__Host-` prefix, so it
 * never travels over plain http and neither a sibling subdomain nor an http page on the host can plant or replace it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HOST_SESSION_COOKIE, SESSION_COOKIE } from '../../../src/server/auth/sessions.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { PASSWORD, makeUser } from './factories.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_SITE_URL: 'https://potluck.school.example' } });
  await makeUser(server.app, 'ada');
});
afterAll(async () => server?.stop());

it('sets a __Host- session cookie: Secure, HttpOnly, SameSite=Lax, Path=/ and no Domain', async () => {
  const res = await new Browser(server.url).postForm('/signin', { login: 'ada', password: PASSWORD });
  expect(res.status).toBe(303);
  const cookies = res.headers.getSetCookie();
  expect(cookies.some((l) => l.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  const line = cookies.find((l) => l.startsWith(`${HOST_SESSION_COOKIE}=`))!;
  expect(line).toMatch(/;\s*Secure/i);
  expect(line).toMatch(/;\s*HttpOnly/i);
  expect(line).toMatch(/;\s*SameSite=Lax/i);
  expect(line).toMatch(/;\s*Path=\/(;|$)/i);
  expect(line).not.toMatch(/Domain=/i);
  // The device cookie follows the same rules.
  expect(cookies.find((l) => l.startsWith('__Host-potluck_device='))).toMatch(/;\s*Secure/i);
});

it('reads the session only from the __Host- cookie: the plain name is ignored on an https site', async () => {
  const b = new Browser(server.url);
  await b.postForm('/signin', { login: 'ada', password: PASSWORD });
  const token = b.cookie(HOST_SESSION_COOKIE)!;
  expect(token).toBeTruthy();
  const plain = await new Browser(server.url).get('/account', { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
  expect(plain.status).toBe(303);
  const hosted = await new Browser(server.url).get('/account', { headers: { cookie: `${HOST_SESSION_COOKIE}=${token}` } });
  expect(hosted.status).toBe(200);
});
