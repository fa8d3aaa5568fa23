/**
 * "My students" (/workspace/students): every student of the hubs a teacher teaches (consented enrolment, disabled
 * accounts left out), each once, with all the work they share with the class as the teacher may read it (the
 * portfolio's listing rule for a hub-mate, core/visibility `listedVisibilities('member')`). Sorted by latest work,
 * narrowed by name or handle and by hub, a page at a time. Three queries per page, whatever the size of the class.
 */
import { and, asc, count, desc, eq, inArray, isNull, max, ne, or, sql, type SQL } from 'drizzle-orm';
import { listedVisibilities, type Viewer } from '../../core/visibility.ts';
import type { AppContext } from '../context.ts';
import { artifacts, hubMembers, users, type Artifact } from '../db/schema.ts';
import { consentedMembership } from '../hubs/enrolment.ts';
import { listTaughtStudents } from './search.ts';

/** Students per page. */
export const STUDENTS_PAGE_SIZE = 20;

/** The longest name-or-handle filter read. */
export const MAX_WHO_LENGTH = 100;

/** One student on the page: who, in which of the teacher's hubs, and every piece the teacher can read, newest first. */
export interface StudentListing {
  id: string;
  handle: string;
  name: string;
  hubs: { id: string; title: string; slug: string }[];
  shared: number;
  /** The date of their newest piece the teacher can read (null: none yet). */
  latest: Date | null;
  work: Pick<Artifact, 'id' | 'slug' | 'title' | 'visibility' | 'date'>[];
}

/** A page of the teacher's students. */
export interface StudentsPage {
  /** Every hub the teacher teaches (the hub filter's choices). */
  hubs: { id: string; title: string; slug: string }[];
  students: StudentListing[];
  /** How many students match, over all pages. */
  total: number;
  page: number;
  pages: number;
}

/** Options of a students page. */
export interface StudentsOptions {
  /** Part of a name or handle (any case; a leading @ is ignored). */
  who?: string;
  /** Only this hub's students (one the teacher teaches; anything else: every hub). */
  hubSlug?: string;
  /** 1-based. */
  page?: number;
  pageSize?: number;
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** One page of the teacher's students, by the newest work they share with the class (those with none last). */
export function listMyStudents(app: AppContext, teacher: Viewer, options: StudentsOptions = {}): StudentsPage {
  const pageSize = options.pageSize ?? STUDENTS_PAGE_SIZE;
  const { hubs } = listTaughtStudents(app, teacher);
  const chosen = options.hubSlug ? hubs.filter((h) => h.slug === options.hubSlug) : [];
  const hubIds = (chosen.length ? chosen : hubs).map((h) => h.id);
  const empty = { hubs, students: [], total: 0, page: 1, pages: 1 };
  if (hubIds.length === 0) return empty;

  const listed = listedVisibilities('member');
  // The same students as listTaughtStudents: consented student members of the taught hubs, not the teacher.
  const taught = app.db
    .select({ id: hubMembers.userId })
    .from(hubMembers)
    .where(and(inArray(hubMembers.hubId, hubIds), eq(hubMembers.role, 'student'), ne(hubMembers.userId, teacher.id), consentedMembership()));
  const who = (options.who ?? '').trim().replace(/^@/, '').slice(0, MAX_WHO_LENGTH);
  const where: SQL | undefined = and(
    inArray(users.id, taught),
    isNull(users.disabledAt),
    who ? or(sql`${users.name} like ${likePattern(who)} escape '\\'`, sql`${users.handle} like ${likePattern(who.toLowerCase())} escape '\\'`) : undefined,
  );
  const total = app.db.select({ n: count() }).from(users).where(where).get()?.n ?? 0;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, Math.floor(options.page ?? 1)), pages);
  const latest = max(artifacts.date);
  const rows = app.db
    .select({ id: users.id, handle: users.handle, name: users.name, shared: count(artifacts.id), latest })
    .from(users)
    .leftJoin(artifacts, and(eq(artifacts.ownerId, users.id), inArray(artifacts.visibility, listed)))
    .where(where)
    .groupBy(users.id)
    .orderBy(sql`${latest} is null`, desc(latest), asc(users.name), asc(users.handle))
    .limit(pageSize)
    .offset((page - 1) * pageSize)
    .all();
  if (rows.length === 0) return { ...empty, total, page, pages };

  const ids = rows.map((r) => r.id);
  const work = new Map<string, StudentListing['work']>(ids.map((id) => [id, []]));
  for (const a of app.db
    .select({ id: artifacts.id, ownerId: artifacts.ownerId, slug: artifacts.slug, title: artifacts.title, visibility: artifacts.visibility, date: artifacts.date })
    .from(artifacts)
    .where(and(inArray(artifacts.ownerId, ids), inArray(artifacts.visibility, listed)))
    .orderBy(desc(artifacts.date), desc(artifacts.id))
    .all()) {
    work.get(a.ownerId)!.push({ id: a.id, slug: a.slug, title: a.title, visibility: a.visibility, date: a.date });
  }
  const theirHubs = new Map<string, StudentListing['hubs']>(ids.map((id) => [id, []]));
  const byId = new Map(hubs.map((h) => [h.id, h]));
  for (const m of app.db
    .select({ hubId: hubMembers.hubId, userId: hubMembers.userId })
    .from(hubMembers)
    .where(and(inArray(hubMembers.userId, ids), inArray(hubMembers.hubId, hubs.map((h) => h.id)), eq(hubMembers.role, 'student'), consentedMembership()))
    .all()) {
    const hub = byId.get(m.hubId);
    if (hub) theirHubs.get(m.userId)!.push(hub);
  }
  for (const list of theirHubs.values()) list.sort((a, b) => a.title.localeCompare(b.title));
  return {
    hubs,
    total,
    page,
    pages,
    students: rows.map((r) => ({
      id: r.id,
      handle: r.handle,
      name: r.name,
      hubs: theirHubs.get(r.id)!,
      shared: r.shared,
      latest: r.latest == null ? null : r.latest instanceof Date ? r.latest : new Date(Number(r.latest)),
      work: work.get(r.id)!,
    })),
  };
}
