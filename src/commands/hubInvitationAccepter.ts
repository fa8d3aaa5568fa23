/**
 * A person accepts a teacher's invitation to a hub: from now on the hub's teachers and members count as theirs for
 * class-only work, as if they had used a join code. Only the invitee can accept; anyone else gets the same 404 as
 * an invitation that does not exist.
 */
import { and, eq } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, hubs, users, type Hub } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { notifyMemberJoined } from '../server/notifications/hubEvents.ts';

/** Accepts the actor's open invitation to `hubId`; returns the hub. */
export function acceptHubInvitation(app: AppContext, props: { actor: Viewer; hubId: string; address?: string | null }): Hub {
  return inTransaction(app, () => {
    const mine = and(eq(hubMembers.hubId, props.hubId), eq(hubMembers.userId, props.actor.id), eq(hubMembers.enrolment, 'invited'));
    const hub = app.db.select().from(hubs).where(eq(hubs.id, props.hubId)).get();
    const invitation = app.db.select({ role: hubMembers.role }).from(hubMembers).where(mine).get();
    if (!hub || !invitation) throw notFound('That invitation');
    app.db.update(hubMembers).set({ enrolment: 'invitation_accepted', joinedAt: app.now() }).where(mine).run();
    const me = app.db.select({ id: users.id, handle: users.handle }).from(users).where(eq(users.id, props.actor.id)).get() ?? null;
    recordAudit(app, {
      action: 'hub.invitation.accepted',
      actor: me,
      subject: { type: 'hub', id: hub.id },
      subjectUser: me,
      address: props.address,
      details: { hub: hub.slug, role: invitation.role },
    });
    // Their tagged work now names the hub on its pages.
    bumpContentVersion(app, props.actor.id);
    notifyMemberJoined(app, hub, props.actor.id, 'invitation');
    return hub;
  });
}
