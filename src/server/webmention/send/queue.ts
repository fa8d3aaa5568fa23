/**
 * Queueing Webmentions for a piece, inside the transaction that saves or deletes it (no HTTP here: the sender
 * does that in the background, src/server/webmention/send/sender.ts). A public piece queues one send to every page
 * it links to; an edit queues the union of the old and new links, so a page whose link was removed learns of it;
 * leaving public or being deleted queues the pages it linked to once more (its page then answers 404). Work that
 * was never public queues nothing: private, class-only and unlisted pieces never tell anyone they exist.
 */
import { and, eq } from 'drizzle-orm';
import { joinUrl, sitePaths } from '../../../core/urls.ts';
import type { AppContext } from '../../context.ts';
import { webmentionSends, type Artifact } from '../../db/schema.ts';
import { outboundLinks } from './links.ts';

/** The page a piece's Webmentions come from: its page on this instance, which the receiver fetches to check. */
export function artifactSourceUrl(app: AppContext, handle: string, slug: string): string {
  return joinUrl(app.config.siteUrl, sitePaths.artifact(handle, slug));
}

/**
 * Whether other sites could read this instance's pages at all: not when its address is this machine (a laptop
 * demo, `npm start`), unless private networks are allowed (tests, a school's own network). Nobody is told about a
 * page they cannot check.
 */
export function sourcesReachable(app: AppContext): boolean {
  if (!app.config.webmentions) return false;
  if (app.config.allowPrivateNetworks) return true;
  const host = new URL(app.config.siteUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return !(host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host) || host === '0.0.0.0');
}

/** Queues what a save of `artifact` (by the account with `handle`) must tell other pages. */
export function queueArtifactMentions(app: AppContext, artifact: Artifact, handle: string): number {
  if (!sourcesReachable(app)) return 0;
  const source = artifactSourceUrl(app, handle, artifact.slug);
  const links = artifact.visibility === 'public' ? outboundLinks(artifact.html, artifact.linkUrl, app.config.siteUrl) : [];
  const rows = app.db.select().from(webmentionSends).where(eq(webmentionSends.artifactId, artifact.id)).all();
  const now = app.now();
  let queued = 0;
  for (const row of rows) {
    // A row from an older address (the slug changed) tells its target that address is gone.
    const stillLinked = row.source === source && links.includes(row.target);
    if (!row.linked && !stillLinked) continue;
    requeue(app, row.id, stillLinked, now);
    queued += 1;
  }
  const known = new Set(rows.filter((r) => r.source === source).map((r) => r.target));
  for (const target of links) {
    if (known.has(target)) continue;
    app.db
      .insert(webmentionSends)
      .values({ id: app.newId(), artifactId: artifact.id, ownerId: artifact.ownerId, source, target, linked: true, status: 'queued', nextAttemptAt: now, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({
        target: [webmentionSends.source, webmentionSends.target],
        set: { artifactId: artifact.id, ownerId: artifact.ownerId, linked: true, status: 'queued', attempts: 0, nextAttemptAt: now, updatedAt: now },
      })
      .run();
    queued += 1;
  }
  return queued;
}

/** Queues the last word to every page a deleted piece still linked to. */
export function queueDeletedArtifactMentions(app: AppContext, artifactId: string): number {
  const rows = app.db
    .select({ id: webmentionSends.id })
    .from(webmentionSends)
    .where(and(eq(webmentionSends.artifactId, artifactId), eq(webmentionSends.linked, true)))
    .all();
  const now = app.now();
  for (const row of rows) requeue(app, row.id, false, now);
  return rows.length;
}

/**
 * Puts a row back in the queue, fresh (no attempts yet), saying whether its source still links to the target; with
 * `onlyIfLinked`, only while the row still says what was read (another node may have queued it a moment ago).
 * Returns whether it was queued.
 */
export function requeue(app: AppContext, id: string, linked: boolean, now: Date, options: { onlyIfLinked?: boolean } = {}): boolean {
  const changed = app.db
    .update(webmentionSends)
    .set({ linked, status: 'queued', attempts: 0, nextAttemptAt: now, updatedAt: now })
    .where(and(eq(webmentionSends.id, id), ...(options.onlyIfLinked === undefined ? [] : [eq(webmentionSends.linked, options.onlyIfLinked)])))
    .run().changes;
  return changed === 1;
}
