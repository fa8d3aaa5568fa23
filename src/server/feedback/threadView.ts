/**
 * Everything the thread page shows to one reader: the messages with who wrote them, as what and on which revision,
 * what changed in the piece since each older message, the review statuses, the status forms of the hubs the reader
 * teaches, and the owner's reviewers. The reader has already been let in (thread.ts `threadArtifact`).
 */
import { eq, inArray } from 'drizzle-orm';
import { diffText } from '../../core/diff.ts';
import { AUTHOR_ROLE_LABELS, compactDiff, type ChangeLine } from '../../core/feedback.ts';
import { can, type Actor } from '../../core/policy.ts';
import type { AppContext } from '../context.ts';
import { hubs, users, type Artifact, type ContributionStatus } from '../db/schema.ts';
import { feedbackSubject } from '../policyFacts.ts';
import { getPolicy } from '../policy.ts';
import { hubsOfPiece, hubsTaughtOfPiece, statusesOf, type PieceHub } from './hubs.ts';
import { listMessages, listReviewers, reviewerCandidates, revisionBody, type Reviewer, type ThreadMessage } from './thread.ts';

/** One message as the page shows it. */
export interface MessageView {
  message: ThreadMessage;
  /** "Teacher, English 10", "Student", "Peer reviewer". */
  roleLabel: string;
  mine: boolean;
  /** The changes in the text from the message's revision to the current one; null when it is on the current one. */
  changes: { lines: ChangeLine[]; unchanged: boolean } | null;
}

export interface ThreadView {
  artifact: Artifact;
  owner: { id: string; handle: string; name: string };
  isOwner: boolean;
  mayWrite: boolean;
  /** A guardian reading, who cannot write. */
  readOnly: boolean;
  messages: MessageView[];
  statuses: { hub: PieceHub; status: ContributionStatus | null }[];
  /** The hubs whose status this reader may set. */
  statusForms: { hub: PieceHub; status: ContributionStatus | null }[];
  /** Peer review, for the owner where the school allows it. */
  peerReview: { reviewers: Reviewer[]; candidates: { id: string; handle: string; name: string }[] } | null;
}

/** The thread of `artifact` as `reader` sees it. */
export function threadView(app: AppContext, reader: Actor, artifact: Artifact): ThreadView {
  const owner = app.db.select({ id: users.id, handle: users.handle, name: users.name }).from(users).where(eq(users.id, artifact.ownerId)).get()!;
  const isOwner = reader.id === artifact.ownerId;
  const subject = feedbackSubject(app, reader, artifact);
  const mayWrite = can(reader, 'write', subject);
  const messages = listMessages(app, artifact.id);
  const hubIds = [...new Set(messages.map((m) => m.hubId).filter((id): id is string => id !== null))];
  const hubTitles = new Map(
    hubIds.length ? app.db.select({ id: hubs.id, title: hubs.title }).from(hubs).where(inArray(hubs.id, hubIds)).all().map((h) => [h.id, h.title]) : [],
  );
  // One diff per older revision, however many messages were written on it.
  const diffs = new Map<number, MessageView['changes']>();
  const changesSince = (revision: number): MessageView['changes'] => {
    if (revision >= artifact.revision) return null;
    if (!diffs.has(revision)) {
      const before = revisionBody(app, artifact.id, revision);
      const lines = before === null ? [] : diffText(before, artifact.body);
      const changed = lines.some((l) => l.type !== 'same');
      diffs.set(revision, { lines: changed ? compactDiff(lines) : [], unchanged: !changed });
    }
    return diffs.get(revision)!;
  };
  const statuses = statusesOf(app, artifact.id);
  const pieceHubs = hubsOfPiece(app, artifact);
  const taught = mayWrite && !isOwner ? new Set(hubsTaughtOfPiece(app, reader.id, artifact).map((h) => h.id)) : new Set<string>();
  const policy = getPolicy(app);
  return {
    artifact,
    owner,
    isOwner,
    mayWrite,
    readOnly: !mayWrite,
    messages: messages.map((message) => {
      const hubTitle = message.hubId ? hubTitles.get(message.hubId) : undefined;
      return {
        message,
        roleLabel: message.authorRole === 'teacher' && hubTitle ? `${AUTHOR_ROLE_LABELS.teacher}, ${hubTitle}` : AUTHOR_ROLE_LABELS[message.authorRole],
        mine: message.authorId === reader.id,
        changes: changesSince(message.revision),
      };
    }),
    statuses: pieceHubs.map((hub) => ({ hub, status: statuses.get(hub.id) ?? null })).filter((s) => s.status !== null),
    statusForms: pieceHubs.filter((hub) => taught.has(hub.id)).map((hub) => ({ hub, status: statuses.get(hub.id) ?? null })),
    peerReview:
      isOwner && policy.peerReview
        ? { reviewers: listReviewers(app, artifact.id), candidates: reviewerCandidates(app, artifact.ownerId, artifact.id) }
        : null,
  };
}
