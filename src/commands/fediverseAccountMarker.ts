/**
 * A teacher marks a fediverse account (`@user@server`, or its profile address) as a hub member's: that account's
 * later posts on the hub's hashtags come in directly instead of waiting for approval, and what it has waiting in the
 * queue now comes in too. Unmarking makes its later posts wait again (what is in the hub stays).
 */
import { and, eq } from 'drizzle-orm';
import { PotluckError, invalid, notFound } from '../core/errors.ts';
import { parseFediverseAccount } from '../core/hubs/fediverse.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubFediverseAccounts, hubHeldItems, hubs, type HubFediverseAccount } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertCanManage, getHubById, hubRoleOf } from '../server/hubs/access.ts';
import { admitHeldItem } from './heldItemDecider.ts';
import { recordAudit } from '../server/audit/auditLog.ts';

/** Marks the account as the member's; returns it with how many waiting posts came in. */
export function markFediverseAccount(
  app: AppContext,
  props: { actor: Viewer | null; hubId: string; account: string; memberId: string },
): { account: HubFediverseAccount; admitted: number } {
  const acct = parseFediverseAccount(props.account);
  if (!acct) throw invalid([{ field: 'account', message: 'Write the account as @name@server (for example @sam@mastodon.social) or paste its profile address.' }]);
  return inTransaction(app, () => {
    const hub = getHubById(app, props.hubId);
    assertCanManage(app, props.actor, hub);
    if (!props.memberId || !hubRoleOf(app, hub.id, props.memberId)) throw invalid([{ field: 'memberId', message: 'Choose a member of this hub.' }]);
    const existing = app.db.select().from(hubFediverseAccounts).where(and(eq(hubFediverseAccounts.hubId, hub.id), eq(hubFediverseAccounts.acct, acct))).get();
    if (existing && existing.memberId !== props.memberId) throw new PotluckError('CONFLICT', `@${acct} is already marked as another member’s; unmark it first.`);
    const account =
      existing ??
      app.db
        .insert(hubFediverseAccounts)
        .values({ id: app.newId(), hubId: hub.id, acct, memberId: props.memberId, addedBy: props.actor?.id ?? null, createdAt: app.now() })
        .returning()
        .get();
    let admitted = 0;
    for (const held of app.db.select().from(hubHeldItems).where(and(eq(hubHeldItems.hubId, hub.id), eq(hubHeldItems.acct, acct), eq(hubHeldItems.status, 'held'))).all()) {
      if (admitHeldItem(app, held)) admitted++;
    }
    if (admitted) app.db.update(hubs).set({ updatedAt: app.now() }).where(eq(hubs.id, hub.id)).run();
    if (!existing) {
      recordAudit(app, {
        action: 'hub.account_marked',
        actor: props.actor ? { id: props.actor.id } : null,
        subject: { type: 'hub', id: hub.id },
        subjectUser: { id: props.memberId },
        details: { account: acct, admitted },
      });
    }
    return { account, admitted };
  });
}

/** Unmarks an account of the hub. */
export function unmarkFediverseAccount(app: AppContext, props: { actor: Viewer | null; hubId: string; accountId: string }): void {
  inTransaction(app, () => {
    const hub = getHubById(app, props.hubId);
    assertCanManage(app, props.actor, hub);
    const gone = app.db.delete(hubFediverseAccounts).where(and(eq(hubFediverseAccounts.id, props.accountId), eq(hubFediverseAccounts.hubId, hub.id))).returning().get();
    if (!gone) throw notFound('That account');
    recordAudit(app, {
      action: 'hub.account_unmarked',
      actor: props.actor ? { id: props.actor.id } : null,
      subject: { type: 'hub', id: hub.id },
      subjectUser: { id: gone.memberId },
      details: { account: gone.acct },
    });
  });
}
