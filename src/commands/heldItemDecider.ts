/**
 * A teacher decides on a post held for approval (server/hubs/held.ts). Approved, it becomes a hub item like any
 * other (river, feeds, progress; its picture is made at the next poll, never loaded from the server). Rejected, it
 * leaves the queue and is remembered, so later polls of any server carrying it do not bring it back.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { invalid, issuesFromZod, notFound } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubHeldItems, hubItems, hubs, type HubHeldItem } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertCanManage, getHubById } from '../server/hubs/access.ts';
import { heldToItem } from '../server/hubs/held.ts';
import { recordAudit } from '../server/audit/auditLog.ts';

const decisionSchema = z.object({
  heldId: z.string().min(1, 'Which post?'),
  decision: z.enum(['approve', 'reject'], { message: 'Approve or reject.' }),
});

/** Moves one held post into the hub (call inside a transaction); false when the hub already has it. */
export function admitHeldItem(app: AppContext, held: HubHeldItem): boolean {
  const row = heldToItem(app, held);
  // The same post may have come in meanwhile (a member's account, another server): kept once.
  const present = row.urlKey
    ? app.db.select({ id: hubItems.id }).from(hubItems).where(and(eq(hubItems.hubId, held.hubId), eq(hubItems.urlKey, row.urlKey))).limit(1).get()
    : undefined;
  const added = present ? 0 : app.db.insert(hubItems).values(row).onConflictDoNothing().run().changes;
  app.db.delete(hubHeldItems).where(eq(hubHeldItems.id, held.id)).run();
  return added > 0;
}

/** Approves or rejects a held post of the hub; returns what was decided. */
export function decideHeldItem(app: AppContext, props: { actor: Viewer | null; hubId: string; heldId: string; decision: string }): { decision: 'approve' | 'reject'; held: HubHeldItem } {
  const parsed = decisionSchema.safeParse({ heldId: props.heldId, decision: props.decision });
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  return inTransaction(app, () => {
    const hub = getHubById(app, props.hubId);
    assertCanManage(app, props.actor, hub);
    const held = app.db
      .select()
      .from(hubHeldItems)
      .where(and(eq(hubHeldItems.id, parsed.data.heldId), eq(hubHeldItems.hubId, hub.id), eq(hubHeldItems.status, 'held')))
      .get();
    if (!held) throw notFound('That waiting post');
    const now = app.now();
    if (parsed.data.decision === 'approve') {
      if (admitHeldItem(app, held)) app.db.update(hubs).set({ updatedAt: now }).where(eq(hubs.id, hub.id)).run();
    } else {
      app.db.update(hubHeldItems).set({ status: 'rejected', decidedBy: props.actor?.id ?? null, decidedAt: now }).where(eq(hubHeldItems.id, held.id)).run();
    }
    recordAudit(app, {
      action: parsed.data.decision === 'approve' ? 'hub.post_approved' : 'hub.post_rejected',
      actor: props.actor ? { id: props.actor.id } : null,
      subject: { type: 'hub', id: hub.id },
      details: { account: held.acct, url: held.url },
    });
    return { decision: parsed.data.decision, held };
  });
}
