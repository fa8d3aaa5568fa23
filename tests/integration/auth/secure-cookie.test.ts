/** Behind HTTPS (POTLUCK_SITE_URL=https://…) the session cookie is also Secure, so it never travels over plain http. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../../src/server/auth/sessions.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { PASSWORD, makeUser } from './factories.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_SITE_URL: 'https://potluck.school.example' } });
  await makeUser(server.app, 'ada');
});
afterAll(async () => server?.stop());

it('sets a Secure, HttpOnly, SameSite=Lax session cookie when the site is served over https', async () => {
  const res = await new Browser(server.url).postForm('/signin', { login: 'ada', password: PASSWORD });
  expect(res.status).toBe(303);
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`))!;
  expect(line).toMatch(/;\s*Secure/i);
  expect(line).toMatch(/;\s*HttpOnly/i);
  expect(line).toMatch(/;\s*SameSite=Lax/i);
});
