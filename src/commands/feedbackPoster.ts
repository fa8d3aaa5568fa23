/**
 * Posting a message in the feedback thread of a piece: its owner, the teachers of the owner's hubs who may read it,
 * and reviewers the owner invited (core/policy.ts, `feedback`). The Markdown goes through the artifact pipeline and
 * its sanitizer; the message records the revision it was written on. The owner and the teachers and reviewers
 * already in the thread are told, in the same transaction.
 */
import { and, eq } from 'drizzle-orm';
import { feedbackTextSchema } from '../core/feedback.ts';
import { invalid, issuesFromZod, notFound } from '../core/errors.ts';
import { renderArtifactBody } from '../core/markdown/render.ts';
import type { Actor } from '../core/policy.ts';
import type { AppContext } from '../server/context.ts';
import { feedbackMessages, hubMembers, users, type Artifact, type FeedbackMessage } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { hubsTaughtOfPiece } from '../server/feedback/hubs.ts';
import { threadArtifact, threadParticipants, threadPath } from '../server/feedback/thread.ts';
import { notify, type NewNotification } from '../server/notifications/notify.ts';
import { consentedMembership } from '../server/hubs/enrolment.ts';
import { feedbackSubject, teachesHub } from '../server/policyFacts.ts';

export interface PostFeedbackProps {
  actor: Actor;
  artifactId: string;
  /** The message, in Markdown (field `text` of the thread's form). */
  text: unknown;
}

/** Adds a message to a piece's thread; 404 for those who may not read it, 403 for readers who may not write. */
export function postFeedback(app: AppContext, props: PostFeedbackProps): FeedbackMessage {
  const parsed = feedbackTextSchema.safeParse(props.text ?? '');
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error).map((i) => ({ ...i, field: 'text' })), 'The message was not posted.');
  const rendered = renderArtifactBody({ source: parsed.data, format: 'markdown' });
  if (!rendered.ok) {
    throw invalid(
      rendered.errors.map((e) => ({ field: 'text', message: `Line ${e.line}, column ${e.column}: ${e.message}` })),
      'The message was not posted.',
    );
  }
  return inTransaction(app, () => {
    const artifact = threadArtifact(app, props.actor, props.artifactId, 'write');
    const author = app.db.select({ id: users.id, name: users.name, handle: users.handle }).from(users).where(eq(users.id, props.actor.id)).get();
    if (!author) throw notFound('That page');
    const { role, hubId } = authorStanding(app, props.actor, artifact);
    const message = app.db
      .insert(feedbackMessages)
      .values({
        id: app.newId(),
        artifactId: artifact.id,
        authorId: author.id,
        authorName: author.name,
        authorRole: role,
        hubId,
        body: parsed.data,
        html: rendered.html,
        revision: artifact.revision,
        createdAt: app.now(),
      })
      .returning()
      .get();
    notify(app, recipients(app, artifact, author, message));
    return message;
  });
}

// The role a message is written in: the owner's own, a teacher's (as a teacher of one of the owner's hubs, the one
// the piece is in where there is one), or an invited reviewer's.
function authorStanding(app: AppContext, actor: Actor, artifact: Artifact): { role: FeedbackMessage['authorRole']; hubId: string | null } {
  if (actor.id === artifact.ownerId) return { role: 'owner', hubId: null };
  const subject = feedbackSubject(app, actor, artifact);
  if (!subject.teaches) return { role: 'reviewer', hubId: null };
  const inPiece = hubsTaughtOfPiece(app, actor.id, artifact)[0];
  if (inPiece) return { role: 'teacher', hubId: inPiece.id };
  const shared = app.db
    .select({ hubId: hubMembers.hubId })
    .from(hubMembers)
    .where(and(eq(hubMembers.userId, artifact.ownerId), eq(hubMembers.role, 'student'), consentedMembership()))
    .all()
    .find((r) => teachesHub(app, actor.id, r.hubId));
  return { role: 'teacher', hubId: shared?.hubId ?? null };
}

// Who is told: the owner when someone else wrote, and the teachers and reviewers already in the thread (notify
// leaves out the author). The words name only the piece and the people, never what the message says.
function recipients(
  app: AppContext,
  artifact: Artifact,
  author: { id: string; name: string },
  message: FeedbackMessage,
): NewNotification[] {
  const url = threadPath(artifact.id);
  const base = { kind: 'feedback.new' as const, url, actorId: author.id, artifactId: artifact.id, hubId: message.hubId };
  const out: NewNotification[] = [];
  const owner = app.db.select({ name: users.name }).from(users).where(eq(users.id, artifact.ownerId)).get();
  const ownerName = owner?.name ?? 'the student';
  if (author.id !== artifact.ownerId) {
    out.push({
      ...base,
      to: artifact.ownerId,
      title: `${author.name} left feedback on “${artifact.title}”`,
      key: `feedback:${message.id}`,
      forGuardians: { title: `New feedback on ${ownerName}’s “${artifact.title}”`, url },
    });
  }
  for (const to of threadParticipants(app, artifact)) {
    out.push({
      ...base,
      to,
      title:
        author.id === artifact.ownerId
          ? `${ownerName} replied on “${artifact.title}”: feedback waiting for you`
          : `${author.name} added feedback on ${ownerName}’s “${artifact.title}”`,
      key: `feedback:${message.id}`,
    });
  }
  return out;
}
