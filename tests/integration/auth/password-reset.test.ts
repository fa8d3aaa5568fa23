import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.ts';
import { sessions, type User } from '../../../src/server/db/schema.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { eq } from 'drizzle-orm';

let server: TestServer;
let admin: User;
let maya: User;
beforeAll(async () => {
  server = await startServer();
  admin = await makeUser(server.app, { handle: 'boss', role: 'admin' });
  maya = await makeUser(server.app, { handle: 'maya' });
});
afterAll(() => server?.stop());

async function signInWith(login: string, password: string) {
  const b = new Browser(server.url);
  const res = await b.postForm('/signin', { login, password });
  return res.status;
}

describe('resetting a forgotten password', () => {
  it('an admin resets it once, sees the new password once, and the student is signed out everywhere', async () => {
    const student = signedIn(server.url, server.app, maya);
    expect((await student.get('/workspace')).status).toBe(200);
    const tab = signedIn(server.url, server.app, admin);
    const ask = await tab.postForm('/admin', { intent: 'reset-password', userId: maya.id });
    expect(ask.status).toBe(303);
    // Nothing happens before the confirmation.
    expect((await student.get('/workspace')).status).toBe(200);
    const res = await tab.postForm(ask.headers.get('location')!, {});
    const html = await res.text();
    const password = html.match(/New password for @maya[^<]*<\/p>\s*<p><strong><code>([^<]+)<\/code>/)?.[1];
    expect(password).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    expect(server.app.db.select().from(sessions).where(eq(sessions.userId, maya.id)).all()).toHaveLength(0);
    expect((await student.get('/workspace')).status).toBe(303);
    expect(await signInWith('maya', 'password-maya')).not.toBe(303);
    expect(await signInWith('maya', password!)).toBe(303);
  });

  it('a student cannot reset anyone', async () => {
    const res = await signedIn(server.url, server.app, maya).postForm('/admin', { intent: 'reset-password', userId: admin.id });
    expect(res.status).toBe(403);
  });

  it('the CLI sets a piped password, and refuses an unknown handle or a short password', async () => {
    const env = { ...process.env, POTLUCK_DATA: server.dataDir };
    expect((await runCli(['user', 'password', '--handle', 'maya'], { env, stdin: 'a brand new passphrase\n' })).code).toBe(0);
    expect(await signInWith('maya', 'a brand new passphrase')).toBe(303);
    const missing = await runCli(['user', 'password', '--handle', 'nobody'], { env, stdin: 'another long passphrase' });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('was not found');
    expect((await runCli(['user', 'password', '--handle', 'maya'], { env, stdin: 'short' })).code).toBe(1);
  });
});
