/**
 * Feedback messages written straight into the table, as the thread's own commands would store them (body, the
 * sanitized HTML rendered from it, the revision of the piece): the archive and privacy tests need threads without
 * depending on the thread page.
 */
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { feedbackMessages, type Artifact, type FeedbackMessage, type User } from '../../../src/server/db/schema.ts';

let clock = Date.UTC(2025, 2, 1, 9, 0, 0);

export function addFeedback(
  app: AppContext,
  props: { artifact: Artifact; author: User; role?: FeedbackMessage['authorRole']; hubId?: string | null; body: string; at?: Date },
): FeedbackMessage {
  const rendered = renderArtifactBody({ source: props.body, format: 'markdown' });
  if (!rendered.ok) throw new Error('feedback body did not render');
  clock += 60_000;
  const row = {
    id: app.newId(),
    artifactId: props.artifact.id,
    authorId: props.author.id,
    authorName: props.author.name,
    authorRole: props.role ?? (props.author.id === props.artifact.ownerId ? 'owner' : 'teacher'),
    hubId: props.hubId ?? null,
    body: props.body,
    html: rendered.html,
    revision: props.artifact.revision,
    createdAt: props.at ?? new Date(clock),
  } satisfies FeedbackMessage;
  app.db.insert(feedbackMessages).values(row).run();
  return row;
}
