/**
 * A student blocks (or unblocks) Webmentions from a domain: from then on the endpoint answers 403 for sources there
 * (and below it), and every mention of theirs already received from there is removed. Audited.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../core/errors.ts';
import type { Actor } from '../core/policy.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import type { AppContext } from '../server/context.ts';
import { webmentionBlocks, webmentions } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { hostInDomain } from './webmentionReceiver.ts';

/** The block form: a mention whose source's domain is blocked, or a domain to unblock. */
export const domainBlockSchema = z.union([
  z.object({ mention: z.string().min(1).max(100), intent: z.literal('block') }),
  z.object({ domain: z.string().trim().toLowerCase().min(1).max(253), intent: z.literal('unblock') }),
]);
export type DomainBlockInput = z.infer<typeof domainBlockSchema>;

/** Blocks the domain of a mention `actor` received, or unblocks a domain; returns the domain. */
export function changeDomainBlock(app: AppContext, props: { actor: Actor & { handle?: string }; input: DomainBlockInput }): string {
  const { actor, input } = props;
  return inTransaction(app, () => {
    if (input.intent === 'unblock') {
      const gone = app.db
        .delete(webmentionBlocks)
        .where(and(eq(webmentionBlocks.ownerId, actor.id), eq(webmentionBlocks.domain, input.domain)))
        .run();
      if (gone.changes === 0) throw notFound('That blocked domain');
      recordAudit(app, { action: 'mention.domain_unblocked', actor, subject: { type: 'webmention_block' }, details: { domain: input.domain } });
      return input.domain;
    }
    const m = app.db.select().from(webmentions).where(eq(webmentions.id, input.mention)).get();
    if (!m || m.ownerId !== actor.id) throw notFound('That mention');
    const domain = m.sourceHost;
    app.db.insert(webmentionBlocks).values({ ownerId: actor.id, domain, createdAt: app.now() }).onConflictDoNothing().run();
    const theirs = app.db.select({ id: webmentions.id, sourceHost: webmentions.sourceHost }).from(webmentions).where(eq(webmentions.ownerId, actor.id)).all();
    for (const t of theirs) if (hostInDomain(t.sourceHost, domain)) app.db.delete(webmentions).where(eq(webmentions.id, t.id)).run();
    bumpContentVersion(app, actor.id, ['public']);
    recordAudit(app, { action: 'mention.domain_blocked', actor, subject: { type: 'webmention_block' }, details: { domain } });
    return domain;
  });
}
