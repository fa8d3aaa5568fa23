/**
 * Trying a stopped or flagged feed again (a teacher decided the blog is back, or fixed its address): polling
 * resumes at the next run, failures are forgotten, and a new address can be given.
 */
import { and, eq, ne } from 'drizzle-orm';
import { normaliseUrlKey } from '../core/feeds/parse.ts';
import { PotluckError, forbidden, invalid, issuesFromZod } from '../core/errors.ts';
import { sourceUrlSchema } from '../core/hubs/input.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubSources, type HubSource } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { canChangeSource, getHubSource } from './hubSourceRemover.ts';

/** Resumes a source (optionally at a new address); returns it. */
export function resumeHubSource(app: AppContext, props: { actor: Viewer | null; hubId: string; sourceId: string; url?: string }): HubSource {
  let url: string | undefined;
  if (props.url !== undefined && props.url.trim() !== '') {
    const parsed = sourceUrlSchema.safeParse(props.url);
    if (!parsed.success) throw invalid(issuesFromZod(parsed.error).map((i) => ({ ...i, field: 'url' })));
    url = parsed.data;
  }
  return inTransaction(app, () => {
    const source = getHubSource(app, props.hubId, props.sourceId);
    if (!canChangeSource(app, props.actor, source)) throw forbidden('Only the hub’s teachers, or the student whose blog it is, can change this feed.');
    const urlKey = url ? (normaliseUrlKey(url) ?? url) : source.urlKey;
    if (url && app.db.select({ id: hubSources.id }).from(hubSources).where(and(eq(hubSources.hubId, source.hubId), eq(hubSources.urlKey, urlKey), ne(hubSources.id, source.id))).get()) {
      throw new PotluckError('CONFLICT', 'This hub already has that feed.', { issues: [{ field: 'url', message: 'This hub already has that feed.' }] });
    }
    return app.db
      .update(hubSources)
      .set({
        ...(url ? { url, urlKey, etag: null, lastModified: null } : {}),
        stoppedAt: null,
        stoppedReason: null,
        flaggedAt: null,
        consecutiveFailures: 0,
        // A server's Retry-After still stands: the poller waits it out.
        nextFetchAt: app.now(),
      })
      .where(eq(hubSources.id, source.id))
      .returning()
      .get();
  });
}
