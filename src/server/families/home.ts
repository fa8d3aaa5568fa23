/**
 * What a guardian's home (/family) shows for each of their children: the work of the last seven days the guardian
 * may read (public and class-only; never private, and unlisted work is never listed), and, where the school's policy
 * lets guardians read feedback, the feedback written in those seven days on the child's work they may read.
 */
import { and, desc, eq, gte, inArray, lte } from 'drizzle-orm';
import { can, type Actor } from '../../core/policy.ts';
import type { AppContext } from '../context.ts';
import { artifacts, feedbackMessages } from '../db/schema.ts';
import { feedbackSubject, workSubject } from '../policyFacts.ts';
import { getPolicy } from '../policy.ts';
import { childrenOf, type LinkedPerson } from './guardians.ts';

/** "This week" on the family page: the seven days up to now. */
export const FAMILY_WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** The visibilities a family page lists: unlisted work is for those given its link, so it is never listed. */
const LISTED = ['public', 'members'] as const;

export interface FamilyPiece {
  id: string;
  slug: string;
  title: string;
  summary: string;
  visibility: 'public' | 'members';
  date: Date;
}

export interface FamilyFeedback {
  id: string;
  artifactId: string;
  artifactTitle: string;
  authorName: string;
  authorRole: 'owner' | 'teacher' | 'reviewer';
  html: string;
  revision: number;
  createdAt: Date;
}

export interface FamilyChild {
  child: LinkedPerson;
  pieces: FamilyPiece[];
  /** Null when the school does not let guardians read feedback. */
  feedback: FamilyFeedback[] | null;
}

/** The family page of `guardian`, child by child (by name). */
export function familyWeek(app: AppContext, guardian: Actor): FamilyChild[] {
  const now = app.now();
  const since = new Date(now.getTime() - FAMILY_WEEK_MS);
  const seeFeedback = getPolicy(app).guardiansSeeFeedback;
  return childrenOf(app, guardian.id).map((child) => {
    // Every check goes through the policy, as any other reader's would: the link is what lets a guardian in.
    const readable = (piece: { id: string; visibility: (typeof artifacts.$inferSelect)['visibility'] }) =>
      can(guardian, 'read', workSubject(app, guardian, { ownerId: child.id, visibility: piece.visibility }));
    const pieces = app.db
      .select({ id: artifacts.id, slug: artifacts.slug, title: artifacts.title, summary: artifacts.summary, visibility: artifacts.visibility, date: artifacts.date })
      .from(artifacts)
      .where(and(eq(artifacts.ownerId, child.id), inArray(artifacts.visibility, [...LISTED]), gte(artifacts.date, since), lte(artifacts.date, now)))
      .orderBy(desc(artifacts.date))
      .all()
      .filter(readable) as FamilyPiece[];
    let feedback: FamilyFeedback[] | null = null;
    if (seeFeedback) {
      feedback = app.db
        .select({
          id: feedbackMessages.id,
          artifactId: feedbackMessages.artifactId,
          artifactTitle: artifacts.title,
          visibility: artifacts.visibility,
          authorName: feedbackMessages.authorName,
          authorRole: feedbackMessages.authorRole,
          html: feedbackMessages.html,
          revision: feedbackMessages.revision,
          createdAt: feedbackMessages.createdAt,
        })
        .from(feedbackMessages)
        .innerJoin(artifacts, eq(artifacts.id, feedbackMessages.artifactId))
        .where(and(eq(artifacts.ownerId, child.id), inArray(artifacts.visibility, [...LISTED]), gte(feedbackMessages.createdAt, since), lte(feedbackMessages.createdAt, now)))
        .orderBy(desc(feedbackMessages.createdAt))
        .all()
        // Feedback on a piece they may not read stays hidden from them even where the school lets them read feedback.
        .filter((m) => readable({ id: m.artifactId, visibility: m.visibility }))
        .filter((m) => can(guardian, 'read', feedbackSubject(app, guardian, { id: m.artifactId, ownerId: child.id, visibility: m.visibility })))
        .map(({ visibility: _visibility, ...m }) => m);
    }
    return { child, pieces, feedback };
  });
}
