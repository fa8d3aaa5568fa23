/**
 * Notifications by email, when the school configures an SMTP server (POTLUCK_SMTP_URL). Per person: immediate (soon
 * after, outside their quiet hours), a daily digest, or off; a student under the school's age gets digests only.
 * Each notification is claimed for a while (emailClaimedUntil, POTLUCK_EMAIL_CLAIM_SECONDS, default ten minutes) in
 * a transaction before sending, so no other node sends it meanwhile; a sent one is marked (emailedAt), a failed send
 * gives the claim back, so the next run retries it, and a node that dies mid-send leaves a claim that ends, after
 * which another node sends it. Were the node to die after the SMTP server took the mail but before marking it, the
 * mail would go out twice, with the same Message-ID (made from the notifications it carries), which mail programs
 * recognise as one message. Links are absolute (POTLUCK_SITE_URL) and lead to the site behind sign-in; a mail holds
 * only the notifications' own titles, written for that person.
 */
import { createHash } from 'node:crypto';
import { and, eq, gt, gte, inArray, isNull, lt, or } from 'drizzle-orm';
import nodemailer, { type Transporter } from 'nodemailer';
import { effectiveEmailMode, inQuietHours, type EmailMode } from '../../core/notifications.ts';
import type { AppContext } from '../context.ts';
import { notificationPrefs, notifications, users } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { logger as defaultLogger, type Logger } from '../logger.ts';
import { getPolicy } from '../policy.ts';
import { entryTitle } from './feed.ts';
import { prefsOf } from './inbox.ts';
import { digestDue } from './schedule.ts';

const HOUR = 60 * 60 * 1000;
/** How long a node holds the notifications it is emailing (POTLUCK_EMAIL_CLAIM_SECONDS). */
export const EMAIL_CLAIM_MS = 10 * 60 * 1000;

function claimMs(env: Record<string, string | undefined> = process.env): number {
  const seconds = Number(env.POTLUCK_EMAIL_CLAIM_SECONDS ?? '');
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : EMAIL_CLAIM_MS;
}

/** Waiting to be emailed: not sent, not read, recent, and not held by a node sending it now. */
const waitingForEmail = (since: Date, now: Date) =>
  and(
    isNull(notifications.emailedAt),
    isNull(notifications.readAt),
    gte(notifications.createdAt, since),
    or(isNull(notifications.emailClaimedUntil), lt(notifications.emailClaimedUntil, now)),
  );
/** Older notifications are not emailed any more (someone who turns email on gets this week's, not last year's). */
const MAX_AGE = 7 * 24 * HOUR;

/** Something that sends one message (a nodemailer transport). */
export type MailTransport = Pick<Transporter, 'sendMail'>;

const transports = new Map<string, Transporter>();

/** The transport of an SMTP URL (smtp://user:pass@host:port, smtps://…), made once per URL. */
export function transportFor(smtpUrl: string): Transporter {
  let transport = transports.get(smtpUrl);
  if (!transport) {
    transport = nodemailer.createTransport(smtpUrl);
    transports.set(smtpUrl, transport);
  }
  return transport;
}

/** What one run did. */
export interface DeliverySummary {
  /** Emails sent. */
  sent: number;
  /** Notifications they carried. */
  notifications: number;
  /** Emails that failed (their notifications wait for the next run). */
  failed: number;
}

export interface DeliveryOptions {
  /** Digests regardless of the hour (the CLI's `notifications send-digests`): everyone in digest mode now. */
  forceDigests?: boolean;
  /** Only digests (no immediate mail in this run). */
  digestsOnly?: boolean;
  transport?: MailTransport;
  logger?: Logger;
}

interface Pending {
  id: string;
  title: string;
  url: string;
  kind: string;
  createdAt: Date;
  about: { name: string; handle: string } | null;
}

/**
 * Sends what is due: immediate mail for those in immediate mode outside quiet hours, and the day's digest for those
 * in digest mode. Never throws for one person's failure: it is logged and retried next run.
 */
export async function deliverEmails(app: AppContext, options: DeliveryOptions = {}): Promise<DeliverySummary> {
  const summary: DeliverySummary = { sent: 0, notifications: 0, failed: 0 };
  const smtpUrl = app.config.smtpUrl;
  if (!smtpUrl && !options.transport) return summary;
  const transport = options.transport ?? transportFor(smtpUrl!);
  const log = (options.logger ?? defaultLogger).child({ component: 'email' });
  const now = app.now();
  const since = new Date(now.getTime() - MAX_AGE);
  const waiting = app.db
    .selectDistinct({ userId: notifications.userId })
    .from(notifications)
    .where(waitingForEmail(since, now))
    .all();
  if (waiting.length === 0) return summary;
  const school = getPolicy(app);
  for (const { userId } of waiting) {
    const person = app.db
      .select({ id: users.id, name: users.name, email: users.email, role: users.role, birthYear: users.birthYear, disabledAt: users.disabledAt })
      .from(users)
      .where(eq(users.id, userId))
      .get();
    if (!person || person.disabledAt || !person.email) continue;
    const prefs = prefsOf(app, userId);
    const mode: EmailMode = effectiveEmailMode(prefs.email, person, school, now);
    if (mode === 'off') continue;
    if (mode === 'immediate') {
      if (options.digestsOnly || inQuietHours(now.getHours(), prefs.quietStart, prefs.quietEnd)) continue;
    } else if (!options.forceDigests && !digestDue(now, prefs.lastDigestAt)) {
      continue;
    }
    const claimed = claim(app, userId, since, now, mode === 'digest' && !options.forceDigests);
    if (claimed.length === 0) continue;
    const message = composeMail(app, { name: person.name, email: person.email }, claimed, mode);
    try {
      await transport.sendMail(message);
      markSent(app, userId, claimed, mode === 'digest');
      summary.sent += 1;
      summary.notifications += claimed.length;
      log.info('Sent a notification email', { userId, mode, notifications: claimed.length });
    } catch (error) {
      release(app, claimed);
      summary.failed += 1;
      log.error('A notification email could not be sent; it is tried again at the next run', { userId, mode, error });
    }
  }
  return summary;
}

/**
 * Claims someone's waiting notifications for one email: no other node sends them while the claim lasts. For the
 * day's digest (`digest`), nothing is claimed while another node is sending this person's digest (its claim runs),
 * or once the digest went out: asked here, inside the transaction, so two nodes never send two digests in a day.
 */
function claim(app: AppContext, userId: string, since: Date, now: Date, digest = false): Pending[] {
  return inTransaction(app, () => {
    if (digest) {
      const sending = app.db
        .select({ id: notifications.id })
        .from(notifications)
        .where(and(eq(notifications.userId, userId), isNull(notifications.emailedAt), gt(notifications.emailClaimedUntil, now)))
        .limit(1)
        .get();
      if (sending || !digestDue(now, prefsOf(app, userId).lastDigestAt)) return [];
    }
    const rows = app.db
      .select({
        id: notifications.id,
        title: notifications.title,
        url: notifications.url,
        kind: notifications.kind,
        createdAt: notifications.createdAt,
        childName: users.name,
        childHandle: users.handle,
      })
      .from(notifications)
      .leftJoin(users, eq(users.id, notifications.aboutUserId))
      .where(and(eq(notifications.userId, userId), waitingForEmail(since, now)))
      .orderBy(notifications.createdAt, notifications.id)
      .all();
    if (rows.length === 0) return [];
    const until = new Date(now.getTime() + claimMs());
    eachChunk(rows.map((r) => r.id), (ids) =>
      app.db.update(notifications).set({ emailClaimedUntil: until }).where(and(inArray(notifications.id, ids), waitingForEmail(since, now))).run(),
    );
    return rows.map(({ childName, childHandle, ...r }) => ({ ...r, about: childName !== null && childHandle !== null ? { name: childName, handle: childHandle } : null }));
  });
}

/** Runs `fn` over `ids` 500 at a time (SQLite's limit on bound values). */
function eachChunk(ids: string[], fn: (chunk: string[]) => void): void {
  for (let i = 0; i < ids.length; i += 500) fn(ids.slice(i, i + 500));
}

/** Marks a sent email's notifications as emailed (and, for a digest, the day's digest as sent). */
function markSent(app: AppContext, userId: string, claimed: Pending[], digest: boolean): void {
  const at = app.now();
  inTransaction(app, () => {
    eachChunk(claimed.map((c) => c.id), (ids) =>
      app.db.update(notifications).set({ emailedAt: at, emailClaimedUntil: null }).where(inArray(notifications.id, ids)).run(),
    );
    if (digest) {
      app.db.insert(notificationPrefs).values({ userId }).onConflictDoNothing().run();
      app.db.update(notificationPrefs).set({ lastDigestAt: at }).where(eq(notificationPrefs.userId, userId)).run();
    }
  });
}

/** Gives back a failed email's claim: its notifications wait for the next run, and so does the digest. */
function release(app: AppContext, claimed: Pending[]): void {
  inTransaction(app, () => {
    eachChunk(claimed.map((c) => c.id), (ids) =>
      app.db.update(notifications).set({ emailClaimedUntil: null }).where(and(inArray(notifications.id, ids), isNull(notifications.emailedAt))).run(),
    );
  });
}

/** The Message-ID of the email carrying these notifications: the same for the same notifications, on any node. */
function messageId(app: AppContext, items: Pending[]): string {
  const digest = createHash('sha256').update(items.map((i) => i.id).join(',')).digest('hex').slice(0, 32);
  return `<notifications.${digest}@${new URL(app.config.siteUrl).hostname || 'potluck.invalid'}>`;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One email: From, To, Subject, a plain-text and an HTML part, List-Unsubscribe and Auto-Submitted. */
export function composeMail(app: AppContext, to: { name: string; email: string }, items: Pending[], mode: EmailMode) {
  const site = app.config.siteUrl;
  const settings = new URL('/notifications/settings', site).href;
  const inbox = new URL('/notifications', site).href;
  const lines = items.map((item) => ({ title: entryTitle(item), link: new URL(`/notifications/${item.id}`, site).href }));
  const subject =
    mode === 'digest'
      ? `Your Potluck digest: ${items.length} ${items.length === 1 ? 'notification' : 'notifications'}`
      : items.length === 1
        ? `Potluck: ${lines[0]!.title}`
        : `Potluck: ${items.length} new notifications`;
  const intro = mode === 'digest' ? 'Here is what happened on Potluck since your last digest.' : 'Something happened on Potluck.';
  const text = [
    `Hello ${to.name},`,
    '',
    intro,
    '',
    ...lines.flatMap((l) => [`- ${l.title}`, `  ${l.link}`]),
    '',
    `All your notifications: ${inbox}`,
    '',
    '--',
    `You get these emails because of your notification settings. Change them or turn email off: ${settings}`,
    '',
  ].join('\n');
  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>' + escapeHtml(subject) + '</title></head><body>',
    `<p>Hello ${escapeHtml(to.name)},</p>`,
    `<p>${escapeHtml(intro)}</p>`,
    '<ul>',
    ...lines.map((l) => `<li><a href="${escapeHtml(l.link)}">${escapeHtml(l.title)}</a></li>`),
    '</ul>',
    `<p><a href="${escapeHtml(inbox)}">All your notifications</a></p>`,
    `<hr><p>You get these emails because of your notification settings. <a href="${escapeHtml(settings)}">Change them or turn email off</a>.</p>`,
    '</body></html>',
  ].join('\n');
  return {
    from: app.config.mailFrom,
    to: { name: to.name, address: to.email },
    subject,
    text,
    html,
    messageId: messageId(app, items),
    headers: {
      'List-Unsubscribe': `<${settings}>`,
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
    },
  };
}
