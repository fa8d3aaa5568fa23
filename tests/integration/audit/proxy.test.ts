/**
 * Behind a trusted reverse proxy (POTLUCK_TRUSTED_PROXIES=loopback), the audit log records the address the proxy
 * saw (X-Forwarded-For, read from the right), for sign-ins and refused requests alike.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditEvents } from '../../../src/server/db/schema.ts';
import { makeUser } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_TRUSTED_PROXIES: 'loopback' } });
  await makeUser(server.app, { handle: 'ada' });
});
afterAll(async () => server?.stop());

it('records the client address the proxy names, not the proxy’s', async () => {
  const browser = new Browser(server.url);
  // A spoofed first hop is ignored: the proxy appends the address it saw, and that one is read from the right.
  const forwarded = { 'x-forwarded-for': '10.9.9.9, 203.0.113.5' };
  const signin = await browser.postForm('/signin', { login: 'ada', password: 'password-ada' }, { headers: forwarded });
  expect(signin.status).toBe(303);
  expect((await browser.get('/admin', { headers: forwarded })).status).toBe(403);
  const refused = server.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'access.refused')).all();
  expect(refused).toHaveLength(1);
  expect(refused[0]).toMatchObject({ address: '203.0.113.5', actorHandle: 'ada' });
  const signedIn = server.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'signin.succeeded')).get();
  expect(signedIn).toMatchObject({ address: '203.0.113.5' });
});
