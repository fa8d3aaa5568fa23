/**
 * Reading a feedback thread: the piece it is about as the actor may reach it, its messages, who is in it, its
 * reviewers and the hub-mates who could be, and the links other pages show to it. Who may read or write is
 * core/policy.ts's `feedback` rule on the facts policyFacts.feedbackSubject loads; a thread nobody may read is the
 * same 404 as a piece that does not exist.
 */
import { and, asc, count, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { notFound } from '../../core/errors.ts';
import { authorize, can, type Actions, type Actor } from '../../core/policy.ts';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { artifacts, feedbackMessages, feedbackReviewers, hubMembers, revisions, users, type Artifact, type FeedbackMessage } from '../db/schema.ts';
import { consentedMembership } from '../hubs/enrolment.ts';
import { feedbackSubject } from '../policyFacts.ts';

/** Where a piece's thread lives. */
export const threadPath = (artifactId: string) => `/workspace/artifacts/${artifactId}/feedback`;

/**
 * The piece whose thread `actor` wants to `action` (read, write, inviteReviewer), or the error to answer with:
 * the same 404 for a missing piece and one whose thread they may not read, 403 where they may read but not do it.
 */
export function threadArtifact(app: AppContext, actor: Actor | null, artifactId: string, action: Actions['feedback']): Artifact {
  const artifact = app.db.select().from(artifacts).where(eq(artifacts.id, artifactId)).get();
  if (!artifact) throw notFound('That page');
  const subject = feedbackSubject(app, actor, artifact);
  // Someone who may not even read the thread learns nothing from a refusal to write in it.
  if (action !== 'read') authorize(actor, 'read', subject);
  authorize(actor, action, subject);
  return artifact;
}

/** What the thread page shows of one message: the message, and whether its author's account is still there. */
export type ThreadMessage = FeedbackMessage & { authorHandle: string | null };

/** A thread's messages, oldest first. */
export function listMessages(app: AppContext, artifactId: string): ThreadMessage[] {
  return app.db
    .select({ message: feedbackMessages, authorHandle: users.handle })
    .from(feedbackMessages)
    .leftJoin(users, eq(users.id, feedbackMessages.authorId))
    .where(eq(feedbackMessages.artifactId, artifactId))
    .orderBy(asc(feedbackMessages.createdAt), asc(feedbackMessages.id))
    .all()
    .map((r) => ({ ...r.message, authorHandle: r.authorHandle }));
}

/** How many messages a thread has. */
export function countMessages(app: AppContext, artifactId: string): number {
  const statement = prepared(app.db, 'feedback.count', (db) =>
    db.select({ n: count() }).from(feedbackMessages).where(eq(feedbackMessages.artifactId, sql.placeholder('artifact'))).prepare(),
  );
  return statement.get({ artifact: artifactId })?.n ?? 0;
}

/**
 * The teachers and reviewers who wrote in a thread and may still read it: the people told of a new message (with
 * the owner). Deleted accounts and those who left the class drop out.
 */
export function threadParticipants(app: AppContext, artifact: Pick<Artifact, 'id' | 'ownerId' | 'visibility'>): string[] {
  const rows = app.db
    .selectDistinct({ id: users.id, role: users.role })
    .from(feedbackMessages)
    .innerJoin(users, eq(users.id, feedbackMessages.authorId))
    .where(and(eq(feedbackMessages.artifactId, artifact.id), ne(feedbackMessages.authorId, artifact.ownerId), isNull(users.disabledAt)))
    .all();
  return rows.filter((r) => can(r, 'write', feedbackSubject(app, r, artifact))).map((r) => r.id);
}

/** Someone invited to review a piece. */
export interface Reviewer {
  id: string;
  handle: string;
  name: string;
  invitedAt: Date;
}

/** The reviewers a student invited to a piece, by name. */
export function listReviewers(app: AppContext, artifactId: string): Reviewer[] {
  return app.db
    .select({ id: users.id, handle: users.handle, name: users.name, invitedAt: feedbackReviewers.invitedAt })
    .from(feedbackReviewers)
    .innerJoin(users, eq(users.id, feedbackReviewers.userId))
    .where(eq(feedbackReviewers.artifactId, artifactId))
    .orderBy(asc(users.name))
    .all();
}

/**
 * The people a student may invite to review their work: active students who share a hub with them, both by
 * consented enrolment (an invitation not accepted makes nobody a hub-mate), not already invited. Two queries.
 */
export function reviewerCandidates(app: AppContext, ownerId: string, artifactId: string): { id: string; handle: string; name: string }[] {
  const ownHubs = app.db
    .select({ id: hubMembers.hubId })
    .from(hubMembers)
    .where(and(eq(hubMembers.userId, ownerId), consentedMembership()))
    .all()
    .map((r) => r.id);
  if (ownHubs.length === 0) return [];
  return app.db
    .selectDistinct({ id: users.id, handle: users.handle, name: users.name })
    .from(hubMembers)
    .innerJoin(users, eq(users.id, hubMembers.userId))
    .where(
      and(
        inArray(hubMembers.hubId, ownHubs),
        consentedMembership(),
        eq(hubMembers.role, 'student'),
        eq(users.role, 'student'),
        ne(users.id, ownerId),
        isNull(users.disabledAt),
        sql`not exists (select 1 from ${feedbackReviewers} where ${feedbackReviewers.artifactId} = ${artifactId} and ${feedbackReviewers.userId} = ${users.id})`,
      ),
    )
    .orderBy(asc(users.name), asc(users.handle))
    .all();
}

/** The body of one revision of a piece (for "what changed since"), or null when that revision is gone. */
export function revisionBody(app: AppContext, artifactId: string, number: number): string | null {
  return (
    app.db
      .select({ body: revisions.body })
      .from(revisions)
      .where(and(eq(revisions.artifactId, artifactId), eq(revisions.number, number)))
      .get()?.body ?? null
  );
}

/**
 * The link another page shows to a piece's thread, with its message count (`messages` when already known), when
 * `viewer` may read the thread; null otherwise (and always for someone not signed in).
 */
export function threadLinkFor(
  app: AppContext,
  viewer: Actor | null,
  artifact: Pick<Artifact, 'id' | 'ownerId' | 'visibility'>,
  messages?: number,
): { href: string; count: number } | null {
  if (viewer === null) return null;
  if (!can(viewer, 'read', feedbackSubject(app, viewer, artifact))) return null;
  return { href: threadPath(artifact.id), count: messages ?? countMessages(app, artifact.id) };
}

/**
 * The thread links of many pieces known by id (a page of a hub's river): one statement reads the pieces and their
 * message counts, whatever their number; `threadLinkFor` decides each link.
 */
export function threadLinksForIds(app: AppContext, viewer: Actor | null, artifactIds: string[]): Map<string, { href: string; count: number } | null> {
  const links = new Map<string, { href: string; count: number } | null>();
  if (viewer === null || artifactIds.length === 0) return links;
  const statement = prepared(app.db, 'feedback.threadPieces', (db) =>
    db.$client.prepare<[string], { id: string; ownerId: string; visibility: Artifact['visibility']; messages: number }>(
      `select a.id as id, a.owner_id as ownerId, a.visibility as visibility,
              (select count(*) from feedback_messages m where m.artifact_id = a.id) as messages
         from artifacts a where a.id in (select value from json_each(?))`,
    ),
  );
  for (const piece of statement.all(JSON.stringify(artifactIds))) links.set(piece.id, threadLinkFor(app, viewer, piece, piece.messages));
  return links;
}

