/**
 * /account/apps and `potluck token create`: a member sees the apps they allowed (name, client, what each may do,
 * when, last used) and revokes one, which stops its token at once; nobody revokes another member's app; the CLI
 * prints a token once and keeps only its hash; every step is in the audit log.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokens, auditEvents, type User } from '../../../src/server/db/schema.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { getToken, startClientApp, type ClientApp } from './helpers.ts';

let server: TestServer;
let client: ClientApp;
let maya: User;
let theo: User;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_ALLOW_PRIVATE_NETWORKS: '1', POTLUCK_SITE_URL: 'http://potluck.test' } });
  client = await startClientApp('Sparkles Notes');
  maya = await makeUser(server.app, { handle: 'maya' });
  theo = await makeUser(server.app, { handle: 'theo' });
}, 120_000);
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const micropubConfig = (token: string) => fetch(`${server.url}/micropub?q=config`, { headers: { authorization: `Bearer ${token}` } });

describe('/account/apps', () => {
  it('lists an authorized app with its name, client, scopes in words and dates; Revoke stops the token at once', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const token = await getToken(server.url, browser, client, 'create media');
    const used = await micropubConfig(token);
    expect(used.status).toBe(200);
    await used.arrayBuffer();

    const page = await browser.get('/account/apps');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Sparkles Notes');
    expect(html).toContain(new URL(client.clientId).host);
    expect(html).toContain('Write new pieces in your portfolio');
    expect(html).toContain('Upload pictures and files');
    const today = new Date().toISOString().slice(0, 10);
    expect(html).toContain(`allowed ${today}`);
    expect(html).toContain(`last used ${today}`);

    const row = server.app.db.select().from(accessTokens).where(eq(accessTokens.userId, maya.id)).get()!;
    const revoke = await browser.postForm('/account/apps', { token: row.id });
    expect(revoke.status).toBe(303);
    const after = await micropubConfig(token);
    expect(after.status).toBe(401);
    await after.arrayBuffer();
    expect(await (await browser.get('/account/apps')).text()).not.toContain('Revoke Sparkles Notes');
    const events = server.app.db.select().from(auditEvents).where(eq(auditEvents.subjectId, row.id)).all().map((e) => e.action);
    expect(events).toEqual(expect.arrayContaining(['token.created', 'token.revoked']));
  });

  it('another member cannot revoke (or see) Maya’s app: 404, and the token keeps working', async () => {
    const token = await getToken(server.url, signedIn(server.url, server.app, maya), client, 'create');
    const row = server.app.db.select().from(accessTokens).where(eq(accessTokens.userId, maya.id)).all().find((t) => !t.revokedAt)!;
    const theoBrowser = signedIn(server.url, server.app, theo);
    expect(await (await theoBrowser.get('/account/apps')).text()).not.toContain('Sparkles Notes');
    const res = await theoBrowser.postForm('/account/apps', { token: row.id });
    expect(res.status).toBe(404);
    await res.arrayBuffer();
    expect(server.app.db.select().from(accessTokens).where(eq(accessTokens.id, row.id)).get()?.revokedAt).toBeNull();
    const still = await micropubConfig(token);
    expect(still.status).toBe(200);
    await still.arrayBuffer();
  });

  it('a revoke posted from another site is refused and changes nothing', async () => {
    const browser = signedIn(server.url, server.app, maya);
    await getToken(server.url, browser, client, 'create');
    const row = server.app.db.select().from(accessTokens).where(eq(accessTokens.userId, maya.id)).all().find((t) => !t.revokedAt)!;
    const res = await browser.postForm('/account/apps', { token: row.id }, { origin: 'https://attacker.example' });
    expect(res.status).toBe(403);
    await res.arrayBuffer();
    expect(server.app.db.select().from(accessTokens).where(eq(accessTokens.id, row.id)).get()?.revokedAt).toBeNull();
  });
});

describe('potluck token create', () => {
  const env = () => ({ POTLUCK_DATA: server.dataDir, POTLUCK_SITE_URL: 'http://potluck.test' });

  it('prints a working token once (JSON too), stores only its hash, and audits it', async () => {
    const result = await runCli(['token', 'create', '--handle', 'maya', '--scope', 'create update', '--days', '7', '--json'], { env: env() });
    expect(result.code, result.err).toBe(0);
    const out = JSON.parse(result.out) as { token: string; handle: string; scope: string; expiresAt: string; micropub: string };
    expect(out).toMatchObject({ handle: 'maya', scope: 'create update', micropub: 'http://potluck.test/micropub' });
    expect(new Date(out.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 86400_000);
    expect(new Date(out.expiresAt).getTime() - Date.now()).toBeLessThan(7.1 * 86400_000);
    const rows = server.app.db.select().from(accessTokens).all();
    expect(rows.some((r) => JSON.stringify(r).includes(out.token))).toBe(false);
    const res = await fetch(`${server.url}/micropub`, { method: 'POST', headers: { authorization: `Bearer ${out.token}` }, body: new URLSearchParams({ h: 'entry', content: 'From a script' }) });
    expect(res.status).toBe(201);
    const audit = server.app.db.select().from(auditEvents).all().filter((e) => e.action === 'token.created' && e.subjectHandle === 'maya');
    expect(audit.some((e) => (e.details as { via?: string }).via === 'cli')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(out.token);
  });

  it('refuses an unknown scope, an unknown handle, bad --days and a guardian, with a clear message and no token', async () => {
    const before = server.app.db.select().from(accessTokens).all().length;
    const scope = await runCli(['token', 'create', '--handle', 'maya', '--scope', 'create admin'], { env: env() });
    expect(scope.code).not.toBe(0);
    expect(scope.err).toContain('Unknown scope “admin”');
    const handle = await runCli(['token', 'create', '--handle', 'nobody', '--scope', 'create'], { env: env() });
    expect(handle.code).not.toBe(0);
    expect(handle.err).toContain('No account has the handle');
    const days = await runCli(['token', 'create', '--handle', 'maya', '--scope', 'create', '--days', '0'], { env: env() });
    expect(days.code).not.toBe(0);
    expect(days.err).toContain('--days');
    await makeUser(server.app, { handle: 'grace-parent', role: 'guardian' });
    const guardian = await runCli(['token', 'create', '--handle', 'grace-parent', '--scope', 'create'], { env: env() });
    expect(guardian.code).not.toBe(0);
    expect(guardian.err).toContain('guardian account');
    expect(server.app.db.select().from(accessTokens).all().length).toBe(before);
  });
});

describe('the school policy setting', () => {
  it('an admin sets the IndieAuth age on /admin/policy; it is saved, shown again and audited', async () => {
    const admin = await makeUser(server.app, { role: 'admin' });
    const browser = signedIn(server.url, server.app, admin);
    const page = await (await browser.get('/admin/policy')).text();
    expect(page).toContain('name="indieAuthUnderAge"');
    const res = await browser.postForm('/admin/policy', { defaultVisibility: 'members', schoolName: '', digestOnlyUnderAge: '18', indieAuthUnderAge: '13' });
    expect(res.status).toBe(303);
    const { getPolicy } = await import('../../../src/server/policy.ts');
    expect(getPolicy(server.app).indieAuthUnderAge).toBe(13);
    expect(await (await browser.get('/admin/policy')).text()).toMatch(/name="indieAuthUnderAge"[^>]*value="13"|value="13"[^>]*name="indieAuthUnderAge"/);
    const changed = server.app.db.select().from(auditEvents).all().filter((e) => e.action === 'policy.changed').at(-1)!;
    expect(changed.details).toMatchObject({ indieAuthUnderAge: { from: 0, to: 13 } });
    const bad = await browser.postForm('/admin/policy', { defaultVisibility: 'members', digestOnlyUnderAge: '18', indieAuthUnderAge: '99' });
    expect(bad.status).toBe(400);
    expect(getPolicy(server.app).indieAuthUnderAge).toBe(13);
    // A student cannot change it.
    const student = signedIn(server.url, server.app, maya);
    const refused = await student.postForm('/admin/policy', { defaultVisibility: 'members', indieAuthUnderAge: '0' });
    expect(refused.status).toBe(403);
    expect(getPolicy(server.app).indieAuthUnderAge).toBe(13);
  });
});
