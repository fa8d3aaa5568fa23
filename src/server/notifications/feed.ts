/**
 * Someone's private notifications feed: Atom 1.0 at a secret address (/notifications/feed/<token>.atom). The token is
 * 32 random bytes; the database keeps only its SHA-256, so a copy of the database does not open anyone's feed.
 * Entries carry a title and a link, nothing more: the link opens the item on the site, behind sign-in.
 */
import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { notificationPrefs, users } from '../db/schema.ts';
import { listInbox, type InboxItem } from './inbox.ts';

/** Entries in the feed: the newest notifications. */
export const FEED_ENTRIES = 50;

/** A new secret for a feed address (URL-safe). */
export function newFeedToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of a feed secret. */
export function hashFeedToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The feed's path for a secret. */
export function feedPath(token: string): string {
  return `/notifications/feed/${token}.atom`;
}

/** The person whose feed secret this is (an enabled account), or null: a wrong secret is a 404. */
export function feedOwnerOf(app: AppContext, token: string): { id: string; name: string; handle: string } | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const row = app.db
    .select({ id: users.id, name: users.name, handle: users.handle, disabledAt: users.disabledAt })
    .from(notificationPrefs)
    .innerJoin(users, eq(users.id, notificationPrefs.userId))
    .where(eq(notificationPrefs.feedTokenHash, hashFeedToken(token)))
    .get();
  return row && !row.disabledAt ? { id: row.id, name: row.name, handle: row.handle } : null;
}

const escapeXml = (text: string) =>
  text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** The title an entry shows: a guardian's copy says which child it is about. */
export function entryTitle(item: Pick<InboxItem, 'title' | 'about'>): string {
  return item.about ? `${item.title} (about ${item.about.name})` : item.title;
}

/** The Atom document of someone's newest notifications. */
export function notificationsAtom(app: AppContext, owner: { id: string; name: string }, selfPath: string): string {
  const site = app.config.siteUrl;
  const { items } = listInbox(app, owner.id, 1, FEED_ENTRIES);
  const updated = (items[0]?.createdAt ?? new Date(0)).toISOString();
  const entries = items.map((item) =>
    [
      '  <entry>',
      `    <id>urn:potluck:notification:${escapeXml(item.id)}</id>`,
      `    <title>${escapeXml(entryTitle(item))}</title>`,
      `    <link rel="alternate" type="text/html" href="${escapeXml(new URL(`/notifications/${item.id}`, site).href)}"/>`,
      `    <updated>${item.createdAt.toISOString()}</updated>`,
      `    <category term="${escapeXml(item.kind)}"/>`,
      '  </entry>',
    ].join('\n'),
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `  <id>urn:potluck:notifications:${escapeXml(owner.id)}</id>`,
    `  <title>${escapeXml(`Notifications for ${owner.name}`)}</title>`,
    `  <updated>${updated}</updated>`,
    '  <author><name>Potluck</name></author>',
    `  <link rel="self" type="application/atom+xml" href="${escapeXml(new URL(selfPath, site).href)}"/>`,
    `  <link rel="alternate" type="text/html" href="${escapeXml(new URL('/notifications', site).href)}"/>`,
    '  <generator>Potluck</generator>',
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
