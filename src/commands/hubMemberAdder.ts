/**
 * A teacher adds someone to a hub by handle (besides join codes). Students join as students; teachers and admins
 * may be added as teachers. Membership makes the hub's teachers "the student's teachers" for members-visibility
 * work, so only the hub's teachers (and admins) can add anyone.
 */
import { eq } from 'drizzle-orm';
import { PotluckError, invalid } from '../core/errors.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubMembers, users, type User } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertCanManage, getHubById, hubRoleOf } from '../server/hubs/access.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

export interface AddHubMemberProps {
  actor: Viewer | null;
  hubId: string;
  /** With or without '@'. */
  handle: string;
  /** Default: student for students, teacher for teachers and admins. */
  role?: 'teacher' | 'student';
}

/** Adds the account with `handle` to the hub; returns it with its role. Adding a member twice is an error. */
export function addHubMember(app: AppContext, props: AddHubMemberProps): { user: User; role: 'teacher' | 'student' } {
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
    const role = props.role ?? (user.role === 'student' ? 'student' : 'teacher');
    if (role === 'teacher' && user.role === 'student') {
      throw invalid([{ field: 'role', message: `@${handle} is a student and can join only as a student.` }]);
    }
    const current = hubRoleOf(app, hub.id, user.id);
    if (current) {
      throw new PotluckError('CONFLICT', `@${handle} is already a ${current} in this hub.`, {
        issues: [{ field: 'handle', message: `@${handle} is already a ${current} in this hub.` }],
      });
    }
    app.db.insert(hubMembers).values({ hubId: hub.id, userId: user.id, role, joinedAt: app.now() }).run();
    // Their tagged work now names the hub on its page.
    bumpContentVersion(app, user.id);
    return { user, role };
  });
}
