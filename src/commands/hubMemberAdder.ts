/**
 * A teacher or admin adds someone to a hub by handle (besides join codes). Students join as students; teachers and
 * admins may be added as teachers. Membership makes the hub's teachers "the student's teachers" for members-visibility
 * work, so it must be consented: an admin's addition is a roster and counts at once; a teacher's is an invitation
 * that the person accepts or declines on their workspace (hubInvitationAccepter, hubInvitationDecliner), and until
 * then nothing of theirs is shown to the hub.
 */
import { and, eq } from 'drizzle-orm';
import { PotluckError, invalid } from '../core/errors.ts';
import { enrolmentByAdder } from '../core/policy.ts';
import type { Viewer } from '../core/visibility.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, users, type User } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertCanManage, getHubById, membershipOf } from '../server/hubs/access.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { notifyHubInvited, notifyMemberJoined } from '../server/notifications/hubEvents.ts';

export interface AddHubMemberProps {
  actor: Viewer | null;
  hubId: string;
  /** With or without '@'. */
  handle: string;
  /** Default: student for students, teacher for teachers and admins. */
  role?: 'teacher' | 'student';
  /** The client's address for the audit log; by default the request's (or `cli`) the audit scope knows. */
  address?: string | null;
}

/**
 * Adds (admin) or invites (teacher) the account with `handle`; returns it with its role and whether it is a member
 * now or only invited. Adding or inviting someone twice is an error.
 */
export function addHubMember(app: AppContext, props: AddHubMemberProps): { user: User; role: 'teacher' | 'student'; enrolment: 'admin' | 'invited' } {
  const handle = props.handle.trim().replace(/^@/, '').toLowerCase();
  if (!handle) throw invalid([{ field: 'handle', message: 'Enter the handle of the person to add, like maya.' }]);
  return inTransaction(app, () => {
    const hub = getHubById(app, props.hubId);
    assertCanManage(app, props.actor, hub);
    const user = app.db.select().from(users).where(eq(users.handle, handle)).get();
    if (!user || user.disabledAt) {
      throw new PotluckError('VALIDATION', `Nobody has the handle @${handle}.`, {
        issues: [{ field: 'handle', message: `Nobody has the handle @${handle}. Check the spelling (a handle is what follows /@ in their portfolio’s address).` }],
      });
    }
    // A guardian reads their child's work through the family link, never through a hub's river.
    if (user.role === 'guardian') {
      throw invalid([{ field: 'handle', message: `@${handle} is a guardian account: guardians are not hub members. They see their child’s work on their Family page.` }]);
    }
    const role = props.role ?? (user.role === 'student' ? 'student' : 'teacher');
    if (role === 'teacher' && user.role === 'student') {
      throw invalid([{ field: 'role', message: `@${handle} is a student and can join only as a student.` }]);
    }
    const current = membershipOf(app, hub.id, user.id);
    const enrolment = enrolmentByAdder(props.actor);
    // An admin's roster settles an open invitation; anything else already there is a conflict.
    if (current && !(current.enrolment === 'invited' && enrolment === 'admin')) {
      const message =
        current.enrolment === 'invited'
          ? `@${handle} is already invited to this hub; they accept or decline on their workspace.`
          : `@${handle} is already a ${current.role} in this hub.`;
      throw new PotluckError('CONFLICT', message, { issues: [{ field: 'handle', message }] });
    }
    if (current) {
      app.db.update(hubMembers).set({ role, joinedAt: app.now(), enrolment }).where(and(eq(hubMembers.hubId, hub.id), eq(hubMembers.userId, user.id))).run();
    } else {
      app.db.insert(hubMembers).values({ hubId: hub.id, userId: user.id, role, joinedAt: app.now(), enrolment }).run();
    }
    const actor = props.actor ? (app.db.select({ id: users.id, handle: users.handle }).from(users).where(eq(users.id, props.actor.id)).get() ?? null) : null;
    recordAudit(app, {
      action: enrolment === 'invited' ? 'hub.member.invited' : 'hub.member.added',
      actor,
      subject: { type: 'hub', id: hub.id },
      subjectUser: { id: user.id, handle: user.handle },
      address: props.address,
      details: { hub: hub.slug, role, enrolment },
    });
    // A roster member's tagged work now names the hub on its page; an invitation changes nothing they publish.
    if (enrolment !== 'invited') bumpContentVersion(app, user.id);
    // The invitee learns where to answer; a roster member is the teachers' news.
    if (enrolment === 'invited') notifyHubInvited(app, hub, user.id, props.actor?.id ?? null);
    else notifyMemberJoined(app, hub, user.id, 'roster');
    return { user, role, enrolment };
  });
}
