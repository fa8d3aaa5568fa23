/**
 * The notifications of a hub's own business: an invitation, a new member, a feed that keeps failing, an assignment
 * due soon. Each is called inside the transaction of what happened (or of the scheduler's check), so a notification
 * exists exactly when the event does. Titles name the hub, people by name and the feed's address: nothing of
 * anyone's work.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { foldTag } from '../../core/hubs/matching.ts';
import type { AppContext } from '../context.ts';
import { hubAssignments, hubMembers, hubs, users, type Hub } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { listContributions, listHubPeople } from '../hubs/contributions.ts';
import { consentedMembership } from '../hubs/enrolment.ts';
import { notify } from './notify.ts';

const DAY = 24 * 60 * 60 * 1000;

/** The hub's teachers by consented enrolment who can still sign in: those told about its members and feeds. */
export function hubTeacherIds(app: AppContext, hubId: string): string[] {
  return app.db
    .select({ id: hubMembers.userId })
    .from(hubMembers)
    .innerJoin(users, eq(users.id, hubMembers.userId))
    .where(and(eq(hubMembers.hubId, hubId), eq(hubMembers.role, 'teacher'), consentedMembership(), isNull(users.disabledAt)))
    .all()
    .map((r) => r.id);
}

function nameOf(app: AppContext, userId: string | null | undefined): string {
  if (!userId) return 'An admin';
  const row = app.db.select({ name: users.name, handle: users.handle }).from(users).where(eq(users.id, userId)).get();
  return row ? `${row.name} (@${row.handle})` : 'Someone';
}

/** A teacher invited `inviteeId` to the hub: they are told where to accept or decline. */
export function notifyHubInvited(app: AppContext, hub: Pick<Hub, 'id' | 'title'>, inviteeId: string, actorId: string | null): void {
  notify(app, {
    to: inviteeId,
    kind: 'hub.invited',
    title: `${nameOf(app, actorId)} invited you to ${hub.title}`,
    url: '/workspace/hubs',
    actorId,
    hubId: hub.id,
  });
}

/** Someone became a member (join code, accepted invitation, admin's roster): the hub's teachers are told. */
export function notifyMemberJoined(app: AppContext, hub: Pick<Hub, 'id' | 'slug' | 'title'>, memberId: string, how: 'join_code' | 'invitation' | 'roster'): void {
  const who = nameOf(app, memberId);
  const verb = how === 'roster' ? 'was added to' : how === 'invitation' ? 'accepted the invitation to' : 'joined';
  notify(
    app,
    hubTeacherIds(app, hub.id).map((to) => ({
      to,
      kind: 'member.joined' as const,
      title: `${who} ${verb} ${hub.title}`,
      url: `/hubs/${hub.slug}/members`,
      actorId: memberId,
      hubId: hub.id,
    })),
  );
}

/** The same, for a hub known by id (sign-up with a hub's join code). */
export function notifyMemberJoinedById(app: AppContext, hubId: string, memberId: string, how: 'join_code' | 'invitation' | 'roster'): void {
  const hub = app.db.select({ id: hubs.id, slug: hubs.slug, title: hubs.title }).from(hubs).where(eq(hubs.id, hubId)).get();
  if (hub) notifyMemberJoined(app, hub, memberId, how);
}

/**
 * A hub's feed was flagged as failing (or stopped): its teachers are told once per flagging. The key carries the
 * moment it was flagged, so a feed that recovers and fails again is told again.
 */
export function notifySourceFailing(app: AppContext, source: { id: string; hubId: string; url: string; title: string }, flaggedAt: Date): void {
  const hub = app.db.select({ id: hubs.id, slug: hubs.slug, title: hubs.title }).from(hubs).where(eq(hubs.id, source.hubId)).get();
  if (!hub) return;
  const name = source.title.trim() || source.url;
  notify(
    app,
    hubTeacherIds(app, hub.id).map((to) => ({
      to,
      kind: 'source.failing' as const,
      title: `The feed ${name} of ${hub.title} keeps failing`,
      url: `/hubs/${hub.slug}/sources`,
      hubId: hub.id,
      key: `source.failing:${source.id}:${flaggedAt.getTime()}`,
    })),
  );
}

function dayOf(date: Date): string {
  return date.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
}

/**
 * The scheduler's check: every assignment due within the next 2 days reminds each student of the hub who has not
 * contributed to it (and their guardians who chose it), once per assignment. Returns how many were made.
 */
export function remindAssignmentsDue(app: AppContext): number {
  const now = app.now();
  const soon = app.db.select().from(hubAssignments).all().filter((a) => a.dueAt !== null && a.dueAt.getTime() > now.getTime() && a.dueAt.getTime() <= now.getTime() + 2 * DAY);
  let made = 0;
  for (const assignment of soon) {
    const hub = app.db.select().from(hubs).where(eq(hubs.id, assignment.hubId)).get();
    if (!hub) continue;
    const tag = foldTag(assignment.tag);
    // What the class sees counts as handed in (like the progress view); a private piece is not handed in.
    const contributed = new Set(listContributions(app, hub, 'members').filter((c) => c.authorId && c.tags.some((t) => foldTag(t) === tag)).map((c) => c.authorId!));
    const missing = listHubPeople(app, hub.id).filter((p) => p.role === 'student' && !contributed.has(p.id));
    const due = dayOf(assignment.dueAt!);
    made += inTransaction(app, () =>
      notify(
        app,
        missing.map((p) => ({
          to: p.id,
          kind: 'assignment.due' as const,
          title: `${assignment.title} in ${hub.title} is due on ${due} and has nothing from you yet (tag #${assignment.tag})`,
          url: `/hubs/${hub.slug}/`,
          hubId: hub.id,
          key: `assignment.due:${assignment.id}`,
          forGuardians: { title: `${assignment.title} in ${hub.title} is due on ${due} and has nothing from ${p.name} yet`, url: '/family' },
        })),
      ).length,
    );
  }
  return made;
}
