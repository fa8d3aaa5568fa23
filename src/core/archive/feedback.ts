/**
 * `feedback/<folder>.md`: the feedback thread on one piece of work, in the student's archive (DESIGN.md "The archive
 * format"). One file per piece that has feedback, named like the piece's folder under artifacts/. Pure.
 *
 * The frontmatter says which piece it is and lists the messages in order, with who wrote each and when:
 *
 *   ---
 *   artifact: 0b9c…            the piece's id (as in artifacts/<folder>/index.md)
 *   slug: poem                 the piece's address
 *   messages:
 *     - id: 5f1e…              stable: importing the archive again into the same account finds the message
 *       author: Ms Lee         the name shown in the thread
 *       handle: mrs-lee        the author's handle where the archive was made (left out once their account is gone)
 *       role: teacher          owner (the student), teacher or reviewer (a classmate the student invited)
 *       hub: science-9         the course hub the teacher wrote for (teachers only, when known)
 *       revision: 3            the version of the piece the message was written on
 *       date: 2025-03-02T14:30:00.000Z
 *   ---
 *
 * The body holds each message's text (Markdown), in the same order, each after a marker line and a heading for
 * people reading the file:
 *
 *   <!-- feedback:5f1e… -->
 *   ## Ms Lee (teacher), on revision 3, 2 March 2025
 *
 *   The text of the message.
 *
 * Reading splits the body at the marker lines of the listed ids, in order; the heading line under each marker is
 * written for people and ignored. A marker whose id the frontmatter does not list is ordinary text.
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors.ts';
import { parseFrontmatter, stringifyFrontmatter } from './frontmatter.ts';
import { checkArchiveData, parseArchiveDate } from './schema.ts';
import { isSafeSlug } from './slug.ts';

/** The folder of the threads. */
export const FEEDBACK_DIR = 'feedback';
/** Longest message text read from an archive (the thread's own form allows less). */
export const MAX_FEEDBACK_BODY_CHARS = 50_000;
/** Most messages one thread may bring. */
export const MAX_FEEDBACK_MESSAGES = 2_000;
export const FEEDBACK_ROLES = ['owner', 'teacher', 'reviewer'] as const;
export type FeedbackRole = (typeof FEEDBACK_ROLES)[number];

/** One message as the archive holds it. */
export interface ArchiveFeedbackMessage {
  id: string;
  author: string;
  handle?: string;
  role: FeedbackRole;
  hub?: string;
  revision: number;
  date: Date;
  body: string;
}

/** One thread, as written or as read. */
export interface ArchiveFeedbackThread {
  /** The piece's id. */
  artifact: string;
  /** The piece's address. */
  slug: string;
  messages: ArchiveFeedbackMessage[];
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const handlePattern = /^[a-z0-9][a-z0-9_-]{0,29}$/;
const asText = (v: unknown) => (typeof v === 'number' ? String(v) : v);

const messageSchema = z.object({
  id: z.preprocess(asText, z.string({ error: 'id is required (the message id)' }).regex(idPattern, 'id must be letters, digits, "-", "_", "." or ":" (at most 100)')),
  author: z.preprocess(
    asText,
    z.string({ error: 'author is required (the name of who wrote it)' }).trim().min(1, 'author must not be empty').max(100, 'author must be at most 100 characters'),
  ),
  handle: z.preprocess(asText, z.string({ error: 'handle must be text' }).trim().toLowerCase().regex(handlePattern, 'handle must be a Potluck handle, like mrs-lee')).optional(),
  role: z.enum(FEEDBACK_ROLES, { error: `role must be one of ${FEEDBACK_ROLES.join(', ')}` }),
  hub: z.preprocess(asText, z.string({ error: 'hub must be text' }).refine(isSafeSlug, 'hub must be a hub address, like science-9')).optional(),
  revision: z.number({ error: 'revision must be the number of the version the message was written on' }).int('revision must be a whole number').min(0, 'revision must be 0 or more'),
  date: z.unknown().transform((value, ctx): Date => {
    const date = typeof value === 'string' ? parseArchiveDate(value) : value instanceof Date ? value : undefined;
    if (date && !Number.isNaN(date.getTime())) return date;
    ctx.addIssue({ code: 'custom', message: 'date must be a date-time like 2025-03-02T14:30:00Z' });
    return z.NEVER;
  }),
});

/** Frontmatter of `feedback/<folder>.md`. */
export const feedbackFrontmatterSchema = z.object({
  artifact: z.preprocess(asText, z.string({ error: 'artifact is required (the id of the piece the feedback is on)' }).regex(idPattern, 'artifact must be the id of the piece')),
  slug: z.preprocess(asText, z.string({ error: 'slug must be text' }).refine(isSafeSlug, 'slug must be the address of the piece, like my-first-poem')).optional(),
  messages: z
    .array(messageSchema, { error: 'messages must be a list of {id, author, role, revision, date}' })
    .max(MAX_FEEDBACK_MESSAGES, `messages can list at most ${MAX_FEEDBACK_MESSAGES} messages`)
    .superRefine((messages, ctx) => {
      const seen = new Set<string>();
      for (const m of messages) {
        if (seen.has(m.id)) ctx.addIssue({ code: 'custom', message: `messages lists the id ${m.id} more than once` });
        seen.add(m.id);
      }
    }),
});

const marker = (id: string) => `<!-- feedback:${id} -->`;

const ROLE_NAMES: Record<FeedbackRole, string> = { owner: 'the student', teacher: 'teacher', reviewer: 'reviewer' };

function readableDate(date: Date): string {
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** The heading under a marker: for people reading the file, ignored when it is read back. */
function heading(m: ArchiveFeedbackMessage): string {
  const name = m.author.replace(/[\r\n]+/g, ' ');
  return `## ${name} (${ROLE_NAMES[m.role]}), on revision ${m.revision}, ${readableDate(m.date)}`;
}

/** Writes a thread as `feedback/<folder>.md`. */
export function stringifyFeedbackThread(thread: ArchiveFeedbackThread): string {
  const data = {
    artifact: thread.artifact,
    slug: thread.slug,
    messages: thread.messages.map((m) => ({ id: m.id, author: m.author, handle: m.handle, role: m.role, hub: m.hub, revision: m.revision, date: m.date.toISOString() })),
  };
  const sections = thread.messages.map((m) => `${marker(m.id)}\n${heading(m)}\n\n${m.body.replace(/\r\n?/g, '\n').replace(/\s+$/, '')}\n`);
  return stringifyFrontmatter(data, sections.join('\n'));
}

export type CheckedThread = { ok: true; thread: ArchiveFeedbackThread } | { ok: false; issues: FieldIssue[] };

/**
 * Reads `feedback/<folder>.md`: the frontmatter checked, the body split into the listed messages. Every problem
 * is returned, each naming the file and the field or message.
 */
export function parseFeedbackThread(text: string, file: string, folder: string): CheckedThread {
  let parsed;
  try {
    parsed = parseFrontmatter(text, file);
  } catch (error) {
    const issues = (error as { issues?: FieldIssue[] }).issues;
    if (!issues) throw error;
    return { ok: false, issues };
  }
  const checked = checkArchiveData(feedbackFrontmatterSchema, parsed.data, file);
  if (!checked.ok) return { ok: false, issues: checked.issues };
  const fm = checked.value;
  const issues: FieldIssue[] = [];
  const lines = parsed.body.split('\n');
  // Where each listed message's marker is, in order; a marker found out of order is reported.
  const starts: number[] = [];
  let from = 0;
  for (const m of fm.messages) {
    const at = lines.indexOf(marker(m.id), from);
    if (at === -1) {
      issues.push({
        field: `${file}: messages`,
        message: `message ${m.id} has no text: add a line "${marker(m.id)}" followed by its text, after the text of the message before it.`,
      });
      continue;
    }
    starts.push(at);
    from = at + 1;
  }
  if (issues.length) return { ok: false, issues };
  const before = lines.slice(0, starts[0] ?? lines.length).join('\n').trim();
  if (before) issues.push({ field: `${file}: body`, message: `there is text before the first message marker (line ${parsed.bodyLine}); put it inside a message or remove it.` });
  const messages: ArchiveFeedbackMessage[] = fm.messages.map((m, i) => {
    let section = lines.slice(starts[i] + 1, starts[i + 1] ?? lines.length);
    if (section[0]?.startsWith('## ')) section = section.slice(1);
    const body = section.join('\n').replace(/^(?:[ \t]*\n)+/, '').replace(/\s+$/, '');
    if (body === '') issues.push({ field: `${file}: line ${parsed.bodyLine + starts[i]}`, message: `message ${m.id} is empty; write its text under its marker line.` });
    if (body.length > MAX_FEEDBACK_BODY_CHARS) {
      issues.push({ field: `${file}: line ${parsed.bodyLine + starts[i]}`, message: `message ${m.id} is longer than ${MAX_FEEDBACK_BODY_CHARS.toLocaleString('en')} characters.` });
    }
    return { ...m, body };
  });
  if (issues.length) return { ok: false, issues };
  return { ok: true, thread: { artifact: fm.artifact, slug: fm.slug ?? folder, messages } };
}
