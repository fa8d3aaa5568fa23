/**
 * A piece of work as the hubs see it, for its owner and its teachers: the hubs it is in (the owner is a consented
 * member and the piece carries one of the hub's tags, the river's own rule), the review status each gave it, the
 * hubs that hid it and why, and the public hubs whose river will not show it because it is class-only.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { foldTag, foldedSet } from '../../core/hubs/matching.ts';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { contributionStatuses, hubHides, hubMembers, hubs, type Artifact, type ContributionStatus } from '../db/schema.ts';
import { consentedMembership } from '../hubs/enrolment.ts';
import { teachesHub } from '../policyFacts.ts';

/** A hub a piece is in. */
export interface PieceHub {
  id: string;
  slug: string;
  title: string;
  visibility: 'public' | 'members';
}

/** The hubs `artifact` is in: its owner belongs to them by consent, and it has one of their tags. One query. */
export function hubsOfPiece(app: AppContext, artifact: Pick<Artifact, 'ownerId' | 'tags'>): PieceHub[] {
  const own = new Set(artifact.tags.map(foldTag));
  if (own.size === 0) return [];
  const statement = prepared(app.db, 'feedbackHubs.ofOwner', (db) =>
    db
      .select({ id: hubs.id, slug: hubs.slug, title: hubs.title, visibility: hubs.visibility, tags: hubs.tags })
      .from(hubMembers)
      .innerJoin(hubs, eq(hubs.id, hubMembers.hubId))
      .where(and(eq(hubMembers.userId, sql.placeholder('owner')), consentedMembership()))
      .orderBy(asc(hubs.title))
      .prepare(),
  );
  return statement
    .all({ owner: artifact.ownerId })
    .filter((hub) => [...foldedSet(hub.tags)].some((t) => own.has(t)))
    .map(({ tags: _tags, ...hub }) => hub);
}

/** The hubs a piece is in that `teacherId` teaches: where their status form goes. */
export function hubsTaughtOfPiece(app: AppContext, teacherId: string, artifact: Pick<Artifact, 'ownerId' | 'tags'>): PieceHub[] {
  return hubsOfPiece(app, artifact).filter((hub) => teachesHub(app, teacherId, hub.id));
}

/** The review status each hub gave a piece, by hub id. */
export function statusesOf(app: AppContext, artifactId: string): Map<string, ContributionStatus> {
  const statement = prepared(app.db, 'feedbackHubs.statuses', (db) =>
    db.select().from(contributionStatuses).where(eq(contributionStatuses.artifactId, sql.placeholder('artifact'))).prepare(),
  );
  const rows = statement.all({ artifact: artifactId });
  return new Map(rows.map((r) => [r.hubId, r]));
}

/** The statuses of a piece named by hub, for the thread and the editor: only hubs the piece is in today. */
export function statusList(app: AppContext, artifact: Pick<Artifact, 'id' | 'ownerId' | 'tags'>): { hub: PieceHub; status: ContributionStatus }[] {
  const statuses = statusesOf(app, artifact.id);
  return hubsOfPiece(app, artifact).flatMap((hub) => {
    const status = statuses.get(hub.id);
    return status ? [{ hub, status }] : [];
  });
}

/** A hub that hid a piece, with the teacher's reason. */
export interface PieceHide {
  hubId: string;
  hubSlug: string;
  hubTitle: string;
  reason: string;
  hiddenAt: Date;
}

/** The hubs that hid `artifactId` from their river, with why: shown to the student on the piece. */
export function hidesOf(app: AppContext, artifactId: string): PieceHide[] {
  const statement = prepared(app.db, 'feedbackHubs.hides', (db) =>
    db
      .select({ hubId: hubs.id, hubSlug: hubs.slug, hubTitle: hubs.title, reason: hubHides.reason, hiddenAt: hubHides.hiddenAt })
      .from(hubHides)
      .innerJoin(hubs, eq(hubs.id, hubHides.hubId))
      .where(eq(hubHides.artifactId, sql.placeholder('artifact')))
      .orderBy(asc(hubs.title))
      .prepare(),
  );
  return statement.all({ artifact: artifactId });
}

/**
 * The public hubs whose public river will not show `artifact` because it is class-only (core/policy `hubShows`):
 * what the student is told when they save it. Only its teachers see it there, in the members' view.
 */
export function publicHubMisses(app: AppContext, artifact: Pick<Artifact, 'ownerId' | 'tags' | 'visibility'>): PieceHub[] {
  if (artifact.visibility !== 'members') return [];
  return hubsOfPiece(app, artifact).filter((hub) => hub.visibility === 'public');
}

/** The teachers of the given hubs (owners and consented teacher members), by hub id. */
export function teachersOfHubs(app: AppContext, hubIds: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(hubIds.map((id) => [id, []]));
  if (hubIds.length === 0) return out;
  const members = app.db
    .select({ hubId: hubMembers.hubId, userId: hubMembers.userId })
    .from(hubMembers)
    .where(and(inArray(hubMembers.hubId, hubIds), eq(hubMembers.role, 'teacher'), consentedMembership()))
    .all();
  const owners = app.db.select({ hubId: hubs.id, userId: hubs.ownerId }).from(hubs).where(inArray(hubs.id, hubIds)).all();
  for (const row of [...members, ...owners]) {
    if (!row.userId) continue;
    const list = out.get(row.hubId)!;
    if (!list.includes(row.userId)) list.push(row.userId);
  }
  return out;
}
