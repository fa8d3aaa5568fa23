/**
 * A teacher's day: the first screen a teacher sees after signing in (/workspace/teaching). For each hub they teach
 * (consented teacher membership), what is new in its river since they last opened the hub's page (hub_visits), the
 * feedback threads waiting for their answer, and who has not contributed to the current assignment. Each hub is a
 * fixed number of queries over indexed columns, whatever the size of the class; no bodies are read.
 */
import { aliasedTable, and, asc, desc, eq, exists, gt, inArray, isNotNull, ne, notExists, or, sql } from 'drizzle-orm';
import { hubShows } from '../../core/policy.ts';
import { itemDisplayTitle } from '../../core/hubs/itemTitle.ts';
import { sitePaths } from '../../core/urls.ts';
import type { AppContext } from '../context.ts';
import { artifacts, feedbackMessages, hubItems, hubMembers, hubs, hubSources, users, type Hub, type HubAssignment } from '../db/schema.ts';
import { artifactConditions, artifactScope, itemConditions, listHubPeople, type ArtifactScope, type HubPerson, type RiverOptions } from './contributions.ts';
import { consentedMembership } from './enrolment.ts';
import { listAssignments } from './progress.ts';
import { hubVisitsOf } from './visits.ts';

const DAY = 24 * 60 * 60 * 1000;

/** How many of the newest entries, and of the waiting threads, the landing page names per hub. */
export const NEWEST_SHOWN = 3;
export const WAITING_SHOWN = 10;

/** An entry of the river that arrived since the last visit. */
export interface FreshEntry {
  kind: 'artifact' | 'item';
  title: string;
  url: string | null;
  author: string;
  /** When it arrived (saved, or first fetched). */
  at: Date;
  visibility: 'public' | 'members' | null;
}

/** A feedback thread whose newest message is the student's. */
export interface WaitingThread {
  artifactId: string;
  title: string;
  student: { name: string; handle: string };
  /** When the student wrote. */
  at: Date;
  /** The thread's page. */
  href: string;
}

/** One hub on the teacher's landing page. */
export interface HubDay {
  hub: Pick<Hub, 'id' | 'slug' | 'title' | 'visibility'>;
  /** Where the teacher reads the river: the members' view in a public hub, so class-only work is there too. */
  riverHref: string;
  /** Their last visit to the hub's page (null: never opened). */
  since: Date | null;
  fresh: { count: number; newest: FreshEntry[] };
  waiting: { count: number; threads: WaitingThread[] };
  /** The next assignment due, else the latest; null when the hub has none. */
  current: { assignment: HubAssignment; upcoming: boolean; contributed: number; missing: HubPerson[] } | null;
  students: number;
}

/** The hubs `teacherId` teaches, by title. One query. */
export function taughtHubs(app: AppContext, teacherId: string): Hub[] {
  return app.db
    .select({ hub: hubs })
    .from(hubMembers)
    .innerJoin(hubs, eq(hubs.id, hubMembers.hubId))
    .where(and(eq(hubMembers.userId, teacherId), eq(hubMembers.role, 'teacher'), consentedMembership()))
    .orderBy(asc(hubs.title), asc(hubs.slug))
    .all()
    .map((r) => r.hub);
}

/** The assignment the class works on now: the next one due (due days run to their end), else the latest. */
export function currentAssignment(assignments: HubAssignment[], now: Date): { assignment: HubAssignment; upcoming: boolean } | null {
  const dated = assignments.filter((a) => a.dueAt !== null).sort((a, b) => a.dueAt!.getTime() - b.dueAt!.getTime());
  const next = dated.find((a) => a.dueAt!.getTime() + DAY > now.getTime());
  if (next) return { assignment: next, upcoming: true };
  if (dated.length) return { assignment: dated.at(-1)!, upcoming: false };
  const undated = [...assignments].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  return undated[0] ? { assignment: undated[0], upcoming: false } : null;
}

/**
 * What arrived in the river the teacher reads since `since` (null: everything): a count and the newest few. The
 * portfolio half is one query (the count rides along as a window over the same rows), the feed half another.
 */
export function freshEntries(app: AppContext, hub: Hub, scope: ArtifactScope | null, since: Date | null): HubDay['fresh'] {
  const options: RiverOptions = { scope: hubShows(hub, 'teacher', 'members').includes('members') ? 'members' : 'public' };
  const entries: FreshEntry[] = [];
  let total = 0;
  const everything = sql<number>`count(*) over ()`;
  if (scope) {
    const rows = app.db
      .select({ ownerId: artifacts.ownerId, slug: artifacts.slug, title: artifacts.title, visibility: artifacts.visibility, at: artifacts.createdAt, total: everything })
      .from(artifacts)
      .where(and(artifactConditions(hub, scope, options), since ? gt(artifacts.createdAt, since) : undefined))
      .orderBy(desc(artifacts.createdAt), desc(artifacts.id))
      .limit(NEWEST_SHOWN)
      .all();
    total += rows[0]?.total ?? 0;
    for (const row of rows) {
      const person = scope.people.get(row.ownerId)!;
      entries.push({
        kind: 'artifact',
        title: row.title,
        url: sitePaths.artifact(person.handle, row.slug),
        author: person.name,
        at: row.at,
        visibility: row.visibility === 'public' || row.visibility === 'members' ? row.visibility : null,
      });
    }
  }
  const items = app.db
    .select({ title: hubItems.title, excerpt: hubItems.excerpt, url: hubItems.url, authorName: hubItems.authorName, sourceTitle: hubSources.title, at: hubItems.firstSeenAt, total: everything })
    .from(hubItems)
    .innerJoin(hubSources, eq(hubSources.id, hubItems.sourceId))
    .where(and(itemConditions(hub, options), since ? gt(hubItems.firstSeenAt, since) : undefined))
    .orderBy(desc(hubItems.firstSeenAt), desc(hubItems.id))
    .limit(NEWEST_SHOWN)
    .all();
  total += items[0]?.total ?? 0;
  for (const row of items) {
    entries.push({ kind: 'item', title: itemDisplayTitle(row.title, row.excerpt), url: row.url, author: row.authorName || row.sourceTitle, at: row.at, visibility: null });
  }
  entries.sort((a, b) => b.at.getTime() - a.at.getTime());
  return { count: total, newest: entries.slice(0, NEWEST_SHOWN) };
}

/**
 * Threads on the pieces of `studentIds` that wait for a teacher of `hubId`: the newest message is the student's
 * (so it is newer than anything a teacher wrote), on a piece teachers may read (not private), and the thread is
 * this hub's: a teacher wrote in it as this hub, or no teacher has written in it as any hub yet (the student asked
 * first). Oldest waiting first. One query (the count rides along as a window).
 */
export function waitingThreads(app: AppContext, hubId: string, studentIds: string[]): HubDay['waiting'] {
  if (studentIds.length === 0) return { count: 0, threads: [] };
  const later = aliasedTable(feedbackMessages, 'later');
  const asHub = aliasedTable(feedbackMessages, 'as_hub');
  const asOther = aliasedTable(feedbackMessages, 'as_other');
  const where = and(
    inArray(artifacts.ownerId, studentIds),
    ne(artifacts.visibility, 'private'),
    eq(feedbackMessages.authorRole, 'owner'),
    notExists(
      app.db
        .select({ one: sql`1` })
        .from(later)
        .where(
          and(
            eq(later.artifactId, feedbackMessages.artifactId),
            or(gt(later.createdAt, feedbackMessages.createdAt), and(eq(later.createdAt, feedbackMessages.createdAt), gt(later.id, feedbackMessages.id))),
          ),
        ),
    ),
    or(
      exists(app.db.select({ one: sql`1` }).from(asHub).where(and(eq(asHub.artifactId, feedbackMessages.artifactId), eq(asHub.hubId, hubId)))),
      notExists(
        app.db
          .select({ one: sql`1` })
          .from(asOther)
          .where(and(eq(asOther.artifactId, feedbackMessages.artifactId), eq(asOther.authorRole, 'teacher'), isNotNull(asOther.hubId))),
      ),
    ),
  );
  const rows = app.db
    .select({ artifactId: artifacts.id, title: artifacts.title, at: feedbackMessages.createdAt, name: users.name, handle: users.handle, total: sql<number>`count(*) over ()` })
    .from(feedbackMessages)
    .innerJoin(artifacts, eq(artifacts.id, feedbackMessages.artifactId))
    .innerJoin(users, eq(users.id, artifacts.ownerId))
    .where(where)
    .orderBy(asc(feedbackMessages.createdAt))
    .limit(WAITING_SHOWN)
    .all();
  return {
    count: rows[0]?.total ?? 0,
    threads: rows.map((r) => ({
      artifactId: r.artifactId,
      title: r.title,
      student: { name: r.name, handle: r.handle },
      at: r.at,
      href: `/workspace/artifacts/${encodeURIComponent(r.artifactId)}/feedback`,
    })),
  };
}

/**
 * The students who have contributed to `tag` in the hub, as its progress page counts (hidden pieces too); `scope`
 * is the hub's artifact scope narrowed to the tag. Two queries.
 */
export function contributorsTo(app: AppContext, hub: Hub, scope: ArtifactScope | null, tag: string): Set<string> {
  const options: RiverOptions = { scope: hubShows(hub, 'teacher', 'progress').includes('members') ? 'members' : 'public', includeHidden: true, filter: { tag } };
  const ids = new Set<string>();
  if (scope?.filterTags) {
    for (const r of app.db.selectDistinct({ id: artifacts.ownerId }).from(artifacts).where(artifactConditions(hub, scope, options)).all()) ids.add(r.id);
  }
  for (const r of app.db
    .selectDistinct({ id: hubSources.memberId })
    .from(hubItems)
    .innerJoin(hubSources, eq(hubSources.id, hubItems.sourceId))
    .where(and(itemConditions(hub, options), isNotNull(hubSources.memberId)))
    .all()) {
    if (r.id) ids.add(r.id);
  }
  return ids;
}

/** The hub's artifact scope without `userId`'s own work and without a tag filter; null when nobody is left. */
function othersOnly(scope: ArtifactScope, userId: string): ArtifactScope | null {
  const people = new Map([...scope.people].filter(([id]) => id !== userId));
  return people.size ? { people, hubTags: scope.hubTags, filterTags: null } : null;
}

/** The landing page of a teacher: every hub they teach, with its day. */
export function teacherDay(app: AppContext, teacherId: string): HubDay[] {
  const visits = hubVisitsOf(app, teacherId);
  const now = app.now();
  return taughtHubs(app, teacherId).map((hub): HubDay => {
    const since = visits.get(hub.id) ?? null;
    const students = listHubPeople(app, hub.id).filter((p) => p.role === 'student' && p.id !== teacherId);
    const chosen = currentAssignment(listAssignments(app, hub.id), now);
    // One scope serves both halves: the hub's tags for what is new, the assignment's tag too for who contributed.
    const scoped = artifactScope(app, hub, chosen ? { tag: chosen.assignment.tag } : {});
    const scope = scoped ?? (chosen ? artifactScope(app, hub, {}) : null);
    let current: HubDay['current'] = null;
    if (chosen) {
      const done = contributorsTo(app, hub, scoped, chosen.assignment.tag);
      const missing = students.filter((s) => !done.has(s.id));
      current = { ...chosen, contributed: students.length - missing.length, missing };
    }
    const membersView = hubShows(hub, 'teacher', 'members').length > hubShows(hub, 'teacher', 'river').length;
    return {
      hub: { id: hub.id, slug: hub.slug, title: hub.title, visibility: hub.visibility },
      riverHref: `/hubs/${hub.slug}/${membersView ? '?view=members' : ''}`,
      since,
      // What is new is the others' work: the teacher's own posts are not news to them.
      fresh: freshEntries(app, hub, scope && othersOnly(scope, teacherId), since),
      waiting: waitingThreads(app, hub.id, students.map((s) => s.id)),
      current,
      students: students.length,
    };
  });
}
