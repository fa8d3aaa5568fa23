/**
 * What a feedback message and a review status are, as forms give them: the text of a message (Markdown, rendered by
 * the artifact pipeline), the statuses a teacher chooses, the words the thread uses for who wrote what, and the short
 * "what changed since" shown under an older message. Pure.
 */
import { z } from 'zod';
import type { DiffLine } from './diff.ts';

/** The most characters one message may have: a page of feedback, not an essay. */
export const FEEDBACK_MAX_CHARS = 10_000;

/** The most bytes a thread's form post may carry before it is refused unread (413). */
export const FEEDBACK_MAX_POST_BYTES = 64 * 1024;

/** The text of one message. */
export const feedbackTextSchema = z
  .string({ error: 'Write your feedback in the box first.' })
  .transform((text) => text.replace(/\r\n?/g, '\n'))
  .superRefine((text, ctx) => {
    if (text.trim().length === 0) ctx.addIssue({ code: 'custom', message: 'Write your feedback in the box first.' });
    else if (text.length > FEEDBACK_MAX_CHARS) {
      ctx.addIssue({
        code: 'custom',
        message: `This message is ${text.length.toLocaleString('en')} characters; the most is ${FEEDBACK_MAX_CHARS.toLocaleString('en')}. Split it into two messages.`,
      });
    }
  });

/** The statuses a teacher sets by hand; `resubmitted` comes only from the student's next save. */
export const TEACHER_STATUSES = ['reviewed', 'needs_revision'] as const;
export const teacherStatusSchema = z.enum(TEACHER_STATUSES, { error: 'Choose Reviewed or Needs revision.' });
export type TeacherStatus = z.infer<typeof teacherStatusSchema>;

/** How the thread names the role a message was written in. */
export const AUTHOR_ROLE_LABELS = { owner: 'Student', teacher: 'Teacher', reviewer: 'Peer reviewer' } as const;

/** A line of "what changed since": a changed line, a line around one, or a gap of unchanged lines left out. */
export type ChangeLine = DiffLine | { type: 'gap'; count: number };

/** Changed lines with one line of context either side; longer runs of unchanged lines become a gap. */
export function compactDiff(lines: DiffLine[], context = 1): ChangeLine[] {
  const keep = lines.map(() => false);
  lines.forEach((line, i) => {
    if (line.type === 'same') return;
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) keep[j] = true;
  });
  const out: ChangeLine[] = [];
  let gap = 0;
  lines.forEach((line, i) => {
    if (keep[i]) {
      if (gap) out.push({ type: 'gap', count: gap });
      gap = 0;
      out.push(line);
    } else gap += 1;
  });
  if (gap && out.length) out.push({ type: 'gap', count: gap });
  return out;
}
