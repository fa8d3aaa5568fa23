/**
 * A person declines a teacher's invitation to a hub: the invitation goes, and the hub never saw anything of theirs.
 * The teacher may invite again; a join code from them is the other way in. Only the invitee can decline.
 */
import { and, eq } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, hubs, users, type Hub } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

/** Declines the actor's open invitation to `hubId`; returns the hub. */
export function declineHubInvitation(app: AppContext, props: { actor: Viewer; hubId: string; address?: string | null }): Hub {
  return inTransaction(app, () => {
    const mine = and(eq(hubMembers.hubId, props.hubId), eq(hubMembers.userId, props.actor.id), eq(hubMembers.enrolment, 'invited'));
    const hub = app.db.select().from(hubs).where(eq(hubs.id, props.hubId)).get();
    if (!hub || app.db.delete(hubMembers).where(mine).run().changes === 0) throw notFound('That invitation');
    const me = app.db.select({ id: users.id, handle: users.handle }).from(users).where(eq(users.id, props.actor.id)).get() ?? null;
    recordAudit(app, {
      action: 'hub.invitation.declined',
      actor: me,
      subject: { type: 'hub', id: hub.id },
      subjectUser: me,
      address: props.address,
      details: { hub: hub.slug },
    });
    return hub;
  });
}
