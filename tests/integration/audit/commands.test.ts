/**
 * The audit log through the real commands on a real SQLite file: each event kind this part records is written once
 * by doing the real thing, with who, what, when and from where; retention removes old events only; deleting an
 * account keeps its events but drops its handle and details; refused requests are rate limited; nothing secret is
 * ever written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteAccount } from '../../../src/commands/accountDeleter.ts';
import { deleteArtifact } from '../../../src/commands/artifactDeleter.ts';
import { listAuditEvents } from '../../../src/commands/auditLister.ts';
import { pruneAuditLog } from '../../../src/commands/auditPruner.ts';
import { setAuditRetention } from '../../../src/commands/auditRetentionSetter.ts';
import { deleteHub } from '../../../src/commands/hubDeleter.ts';
import { leaveHub, removeHubMember } from '../../../src/commands/hubMemberRemover.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { revokeJoinCode } from '../../../src/commands/joinCodeRevoker.ts';
import { deleteShowcase, saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import { AUDIT_ACTION_NAMES } from '../../../src/core/audit.ts';
import { recordAudit } from '../../../src/server/audit/auditLog.ts';
import { recordRefusedAccess } from '../../../src/server/audit/refusedAccess.ts';
import { getAuditRetentionDays } from '../../../src/server/audit/retention.ts';
import { withAuditScope } from '../../../src/server/audit/scope.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { auditEvents, type AuditEvent } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

let app: AppContext;
let clock: Date;

beforeEach(() => {
  app = createTestApp();
  clock = new Date('2026-10-01T09:00:00Z');
  app.now = () => clock;
});
afterEach(() => app.db.$client.close());

const events = (action?: string): AuditEvent[] =>
  (action ? app.db.select().from(auditEvents).where(eq(auditEvents.action, action)) : app.db.select().from(auditEvents)).all();
const only = (action: string): AuditEvent => {
  const found = events(action);
  expect(found, `exactly one ${action} event`).toHaveLength(1);
  return found[0];
};

describe('each event kind, recorded by doing the real thing', () => {
  it('accounts: created, disabled and enabled again, by the admin who did it, from the request’s address', async () => {
    const admin = await makeUser(app, { handle: 'boss', role: 'admin' });
    const ada = await makeUser(app, { handle: 'ada' });
    const created = events('account.created').find((e) => e.subjectHandle === 'ada')!;
    expect(created).toMatchObject({ subjectUserId: ada.id, subjectType: 'user', subjectId: ada.id, outcome: 'ok' });
    expect(created.details).toEqual({ role: 'student' });

    withAuditScope({ address: '203.0.113.7' }, () => setUserDisabled(app, { userId: ada.id, disabled: true, actor: admin }));
    expect(only('account.disabled')).toMatchObject({ actorId: admin.id, actorHandle: 'boss', subjectHandle: 'ada', address: '203.0.113.7' });
    withAuditScope({ address: 'cli' }, () => setUserDisabled(app, { handle: 'ada', disabled: false, actor: null }));
    expect(only('account.enabled')).toMatchObject({ actorId: null, subjectHandle: 'ada', address: 'cli' });
    // Asking for the state it already has changes nothing, and records nothing.
    setUserDisabled(app, { handle: 'ada', disabled: false, actor: null });
    expect(events('account.enabled')).toHaveLength(1);
  });

  it('join codes: created and revoked, naming the code by its last four characters only', async () => {
    const admin = await makeUser(app, { handle: 'boss', role: 'admin' });
    const code = createJoinCode(app, { role: 'teacher', createdBy: admin.id });
    const made = only('joincode.created');
    expect(made).toMatchObject({ actorHandle: 'boss', subjectType: 'joincode', subjectId: `…${code.code.slice(-4)}` });
    expect(made.details).toMatchObject({ role: 'teacher', maxUses: 1 });
    revokeJoinCode(app, { code: code.code, actor: admin });
    expect(only('joincode.revoked')).toMatchObject({ actorHandle: 'boss', subjectId: `…${code.code.slice(-4)}` });
    expect(JSON.stringify(events())).not.toContain(code.code);
  });

  it('hubs: a member removed by the teacher, a member leaving, and the hub deleted', async () => {
    const teacher = await makeUser(app, { handle: 'okafor', role: 'teacher' });
    const ada = await makeUser(app, { handle: 'ada' });
    const theo = await makeUser(app, { handle: 'theo' });
    const hubId = makeHub(app, { teacher, students: [ada, theo], slug: 'english-10' });
    removeHubMember(app, { actor: teacher, hubId, userId: ada.id });
    leaveHub(app, { userId: theo.id, hubId });
    const removed = events('hub.member.removed');
    expect(removed.map((e) => [e.actorHandle, e.subjectHandle, e.details.by])).toEqual(
      expect.arrayContaining([
        ['okafor', 'ada', 'teacher'],
        ['theo', 'theo', 'member'],
      ]),
    );
    expect(removed).toHaveLength(2);
    deleteHub(app, { actor: teacher, hubId, confirm: 'english-10' });
    expect(only('hub.deleted')).toMatchObject({ actorHandle: 'okafor', subjectType: 'hub', subjectId: hubId });
  });

  it('a student deleting an artifact and a showcase: the ids are kept, never the title', async () => {
    const ada = await makeUser(app, { handle: 'ada' });
    const piece = await makeArtifact(app, ada, { title: 'My secret diary entry' });
    const showcase = await saveShowcase(app, { ownerId: ada.id, input: { title: 'Grade 10 best', visibility: 'private' } });
    deleteArtifact(app, { ownerId: ada.id, artifactId: piece.id });
    deleteShowcase(app, { ownerId: ada.id, showcaseId: showcase.id });
    expect(only('artifact.deleted')).toMatchObject({ actorHandle: 'ada', subjectId: piece.id, details: {} });
    expect(only('showcase.deleted')).toMatchObject({ actorHandle: 'ada', subjectId: showcase.id });
    expect(JSON.stringify(events())).not.toContain('secret diary');
  });

  it('a refused request: recorded with its path and address, at most once a minute per address and path', () => {
    const refuse = (address: string, path = '/admin') => recordRefusedAccess(app, { kind: 'access.refused', method: 'GET', path, address });
    expect(refuse('198.51.100.1')).toBe(true);
    for (let i = 0; i < 50; i++) expect(refuse('198.51.100.1')).toBe(false);
    expect(refuse('198.51.100.2')).toBe(true);
    expect(refuse('198.51.100.1', '/admin/audit')).toBe(true);
    expect(events('access.refused')).toHaveLength(3);
    clock = new Date(clock.getTime() + 61_000);
    expect(refuse('198.51.100.1')).toBe(true);
    expect(events('access.refused')).toHaveLength(4);
    expect(events('access.refused')[0]).toMatchObject({ outcome: 'refused', subjectType: 'path', subjectId: '/admin', address: '198.51.100.1', details: { method: 'GET', path: '/admin' } });
  });

  it('a flood of forged forms on ever-new paths: at most 20 events a minute from one address, 120 in all', () => {
    clock = new Date('2026-10-01T10:00:00Z');
    const forge = (address: string, i: number) => recordRefusedAccess(app, { kind: 'access.cross_site', method: 'POST', path: `/x${i}`, address });
    let recorded = 0;
    for (let i = 0; i < 500; i++) if (forge('203.0.113.66', i)) recorded++;
    expect(recorded).toBe(20);
    for (let a = 0; a < 50; a++) for (let i = 0; i < 10; i++) forge(`2001:db8::${a}`, i);
    expect(events('access.cross_site')).toHaveLength(120);
    // The next minute, an address is heard again.
    clock = new Date(clock.getTime() + 60_000);
    expect(forge('203.0.113.66', 9999)).toBe(true);
  });

  it('every event name is unique, written in the documented shape, and recorded somewhere in the code', () => {
    expect(new Set(AUDIT_ACTION_NAMES).size).toBe(AUDIT_ACTION_NAMES.length);
    for (const name of AUDIT_ACTION_NAMES) expect(name).toMatch(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/);
    // The list is the vocabulary the admin page filters on: a name nothing records would be a filter that never matches.
    const src = path.resolve(import.meta.dirname, '..', '..', '..', 'src');
    const code = fs
      .readdirSync(src, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|astro)$/.test(f) && f !== path.join('core', 'audit.ts'))
      .map((f) => fs.readFileSync(path.join(src, f), 'utf8'))
      .join('\n');
    const unrecorded = AUDIT_ACTION_NAMES.filter((name) => !code.includes(`'${name}'`));
    expect(unrecorded).toEqual([]);
  });
});

describe('secrets never reach the log', () => {
  it('redacts secret-named details at any depth and credentials inside strings', () => {
    recordAudit(app, {
      action: 'publish.github',
      details: {
        password: 'hunter2-hunter2',
        nested: { githubToken: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', list: [{ totpSecret: 'JBSWY3DPEHPK3PXP' }] },
        reason: 'GitHub said Bad credentials for token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
        url: 'https://example.test/callback?code=abc123&state=xyz',
      },
    });
    const text = JSON.stringify(only('publish.github'));
    for (const secret of ['hunter2', 'ghp_abc', 'JBSWY3DP', 'github_pat_11', 'code=abc123']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(text).toContain('Bad credentials');
  });
});

describe('retention', () => {
  it('is 365 days unless an admin chooses; a bad value is refused with a reason and changes nothing', async () => {
    const admin = await makeUser(app, { handle: 'boss', role: 'admin' });
    const student = await makeUser(app, { handle: 'ada' });
    expect(getAuditRetentionDays(app)).toBe(365);
    expect(() => setAuditRetention(app, { actor: admin, days: '7' })).toThrow(/at least 30 days/);
    expect(() => setAuditRetention(app, { actor: admin, days: 'a year' })).toThrow(/number of days/);
    expect(() => setAuditRetention(app, { actor: student, days: '90' })).toThrow(/Only an admin/);
    expect(getAuditRetentionDays(app)).toBe(365);
    expect(events('audit.retention_changed')).toHaveLength(0);
    setAuditRetention(app, { actor: admin, days: '90' });
    expect(getAuditRetentionDays(app)).toBe(90);
    expect(only('audit.retention_changed')).toMatchObject({ actorHandle: 'boss', details: { from: 365, to: 90 } });
  });

  it('prunes events older than the retention period only, and says so in the log', async () => {
    const admin = await makeUser(app, { handle: 'boss', role: 'admin' });
    setAuditRetention(app, { actor: admin, days: 30 });
    const day = 86_400_000;
    const at = (daysAgo: number) => new Date(clock.getTime() - daysAgo * day);
    for (const [id, daysAgo] of [['old', 45], ['edge', 31], ['recent', 29], ['today', 0]] as const) {
      app.db.insert(auditEvents).values({ id, at: at(daysAgo), action: 'signin.succeeded', details: {} }).run();
    }
    const result = withAuditScope({ address: 'cli' }, () => pruneAuditLog(app, { actor: null }));
    expect(result.removed).toBe(2);
    const left = events().map((e) => e.id);
    expect(left).toEqual(expect.arrayContaining(['recent', 'today']));
    expect(left).not.toContain('old');
    expect(left).not.toContain('edge');
    expect(only('audit.pruned')).toMatchObject({ address: 'cli', details: { removed: 2, retentionDays: 30 } });
    // Nothing more to remove: nothing removed, nothing recorded.
    expect(pruneAuditLog(app, { actor: null }).removed).toBe(0);
    expect(events('audit.pruned')).toHaveLength(1);
    expect(() => pruneAuditLog(app, { actor: { id: 'x', role: 'teacher' } })).toThrow(/Only admins/);
  });
});

describe('deleting an account keeps the events and drops the content', () => {
  it('removes the handle, details and addresses of the deleted person; other people’s events and names stay', async () => {
    const admin = await makeUser(app, { handle: 'boss', role: 'admin' });
    const teacher = await makeUser(app, { handle: 'okafor', role: 'teacher' });
    const ada = await makeUser(app, { handle: 'ada' });
    const hubId = makeHub(app, { teacher, students: [ada], slug: 'english-10' });
    withAuditScope({ address: '192.0.2.44' }, () => leaveHub(app, { userId: ada.id, hubId }));
    withAuditScope({ address: '192.0.2.9' }, () => setUserDisabled(app, { userId: ada.id, disabled: true, actor: admin }));
    withAuditScope({ address: '192.0.2.9' }, () => setUserDisabled(app, { userId: teacher.id, disabled: true, actor: admin }));
    // A piece she deleted, and someone refused at one of her pages (its address names her).
    const piece = await makeArtifact(app, ada, { title: 'Old draft' });
    deleteArtifact(app, { ownerId: ada.id, artifactId: piece.id });
    recordRefusedAccess(app, { kind: 'access.refused', method: 'GET', path: '/@ada/old-draft/', address: '198.51.100.9' });
    // A sign-in of hers, made before anyone is signed in, from her laptop.
    recordAudit(app, { action: 'signin.succeeded', subject: { type: 'user', id: ada.id }, subjectUser: ada, address: '192.0.2.45', details: { trustedDevice: true } });
    const before = events();

    await withAuditScope({ address: '192.0.2.9' }, () => deleteAccount(app, { userId: ada.id, actor: admin, confirmHandle: 'ada' }));

    const after = events();
    // Her id is replaced by a new one, the same in all her events, that leads nowhere.
    const alias = only('account.deleted').subjectUserId!;
    expect(alias).not.toBe(ada.id);
    // Nothing was removed: the same events (and the deletion).
    expect(after.map((e) => e.id)).toEqual(expect.arrayContaining(before.map((e) => e.id)));
    expect(after).toHaveLength(before.length + 1);
    const text = JSON.stringify(after);
    expect(text).not.toContain('"ada"');
    expect(text).not.toContain(ada.id);
    expect(text).not.toContain(piece.id);
    expect(text).not.toContain('/@ada/');
    expect(after.find((e) => e.action === 'artifact.deleted')).toMatchObject({ actorId: alias, subjectType: 'artifact', subjectId: null });
    expect(after.find((e) => e.action === 'access.refused')).toMatchObject({ subjectId: null, address: '198.51.100.9', details: {} });
    expect(text).not.toContain('192.0.2.44');
    expect(text).not.toContain('192.0.2.45');
    expect(after.find((e) => e.action === 'signin.succeeded')).toMatchObject({ subjectUserId: alias, subjectId: alias, subjectHandle: null, address: null, details: {} });
    expect(text).not.toContain('english-10');
    const left = after.find((e) => e.action === 'hub.member.removed')!;
    expect(left).toMatchObject({ actorId: alias, actorHandle: null, subjectUserId: alias, subjectHandle: null, address: null, details: {} });
    // The hub was the teacher's: its id stays.
    expect(left.subjectId).toBe(hubId);
    const disabled = after.find((e) => e.action === 'account.disabled' && e.subjectUserId === alias)!;
    // The admin who acted keeps their name and address on it.
    expect(disabled).toMatchObject({ actorHandle: 'boss', address: '192.0.2.9', subjectHandle: null });
    // Someone else's event is untouched.
    expect(after.find((e) => e.action === 'account.disabled' && e.subjectUserId === teacher.id)).toMatchObject({ subjectHandle: 'okafor', details: { endedSessions: 0 } });
    // The deletion names the person by id only.
    expect(only('account.deleted')).toMatchObject({ actorHandle: 'boss', subjectId: alias, subjectHandle: null, address: '192.0.2.9' });
    expect(only('account.deleted').details).toMatchObject({ by: 'admin', artifacts: 0 });
    // And the raw database file no longer holds the handle next to those events (the deletion VACUUMs).
    expect(listAuditEvents(app, { actor: null, filter: { handle: 'ada' } }).total).toBe(0);
  });

  it('an owner deleting their own account is named by id only, with no address', async () => {
    await makeUser(app, { handle: 'boss', role: 'admin' });
    const ada = await makeUser(app, { handle: 'ada' });
    await withAuditScope({ address: '192.0.2.44' }, () =>
      deleteAccount(app, { userId: ada.id, actor: ada, confirmHandle: 'ada', password: 'password-ada' }),
    );
    const deleted = only('account.deleted');
    expect(deleted).toMatchObject({ actorHandle: null, subjectHandle: null, address: null, details: { by: 'owner' } });
    expect(deleted.actorId).toBe(deleted.subjectUserId);
    expect(deleted.actorId).not.toBe(ada.id);
  });
});

describe('reading the log', () => {
  it('newest first; filters by handle (by or about), action or its prefix, and dates; refuses a bad filter with a reason', async () => {
    const admin = await makeUser(app, { handle: 'boss', role: 'admin' });
    clock = new Date('2026-10-02T10:00:00Z');
    const ada = await makeUser(app, { handle: 'ada' });
    clock = new Date('2026-10-03T10:00:00Z');
    setUserDisabled(app, { userId: ada.id, disabled: true, actor: admin });
    const all = listAuditEvents(app, { actor: admin, filter: {} });
    expect(all.events.map((e) => e.action)).toEqual(['account.disabled', 'account.created', 'account.created']);
    expect(listAuditEvents(app, { actor: admin, filter: { handle: '@Ada' } }).total).toBe(2);
    expect(listAuditEvents(app, { actor: admin, filter: { handle: 'boss' } }).total).toBe(2);
    expect(listAuditEvents(app, { actor: admin, filter: { action: 'account' } }).total).toBe(3);
    expect(listAuditEvents(app, { actor: admin, filter: { action: 'account.disabled' } }).total).toBe(1);
    expect(listAuditEvents(app, { actor: admin, filter: { since: '2026-10-02' } }).total).toBe(2);
    expect(listAuditEvents(app, { actor: admin, filter: { until: '2026-10-02' } }).total).toBe(2);
    expect(listAuditEvents(app, { actor: admin, filter: {}, limit: 1, page: 2 }).events[0].action).toBe('account.created');
    expect(() => listAuditEvents(app, { actor: admin, filter: { since: '2026-02-31' } })).toThrow(/date like 2026-09-01/);
    expect(() => listAuditEvents(app, { actor: admin, filter: { action: "x' OR 1=1" } })).toThrow(/event name/);
    expect(() => listAuditEvents(app, { actor: ada, filter: {} })).toThrow(/Only admins/);
  });
});
