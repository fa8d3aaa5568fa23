/**
 * The audit log against a real server over HTTP: sign-ins, refused access (rate limited, with path and address,
 * never the body), forms from other websites, exports on the web and at the shell, the retention form, deleting an
 * account, /admin/audit for admins only. Then the whole audit table and everything the server printed are scanned
 * for the test's passwords and session tokens, and every line the server printed is one JSON object.
 */
import { and, eq, ne } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBase32IgnorePadding } from '@oslojs/encoding';
import { SESSION_COOKIE } from '../../../src/server/auth/sessions.ts';
import { totpCode, totpStep } from '../../../src/server/auth/totp.ts';
import { getAuditRetentionDays } from '../../../src/server/audit/retention.ts';
import { auditEvents, rateLimits, type AuditEvent, type User } from '../../../src/server/db/schema.ts';
import { runCliProcess } from '../../helpers/cli.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { Browser, exportArchiveOnTheWeb } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let admin: User;
let teacher: User;
let maya: User;
let ada: User;
const tokens: string[] = [];
/** Two-factor secrets, codes and recovery codes shown during the tests. */
const secrets: string[] = [];
const passwords = ['password-boss', 'password-okafor', 'password-maya', 'password-ada'];
const wrongPassword = 'ghp_WrongGuessThatLooksLikeAToken1234567890';

beforeAll(async () => {
  server = await startServer();
  admin = await makeUser(server.app, { handle: 'boss', role: 'admin' });
  teacher = await makeUser(server.app, { handle: 'okafor', role: 'teacher' });
  maya = await makeUser(server.app, { handle: 'maya' });
  ada = await makeUser(server.app, { handle: 'ada' });
  await makeArtifact(server.app, maya, { title: 'River walk', slug: 'river-walk', visibility: 'public', body: 'We walked.' });
});
afterAll(async () => server?.stop());

const events = (action: string): AuditEvent[] => server.app.db.select().from(auditEvents).where(eq(auditEvents.action, action)).all();

/** Signs in through the real form, as a person would; keeps the session token for the scan at the end. */
async function signIn(handle: string): Promise<Browser> {
  server.app.db.delete(rateLimits).run();
  const browser = new Browser(server.url);
  const res = await browser.postForm('/signin', { login: handle, password: `password-${handle}` });
  expect(res.status, `signing in as ${handle}`).toBe(303);
  const token = browser.cookie(SESSION_COOKIE);
  expect(token).toBeTruthy();
  tokens.push(token!);
  return browser;
}

describe('sign-in and refused access', () => {
  it('a failed sign-in is recorded without the password typed', async () => {
    server.app.db.delete(rateLimits).run();
    const res = await new Browser(server.url).postForm('/signin', { login: 'maya', password: wrongPassword });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(events('signin.failed').length).toBeGreaterThanOrEqual(1);
  });

  it('a student opening admin pages gets 403, recorded once a minute per path with the address and who it was', async () => {
    const student = await signIn('ada');
    for (let i = 0; i < 5; i++) expect((await student.get('/admin/audit')).status).toBe(403);
    expect((await student.get('/admin/audit?page=2')).status).toBe(403);
    const refused = events('access.refused').filter((e) => e.subjectId === '/admin/audit');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ outcome: 'refused', actorHandle: 'ada', address: '127.0.0.1', details: { method: 'GET', path: '/admin/audit' } });
    // With no trusted proxy configured, a forwarded address is the sender's own claim: ignored.
    expect((await student.get('/admin/policy', { headers: { 'x-forwarded-for': '198.51.100.77' } })).status).toBe(403);
    expect(events('access.refused').find((e) => e.subjectId === '/admin/policy')).toMatchObject({ address: '127.0.0.1' });
  });

  it('a form sent from another website is refused and recorded, without its body', async () => {
    const student = await signIn('maya');
    const res = await student.postForm('/account/consent', { intent: 'give', agree: 'on', note: 'body-marker-5521' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    const [event] = events('access.cross_site');
    expect(event).toMatchObject({ outcome: 'refused', address: '127.0.0.1', details: { method: 'POST', path: '/account/consent' } });
    expect(JSON.stringify(event)).not.toContain('body-marker-5521');
  });
});

describe('consent and policy', () => {
  it('a student recording and withdrawing consent to publish publicly; an unticked box is refused and records nothing', async () => {
    const student = await signIn('maya');
    const unticked = await student.postForm('/account/consent', { intent: 'give' });
    expect(unticked.status).toBe(400);
    expect(await unticked.text()).toContain('Tick the box to agree');
    expect(events('account.consent_given')).toHaveLength(0);
    expect((await student.postForm('/account/consent', { intent: 'give', agree: 'on' })).status).toBe(303);
    expect((await student.postForm('/account/consent', { intent: 'withdraw' })).status).toBe(303);
    expect(events('account.consent_given')[0]).toMatchObject({ actorHandle: 'maya', subjectHandle: 'maya', address: '127.0.0.1' });
    expect(events('account.consent_withdrawn')).toHaveLength(1);
  });

  it('an admin changing the school policy: which settings changed, from what to what', async () => {
    const browser = await signIn('boss');
    const res = await browser.postForm('/admin/policy', { defaultVisibility: 'private', schoolName: '' });
    expect(res.status).toBe(303);
    const [event] = events('policy.changed');
    expect(event).toMatchObject({ actorHandle: 'boss', address: '127.0.0.1' });
    expect(event.details).toEqual({ defaultVisibility: { from: 'members', to: 'private' } });
  });
});

describe('/admin/audit', () => {
  it('is for admins only: signed out goes to sign in, students and teachers get 403', async () => {
    const anonymous = await new Browser(server.url).get('/admin/audit');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/signin\?next=/);
    expect((await (await signIn('okafor')).get('/admin/audit')).status).toBe(403);
    expect((await (await signIn('maya')).get('/admin/audit')).status).toBe(403);
  });

  it('shows admins the events newest first, filtered by handle, action and date, and says what is wrong with a bad filter', async () => {
    const browser = await signIn('boss');
    const all = await browser.get('/admin/audit');
    expect(all.status).toBe(200);
    const html = await all.text();
    expect(html).toContain('Refused: not allowed (403)');
    expect(html).toContain('data-label="When"');
    const byAda = await (await browser.get('/admin/audit?handle=ada&action=access')).text();
    expect(byAda).toContain('/admin/audit');
    expect(byAda).not.toContain('/account/consent');
    expect(byAda).toMatch(/2 events,/);
    const future = await (await browser.get('/admin/audit?since=2999-01-01')).text();
    expect(future).toContain('No events match.');
    const bad = await browser.get('/admin/audit?since=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('must be a date like 2026-09-01');
  });

  it('pages through many events 50 at a time, keeping the filter in the links', async () => {
    const start = Date.UTC(2026, 0, 10);
    for (let i = 0; i < 55; i++) {
      server.app.db.insert(auditEvents).values({ id: `hub-${i}`, at: new Date(start + i * 1000), action: 'hub.deleted', subjectType: 'hub', subjectId: `h${i}`, details: {} }).run();
    }
    const browser = await signIn('boss');
    const first = await (await browser.get('/admin/audit?action=hub.deleted')).text();
    expect(first).toContain('55 events, newest first; page 1 of 2.');
    expect(first).toContain('hub h54');
    expect(first).not.toContain('hub h4<');
    expect(first).toContain('href="/admin/audit?action=hub.deleted&amp;page=2"');
    const second = await (await browser.get('/admin/audit?action=hub.deleted&page=2')).text();
    expect(second).toContain('page 2 of 2.');
    expect(second).toContain('hub h4<');
    expect(second).toContain('rel="prev" href="/admin/audit?action=hub.deleted"');
  });

  it('the retention form on the policy page sets the days; a bad value gets 400 with a reason and changes nothing', async () => {
    const browser = await signIn('boss');
    const policy = await (await browser.get('/admin/policy')).text();
    expect(policy).toContain('name="auditRetentionDays"');
    expect(policy).toContain('value="365"');
    const bad = await browser.postForm('/admin/audit', { intent: 'retention', auditRetentionDays: '5' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('at least 30 days');
    expect(getAuditRetentionDays(server.app)).toBe(365);
    const ok = await browser.postForm('/admin/audit', { intent: 'retention', auditRetentionDays: '400' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/admin/policy?retention=saved#audit-retention');
    expect(getAuditRetentionDays(server.app)).toBe(400);
    expect(await (await browser.get('/admin/audit')).text()).toContain('Events are kept 400 days (');
    expect(events('audit.retention_changed')[0]).toMatchObject({ actorHandle: 'boss', address: '127.0.0.1', details: { from: 365, to: 400 } });
    const student = await signIn('maya');
    expect((await student.postForm('/admin/audit', { intent: 'retention', auditRetentionDays: '30' })).status).toBe(403);
    expect(getAuditRetentionDays(server.app)).toBe(400);
  });
});

describe('exports', () => {
  it('"Download my site" and "Export everything" on the web, by the student, from their address', async () => {
    const browser = await signIn('maya');
    const site = await browser.postForm('/workspace/site', { base: '' });
    expect(site.status).toBe(200);
    await site.arrayBuffer();
    const { download: archive } = await exportArchiveOnTheWeb(browser);
    expect(archive.status).toBe(200);
    await archive.arrayBuffer();
    await expect.poll(() => events('export.archive').length).toBe(1);
    expect(events('export.site')[0]).toMatchObject({ actorHandle: 'maya', subjectHandle: 'maya', address: '127.0.0.1' });
    expect(events('export.archive')[0]).toMatchObject({ actorHandle: 'maya', subjectHandle: 'maya', address: '127.0.0.1' });
  });

  it('potluck export and potluck site at the shell: by the operator, from cli', async () => {
    const out = server.dataDir + '/maya-export';
    const archive = await runCliProcess(server, ['export', '--handle', 'maya', '--out', `${out}.zip`]);
    expect(archive.code, archive.err).toBe(0);
    const site = await runCliProcess(server, ['site', '--handle', 'maya', '--out', `${out}-site`]);
    expect(site.code, site.err).toBe(0);
    const fromCli = (action: string) => events(action).filter((e) => e.address === 'cli');
    expect(fromCli('export.archive')).toHaveLength(1);
    expect(fromCli('export.site')).toHaveLength(1);
    expect(fromCli('export.archive')[0]).toMatchObject({ actorId: null, subjectHandle: 'maya' });
  });
});

describe('deleting one’s own account', () => {
  it('keeps the events, drops the handle and addresses; the deletion names the person by id only', async () => {
    const browser = await signIn('ada');
    const before = server.app.db.select().from(auditEvents).where(eq(auditEvents.actorId, ada.id)).all();
    expect(before.length).toBeGreaterThan(0);
    const res = await browser.postForm('/account/delete', { confirmHandle: 'ada', password: 'password-ada' });
    expect(res.status).toBe(200);
    const deleted = server.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'account.deleted')).get()!;
    expect(deleted).toMatchObject({ subjectHandle: null, actorHandle: null, address: null, details: { by: 'owner' } });
    // Her id is now a new one that leads nowhere; the same events are there, none with her handle or address.
    const alias = deleted.subjectUserId!;
    expect(alias).not.toBe(ada.id);
    const after = server.app.db.select().from(auditEvents).where(and(eq(auditEvents.actorId, alias), ne(auditEvents.action, 'account.deleted'))).all();
    expect(after.map((e) => e.id).sort()).toEqual(before.map((e) => e.id).sort());
    for (const e of after) expect(e).toMatchObject({ actorHandle: null, address: null, details: {} });
    const all = JSON.stringify(server.app.db.select().from(auditEvents).all());
    expect(all).not.toContain('"ada"');
    expect(all).not.toContain(ada.id);
  });
});

describe('nothing secret is written anywhere', () => {
  it('turning two-factor sign-in on is recorded; its secret and recovery codes are kept for the scan below', async () => {
    const browser = await signIn('okafor');
    const page = await (await browser.get('/account/two-factor')).text();
    const shown = page.match(/<code id="totp-key">([A-Z2-7 ]+)<\/code>/)?.[1];
    expect(shown).toBeTruthy();
    const key = decodeBase32IgnorePadding(shown!.replace(/ /g, ''));
    secrets.push(shown!.replace(/ /g, ''), shown!);
    const code = totpCode(key, totpStep(new Date()));
    const ok = await browser.postForm('/account/two-factor', { intent: 'enable', password: 'password-okafor', code });
    expect(ok.status).toBe(200);
    const recovery = [...(await ok.text()).matchAll(/<li><code>([a-z2-9]{5}-[a-z2-9]{5})<\/code><\/li>/g)].map((m) => m[1]);
    expect(recovery.length).toBeGreaterThan(0);
    // (The six-digit code itself is left out of the scan: used once, it is worthless, and six digits can turn up
    // by chance inside any time or id.)
    secrets.push(...recovery);
    expect(events('2fa.enabled')[0]).toMatchObject({ actorHandle: 'okafor', address: '127.0.0.1' });
  });

  it('the audit table and the server’s output hold none of the passwords or session tokens; every output line is JSON', async () => {
    const table = JSON.stringify(server.app.db.select().from(auditEvents).all());
    const output = server.output();
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    expect(secrets.length).toBeGreaterThan(3);
    for (const secret of [...passwords, wrongPassword, ...tokens, ...secrets]) {
      expect(table, 'audit table').not.toContain(secret);
      expect(output, 'server output').not.toContain(secret);
    }
    const lines = output.split('\n').filter((l) => l.trim());
    expect(lines.some((l) => l.includes('Potluck is running at'))).toBe(true);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(parsed).slice(0, 3)).toEqual(['time', 'level', 'message']);
      expect(new Date(String(parsed.time)).toISOString()).toBe(parsed.time);
    }
  });
});
