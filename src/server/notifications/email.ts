/**
 * Notifications by email, when the school configures an SMTP server (POTLUCK_SMTP_URL). Per person: immediate (soon
 * after, outside their quiet hours), a daily digest, or off; a student under the school's age gets digests only.
 * Each notification goes out at most once: it is claimed (emailedAt set) in a transaction before sending, and a
 * failed send gives the claim back, so the next run retries it. Links are absolute (POTLUCK_SITE_URL) and lead to
 * the site behind sign-in; a mail holds only the notifications' own titles, written for that person.
 */
import { and, eq, gte, inArray, isNotNull, isNull } from 'drizzle-orm';
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
    .where(and(isNull(notifications.emailedAt), isNull(notifications.readAt), gte(notifications.createdAt, since)))
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
    const claimed = claim(app, userId, since, now, mode === 'digest');
    if (claimed.length === 0) continue;
    const message = composeMail(app, { name: person.name, email: person.email }, claimed, mode);
    try {
      await transport.sendMail(message);
      summary.sent += 1;
      summary.notifications += claimed.length;
      log.info('Sent a notification email', { userId, mode, notifications: claimed.length });
    } catch (error) {
      release(app, userId, claimed, mode === 'digest' ? prefs.lastDigestAt : undefined);
      summary.failed += 1;
      log.error('A notification email could not be sent; it is tried again at the next run', { userId, mode, error });
    }
  }
  return summary;
}

/** Claims someone's waiting notifications for one email (and, for a digest, the day's digest). */
function claim(app: AppContext, userId: string, since: Date, now: Date, digest: boolean): Pending[] {
  return inTransaction(app, () => {
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
      .where(and(eq(notifications.userId, userId), isNull(notifications.emailedAt), isNull(notifications.readAt), gte(notifications.createdAt, since)))
      .orderBy(notifications.createdAt, notifications.id)
      .all();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 500) {
      app.db.update(notifications).set({ emailedAt: now }).where(and(inArray(notifications.id, ids.slice(i, i + 500)), isNull(notifications.emailedAt))).run();
    }
    if (digest) {
      app.db.insert(notificationPrefs).values({ userId }).onConflictDoNothing().run();
      app.db.update(notificationPrefs).set({ lastDigestAt: now }).where(eq(notificationPrefs.userId, userId)).run();
    }
    return rows.map(({ childName, childHandle, ...r }) => ({ ...r, about: childName !== null && childHandle !== null ? { name: childName, handle: childHandle } : null }));
  });
}

/** Gives back a failed email's claim: its notifications wait for the next run, and so does the digest. */
function release(app: AppContext, userId: string, claimed: Pending[], lastDigestAt: Date | null | undefined): void {
  inTransaction(app, () => {
    const ids = claimed.map((c) => c.id);
    for (let i = 0; i < ids.length; i += 500) {
      app.db.update(notifications).set({ emailedAt: null }).where(and(inArray(notifications.id, ids.slice(i, i + 500)), isNotNull(notifications.emailedAt))).run();
    }
    if (lastDigestAt !== undefined) app.db.update(notificationPrefs).set({ lastDigestAt }).where(eq(notificationPrefs.userId, userId)).run();
  });
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
    headers: {
      'List-Unsubscribe': `<${settings}>`,
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
    },
  };
}
