/**
 * What a student's empty workspace tells them about their course hubs: which hashtags bring work into each hub,
 * and what is due next. Two queries, whatever the number of hubs.
 */
import { and, asc, eq, gte, inArray } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { hubAssignments, hubMembers, hubs } from '../db/schema.ts';
import { consentedMembership } from '../hubs/enrolment.ts';

/** One hub the person belongs to, as the workspace welcome names it. */
export interface HubHint {
  slug: string;
  title: string;
  /** The hub's hashtags, normalised, without '#'. */
  tags: string[];
  /** The next assignments (due today or later), soonest first. */
  upcoming: { title: string; tag: string; dueAt: Date }[];
}

/** The hubs `userId` belongs to, by title, each with its hashtags and up to `perHub` assignments still to come. */
export function listHubHints(app: AppContext, userId: string, options: { perHub?: number } = {}): HubHint[] {
  const perHub = options.perHub ?? 3;
  const rows = app.db
    .select({ id: hubs.id, slug: hubs.slug, title: hubs.title, tags: hubs.tags })
    .from(hubMembers)
    .innerJoin(hubs, eq(hubs.id, hubMembers.hubId))
    .where(and(eq(hubMembers.userId, userId), consentedMembership()))
    .orderBy(asc(hubs.title))
    .all();
  if (rows.length === 0) return [];
  // From the start of today (UTC, as dates are shown), so work due today still counts as next.
  const now = app.now();
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const due = app.db
    .select({ hubId: hubAssignments.hubId, title: hubAssignments.title, tag: hubAssignments.tag, dueAt: hubAssignments.dueAt })
    .from(hubAssignments)
    .where(and(inArray(hubAssignments.hubId, rows.map((r) => r.id)), gte(hubAssignments.dueAt, today)))
    .orderBy(asc(hubAssignments.dueAt), asc(hubAssignments.title))
    .all();
  return rows.map((hub) => ({
    slug: hub.slug,
    title: hub.title,
    tags: hub.tags,
    upcoming: due
      .filter((a) => a.hubId === hub.id)
      .slice(0, perHub)
      .map((a) => ({ title: a.title, tag: a.tag, dueAt: a.dueAt! })),
  }));
}
