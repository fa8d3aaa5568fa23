/**
 * Notification email through a real SMTP server on 127.0.0.1 (smtp-server, read back with mailparser): what arrives
 * (From, To, Subject, List-Unsubscribe, Auto-Submitted, a plain-text and an HTML part, links that work on the
 * server, nobody else's notifications), immediate vs digest vs off, quiet hours, a minor held to digests, a failed
 * send retried without duplicates, the CLI's `notifications send-digests`, and the server sending on its own.
 */
import { and, eq } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { saveNotificationPrefs, type NotificationPrefsInput } from '../../../src/commands/notificationPrefsSaver.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { notificationPrefs, notifications, users, type User } from '../../../src/server/db/schema.ts';
import { inTransaction } from '../../../src/server/db/tx.ts';
import { composeMail, deliverEmails } from '../../../src/server/notifications/email.ts';
import { notify } from '../../../src/server/notifications/notify.ts';
import { createLogger } from '../../../src/server/logger.ts';
import { PassThrough } from 'node:stream';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { runCli } from '../../helpers/cli.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { startMailServer, type MailServer } from './mailServer.ts';

const SITE = 'https://school.example';
const CANARY = 'CANARY-someone-elses-news';
let mail: MailServer;
let server: TestServer;
let app: AppContext;
const clock = { now: new Date('2025-05-05T10:00:00Z') };
let bystander: User;

beforeAll(async () => {
  mail = await startMailServer();
  server = await startServer({ env: { POTLUCK_SITE_URL: SITE } });
  // The sender runs here, on the server's database, with a clock the tests move (TZ is UTC in the tests).
  app = createAppContext(loadConfig({ POTLUCK_DATA: server.dataDir, POTLUCK_SITE_URL: SITE, POTLUCK_SMTP_URL: mail.url }));
  app.now = () => clock.now;
  // Someone else with news waiting all along, in email mode "off": never in anyone's email.
  bystander = await person('off', { birthYear: 1980 });
  tell(bystander, CANARY);
});
afterAll(async () => {
  app?.db.$client.close();
  await server?.stop();
  await mail?.close();
});

let count = 0;
/** A person with an email address and the given mode. */
async function person(email: NotificationPrefsInput['email'], extra: { birthYear?: number | null; role?: 'student' | 'teacher'; quiet?: [number, number] } = {}): Promise<User> {
  count += 1;
  const user = await makeUser(server.app, { role: extra.role ?? 'student', name: `Mail Person ${count}` });
  const address = `person${count}@school.example`;
  server.app.db.update(users).set({ email: address, birthYear: extra.birthYear ?? null }).where(eq(users.id, user.id)).run();
  saveNotificationPrefs(server.app, { actor: { id: user.id, role: user.role }, input: { email, quietStart: extra.quiet?.[0] ?? '', quietEnd: extra.quiet?.[1] ?? '' } });
  return { ...user, email: address, birthYear: extra.birthYear ?? null };
}
function tell(to: User, title: string, url = '/workspace/hubs'): string {
  return inTransaction(app, () => notify(app, { to: to.id, kind: 'hub.invited', title, url }))[0]!;
}
const mailsTo = (user: User): ParsedMail[] => mail.received.filter((m) => (Array.isArray(m.to) ? m.to : [m.to]).some((t) => t?.value.some((v) => v.address === user.email)));
const emailedAt = (id: string) => app.db.select({ at: notifications.emailedAt }).from(notifications).where(eq(notifications.id, id)).get()!.at;
/** A logger whose lines the test reads (the failures below are expected, and must be logged). */
function capturedLog() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c) => (text += c));
  return { logger: createLogger({ stdout: stream, stderr: stream }), text: () => text };
}
const noCanary = () => {
  for (const m of mail.received) expect(`${m.subject} ${m.text} ${m.html}`).not.toContain(CANARY);
};

describe('immediate email', () => {
  it('arrives with the headers, both parts, and a link that works on the server', async () => {
    clock.now = new Date('2025-05-05T10:00:00Z');
    const reader = await person('immediate', { birthYear: 1990 });
    const id = tell(reader, 'Ms Okafor invited you to English 10 & Drama');
    const summary = await deliverEmails(app);
    expect(summary.failed).toBe(0);
    const [message, ...more] = mailsTo(reader);
    expect(more).toEqual([]);
    expect(message!.from?.value[0]?.address).toBe('potluck@school.example');
    expect(message!.to && !Array.isArray(message!.to) && message!.to.value[0]).toMatchObject({ address: reader.email, name: reader.name });
    expect(message!.subject).toBe('Potluck: Ms Okafor invited you to English 10 & Drama');
    const raw = (name: string) => message!.headerLines.find((h) => h.key === name)?.line ?? '';
    expect(raw('list-unsubscribe')).toBe(`List-Unsubscribe: <${SITE}/notifications/settings>`);
    expect(raw('auto-submitted')).toBe('Auto-Submitted: auto-generated');
    expect(message!.text).toContain('Ms Okafor invited you to English 10 & Drama');
    expect(message!.text).toContain(`${SITE}/notifications/${id}`);
    expect(message!.html).toContain('Ms Okafor invited you to English 10 &amp; Drama');
    expect(message!.html).toContain(`href="${SITE}/notifications/${id}"`);
    expect(emailedAt(id)).not.toBeNull();
    noCanary();

    // The link, asked of the server (as the school's proxy would pass it on), opens the notification and goes on.
    const link = new URL(/https:\/\/school\.example\/notifications\/[0-9a-f-]+/.exec(message!.text!)![0]);
    const browser = signedIn(server.url, server.app, reader);
    const opened = await browser.get(link.pathname);
    expect(opened.status).toBe(303);
    const landed = await browser.get(opened.headers.get('location')!);
    expect(landed.status).toBe(200);

    // Nothing is sent twice.
    await deliverEmails(app);
    expect(mailsTo(reader)).toHaveLength(1);
  });

  it('waits for the end of quiet hours', async () => {
    clock.now = new Date('2025-05-05T23:30:00Z');
    const sleeper = await person('immediate', { birthYear: 1990, quiet: [22, 7] });
    const id = tell(sleeper, 'Late news');
    await deliverEmails(app);
    clock.now = new Date('2025-05-06T06:59:00Z');
    await deliverEmails(app);
    expect(mailsTo(sleeper)).toEqual([]);
    expect(emailedAt(id)).toBeNull();
    clock.now = new Date('2025-05-06T07:00:00Z');
    await deliverEmails(app);
    expect(mailsTo(sleeper)).toHaveLength(1);
  });

  it('sends nothing to someone in "off" mode, without an address, or who already read it', async () => {
    clock.now = new Date('2025-05-06T12:00:00Z');
    const quiet = await person('off', { birthYear: 1990 });
    const offId = tell(quiet, 'Off news');
    const noAddress = await makeUser(server.app, { role: 'teacher' });
    saveNotificationPrefs(server.app, { actor: { id: noAddress.id, role: 'teacher' }, input: { email: 'immediate' } });
    tell(noAddress, 'Nowhere to send');
    const reader = await person('immediate', { role: 'teacher' });
    const readId = tell(reader, 'Seen already');
    app.db.update(notifications).set({ readAt: clock.now }).where(eq(notifications.id, readId)).run();
    const before = mail.received.length;
    await deliverEmails(app);
    expect(mail.received.length).toBe(before);
    expect(emailedAt(offId)).toBeNull();
    expect(mailsTo(reader)).toEqual([]);
  });
});

describe('the daily digest', () => {
  it('sends one email a day with everything waiting, from 07:00', async () => {
    clock.now = new Date('2025-05-07T10:00:00Z');
    const digester = await person('digest', { role: 'teacher' });
    tell(digester, 'Digest item one');
    tell(digester, 'Digest item two');
    await deliverEmails(app);
    const [first] = mailsTo(digester);
    expect(first!.subject).toBe('Your Potluck digest: 2 notifications');
    expect(first!.text).toContain('Digest item one');
    expect(first!.text).toContain('Digest item two');
    clock.now = new Date('2025-05-07T12:00:00Z');
    tell(digester, 'Digest item three');
    await deliverEmails(app);
    clock.now = new Date('2025-05-08T06:30:00Z');
    await deliverEmails(app);
    expect(mailsTo(digester)).toHaveLength(1);
    clock.now = new Date('2025-05-08T07:05:00Z');
    await deliverEmails(app);
    const all = mailsTo(digester);
    expect(all).toHaveLength(2);
    expect(all[1]!.subject).toBe('Your Potluck digest: 1 notification');
    expect(all[1]!.text).toContain('Digest item three');
    expect(all[1]!.text).not.toContain('Digest item one');
    noCanary();
  });

  it('is sent once a day when another node is sending it: a notification that arrives meanwhile waits for tomorrow’s', async () => {
    clock.now = new Date('2025-05-10T08:00:00Z');
    const digester = await person('digest', { role: 'teacher' });
    const first = tell(digester, 'Sent by the other node');
    // Another node has claimed today's digest and is talking to the SMTP server.
    app.db.update(notifications).set({ emailClaimedUntil: new Date(clock.now.getTime() + 60_000) }).where(eq(notifications.id, first)).run();
    const meanwhile = tell(digester, 'Arrived while it was sending');
    await deliverEmails(app);
    expect(mailsTo(digester)).toHaveLength(0);
    expect(emailedAt(meanwhile)).toBeNull();
    // That node finishes: its digest is the day's; the newer notification goes in tomorrow's.
    app.db.update(notifications).set({ emailedAt: clock.now, emailClaimedUntil: null }).where(eq(notifications.id, first)).run();
    app.db.update(notificationPrefs).set({ lastDigestAt: clock.now }).where(eq(notificationPrefs.userId, digester.id)).run();
    clock.now = new Date('2025-05-10T09:00:00Z');
    await deliverEmails(app);
    expect(mailsTo(digester)).toHaveLength(0);
    clock.now = new Date('2025-05-11T07:05:00Z');
    await deliverEmails(app);
    expect(mailsTo(digester).map((m) => m.subject)).toEqual(['Your Potluck digest: 1 notification']);
    expect(mailsTo(digester)[0]!.text).toContain('Arrived while it was sending');
  });

  it('is all a student under the school age gets, even having chosen immediate', async () => {
    clock.now = new Date('2025-05-09T10:00:00Z');
    const minor = await person('immediate', { birthYear: 2012 });
    const unknownAge = await person('immediate', { birthYear: null });
    const adult = await person('immediate', { birthYear: 1999 });
    // Today's digest already went out for the minors.
    for (const u of [minor, unknownAge]) {
      tell(u, 'Earlier today');
      await deliverEmails(app);
    }
    expect(mailsTo(minor)[0]!.subject).toBe('Your Potluck digest: 1 notification');
    tell(minor, 'Minor news');
    tell(unknownAge, 'Unknown-age news');
    tell(adult, 'Adult news');
    await deliverEmails(app);
    expect(mailsTo(adult).map((m) => m.subject)).toEqual(['Potluck: Adult news']);
    expect(mailsTo(minor)).toHaveLength(1);
    expect(mailsTo(unknownAge)).toHaveLength(1);
  });

  it('goes out now with `potluck notifications send-digests`, and waits with a message when email is not set up', async () => {
    // The CLI runs on the real clock.
    clock.now = new Date();
    const digester = await person('digest', { role: 'teacher' });
    // Sent today already: the CLI sends the waiting one anyway.
    tell(digester, 'Before');
    await deliverEmails(app);
    tell(digester, 'After the digest');
    const env = { POTLUCK_DATA: server.dataDir, POTLUCK_SITE_URL: SITE, POTLUCK_SMTP_URL: mail.url };
    const run = await runCli(['notifications', 'send-digests', '--json'], { env });
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ failed: 0 });
    const mine = mailsTo(digester);
    expect(mine).toHaveLength(2);
    expect(mine[1]!.text).toContain('After the digest');
    const again = await runCli(['notifications', 'send-digests'], { env });
    expect(again.code).toBe(0);
    expect(mailsTo(digester)).toHaveLength(2);

    const unset = await runCli(['notifications', 'send-digests'], { env: { POTLUCK_DATA: server.dataDir } });
    expect(unset.code).toBe(1);
    expect(unset.err).toContain('Set POTLUCK_SMTP_URL');
  });
});

describe('a failed send', () => {
  it('is logged, retried at the next run, and arrives once', async () => {
    clock.now = new Date('2025-05-11T10:00:00Z');
    const unlucky = await person('immediate', { role: 'teacher' });
    const id = tell(unlucky, 'Retry me');
    mail.refuseNext(1, unlucky.email!);
    const log = capturedLog();
    const failed = await deliverEmails(app, { logger: log.logger });
    expect(failed.failed).toBe(1);
    const lines = log.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.level === 'error')).toMatchObject({ level: 'error', component: 'email', userId: unlucky.id, message: expect.stringContaining('tried again') });
    expect(log.text()).not.toContain('secret-word');
    expect(emailedAt(id)).toBeNull();
    expect(mailsTo(unlucky)).toEqual([]);
    const retried = await deliverEmails(app);
    expect(retried.failed).toBe(0);
    expect(mailsTo(unlucky)).toHaveLength(1);
    await deliverEmails(app);
    expect(mailsTo(unlucky)).toHaveLength(1);
    expect(emailedAt(id)).not.toBeNull();
  });

  it('leaves alone what another node is sending, sends it once that claim ended, and names each mail by its contents', async () => {
    clock.now = new Date('2025-05-11T11:00:00Z');
    const waiting = await person('immediate', { role: 'teacher' });
    const id = tell(waiting, 'Claimed elsewhere');
    // Another node claimed it a moment ago and is sending it.
    app.db.update(notifications).set({ emailClaimedUntil: new Date(clock.now.getTime() + 5 * 60_000) }).where(eq(notifications.id, id)).run();
    await deliverEmails(app);
    expect(mailsTo(waiting)).toEqual([]);
    // That node died: its claim ends, and this run sends the notification, once.
    app.db.update(notifications).set({ emailClaimedUntil: new Date(clock.now.getTime() - 1) }).where(eq(notifications.id, id)).run();
    await deliverEmails(app);
    await deliverEmails(app);
    const sent = mailsTo(waiting);
    expect(sent).toHaveLength(1);
    expect(app.db.select().from(notifications).where(eq(notifications.id, id)).get()).toMatchObject({ emailClaimedUntil: null, emailedAt: clock.now });
    // A mail sent again for the same notifications (a node died after the SMTP server took it) has the same id.
    const item = { id, title: 'Claimed elsewhere', url: '/workspace/hubs', kind: 'hub.invited', createdAt: clock.now, about: null };
    const to = { name: 'Someone', email: waiting.email! };
    expect(sent[0]!.messageId).toBe(composeMail(app, to, [item], 'immediate').messageId);
    expect(sent[0]!.messageId).toMatch(/^<notifications\.[0-9a-f]{32}@school\.example>$/);
    expect(composeMail(app, to, [item, { ...item, id: 'another' }], 'immediate').messageId).not.toBe(sent[0]!.messageId);
  });

  it('keeps a digest for the next run when the SMTP server is down', async () => {
    clock.now = new Date('2025-05-12T10:00:00Z');
    const digester = await person('digest', { role: 'teacher' });
    const id = tell(digester, 'Down day');
    const down = createAppContext(loadConfig({ POTLUCK_DATA: server.dataDir, POTLUCK_SITE_URL: SITE, POTLUCK_SMTP_URL: 'smtp://127.0.0.1:9' }));
    down.now = () => clock.now;
    try {
      expect((await deliverEmails(down, { logger: capturedLog().logger })).failed).toBeGreaterThan(0);
    } finally {
      down.db.$client.close();
    }
    expect(emailedAt(id)).toBeNull();
    await deliverEmails(app);
    expect(mailsTo(digester).map((m) => m.subject)).toEqual(['Your Potluck digest: 1 notification']);
  });
});

describe('the server', () => {
  it('emails an invitation made on its own pages soon after, by itself', async () => {
    const own = await startServer({
      env: { POTLUCK_SITE_URL: SITE, POTLUCK_SMTP_URL: mail.url, POTLUCK_NOTIFICATIONS: 'on', POTLUCK_NOTIFICATIONS_TICK_SECONDS: '1' },
    });
    try {
      const teacher = await makeUser(own.app, { role: 'teacher', name: 'Ms Okafor' });
      const invitee = await makeUser(own.app, { role: 'teacher', name: 'Mr Invited' });
      own.app.db.update(users).set({ email: 'invited@school.example' }).where(eq(users.id, invitee.id)).run();
      saveNotificationPrefs(own.app, { actor: { id: invitee.id, role: 'teacher' }, input: { email: 'immediate' } });
      const hub = createHub(own.app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'drama-9', title: 'Drama 9', tags: 'drama9' } });
      const browser = signedIn(own.url, own.app, teacher);
      const added = await browser.postForm(`/hubs/${hub.slug}/members`, { intent: 'add', handle: invitee.handle, role: 'teacher' });
      expect(added.status).toBe(303);
      const before = mail.received.length;
      await mail.waitFor(before + 1);
      const message = mail.received.at(-1)!;
      expect(message.subject).toBe('Potluck: Ms Okafor (@' + teacher.handle + ') invited you to Drama 9');
      const row = own.app.db.select().from(notifications).where(and(eq(notifications.userId, invitee.id), eq(notifications.kind, 'hub.invited'))).get()!;
      expect(row.emailedAt).not.toBeNull();
    } finally {
      await own.stop();
    }
  });
});
