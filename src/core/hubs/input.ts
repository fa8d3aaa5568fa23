/**
 * What a valid hub is, as forms and the CLI give it: slug, title, description, tags, term, page visibility, polling
 * interval and assignments; plus the small inputs of sources and hiding. One zod schema per concept; strings in
 * (forms send strings), typed values out. Pure.
 */
import { z } from 'zod';
import { normalizeTag } from '../markdown/hashtags.ts';
import { POLL_INTERVAL } from './schedule.ts';

/** Words that are pages under `/hubs/`, so never a hub's slug. */
export const RESERVED_HUB_SLUGS: ReadonlySet<string> = new Set(['new', 'join', 'feed', 'index']);

/** Most tags a hub matches, and most assignments it has. */
export const MAX_HUB_TAGS = 10;
export const MAX_ASSIGNMENTS = 40;

export const hubSlugSchema = z
  .string({ error: 'Enter a short name for the hub’s address.' })
  .trim()
  .toLowerCase()
  .min(2, 'The address needs at least 2 characters.')
  .max(60, 'Keep the address under 60 characters.')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Use only a–z, 0–9 and single hyphens in the address, like english-10.')
  .refine((slug) => !RESERVED_HUB_SLUGS.has(slug), 'That address is used by the site itself; choose another.');

/** A list of tags from a field as typed ("eng10, #Week-3 café") or from an array; normalised, no repeats. */
export const tagListSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((value, ctx) => {
    const raw = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(/[\s,]+/u)).filter((t) => t && t !== '#');
    const out: string[] = [];
    for (const item of raw) {
      const result = normalizeTag(item);
      if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
      else if (!out.includes(result.tag)) out.push(result.tag);
    }
    return out;
  });

const hubTagsSchema = tagListSchema
  .refine((tags) => tags.length >= 1, 'Give the hub at least one hashtag, like eng10: work tagged with it arrives here.')
  .refine((tags) => tags.length <= MAX_HUB_TAGS, `A hub can match at most ${MAX_HUB_TAGS} hashtags.`);

/** A calendar day as typed in a date field (`2025-09-01`), or blank for none. Midnight UTC. */
export const dayOrNullSchema = z
  .union([z.string(), z.date(), z.null(), z.undefined()])
  .transform((value, ctx) => {
    if (value === null || value === undefined) return null;
    if (value instanceof Date) return value;
    const text = value.trim();
    if (text === '') return null;
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
    if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a date; write it as YYYY-MM-DD, like 2025-09-01.` });
      return z.NEVER;
    }
    return date;
  });

const intervalSchema = z
  .union([z.string(), z.number(), z.undefined()])
  .transform((value, ctx) => {
    if (value === undefined || (typeof value === 'string' && value.trim() === '')) return POLL_INTERVAL.default;
    const n = typeof value === 'number' ? value : Number(value.trim());
    if (!Number.isInteger(n) || n < POLL_INTERVAL.min || n > POLL_INTERVAL.max) {
      ctx.addIssue({
        code: 'custom',
        message: `Check feeds every ${POLL_INTERVAL.min} to ${POLL_INTERVAL.max} minutes (a whole number).`,
      });
      return z.NEVER;
    }
    return n;
  });

/** One assignment: an extra tag with a title and a due date. */
export const assignmentSchema = z.object({
  title: z.string().trim().min(1, 'Give the assignment a title.').max(120, 'Keep the title under 120 characters.'),
  tag: z.string().transform((value, ctx) => {
    const result = normalizeTag(value);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.message });
      return z.NEVER;
    }
    return result.tag;
  }),
  dueAt: dayOrNullSchema.optional().transform((v) => v ?? null),
});
export type AssignmentInput = z.input<typeof assignmentSchema>;
export type Assignment = z.output<typeof assignmentSchema>;

/** Everything a teacher sets on a hub. */
export const hubInputSchema = z
  .object({
    slug: hubSlugSchema,
    title: z.string({ error: 'Give the hub a title.' }).trim().min(1, 'Give the hub a title.').max(120, 'Keep the title under 120 characters.'),
    description: z.string().trim().max(2000, 'Keep the description under 2,000 characters.').default(''),
    tags: hubTagsSchema,
    visibility: z.enum(['public', 'members'], { error: 'Choose who sees the hub page: everyone (public) or members.' }).default('members'),
    termStart: dayOrNullSchema.optional().transform((v) => v ?? null),
    termEnd: dayOrNullSchema.optional().transform((v) => v ?? null),
    pollIntervalMinutes: intervalSchema.optional().transform((v) => v ?? POLL_INTERVAL.default),
    assignments: z.array(assignmentSchema).max(MAX_ASSIGNMENTS, `A hub can have at most ${MAX_ASSIGNMENTS} assignments.`).default([]),
  })
  .superRefine((hub, ctx) => {
    if (hub.termStart && hub.termEnd && hub.termEnd < hub.termStart) {
      ctx.addIssue({ code: 'custom', path: ['termEnd'], message: 'The term cannot end before it starts.' });
    }
    const seen = new Set<string>();
    hub.assignments.forEach((a, i) => {
      if (seen.has(a.tag)) ctx.addIssue({ code: 'custom', path: ['assignments', i, 'tag'], message: `Two assignments use #${a.tag}; each needs its own tag.` });
      seen.add(a.tag);
    });
  });
export type HubInput = z.input<typeof hubInputSchema>;
export type ValidHubInput = z.output<typeof hubInputSchema>;

/** Field names of assignment row `i` in the settings form (rows, so the form works without JavaScript). */
export function assignmentFieldNames(i: number) {
  return { title: `assignment-${i}-title`, tag: `assignment-${i}-tag`, due: `assignment-${i}-due` };
}

/** The assignments typed in the settings form's rows; rows left blank are skipped. */
export function assignmentsFromForm(form: Record<string, unknown>, rows: number): AssignmentInput[] {
  const out: AssignmentInput[] = [];
  for (let i = 0; i < rows; i++) {
    const names = assignmentFieldNames(i);
    const pick = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const title = pick(names.title);
    const tag = pick(names.tag);
    const due = pick(names.due);
    if (!title.trim() && !tag.trim() && !due.trim()) continue;
    out.push({ title, tag, dueAt: due });
  }
  return out;
}

/** A web address typed for a source: a feed or the page of a blog. */
export const sourceUrlSchema = z
  .string({ error: 'Paste the address of the blog or of its feed.' })
  .trim()
  .min(1, 'Paste the address of the blog or of its feed.')
  .max(2000, 'That address is too long.')
  .transform((value, ctx) => {
    // People paste "myblog.example/feed" without the scheme; https is the likelier one today.
    const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(value) ? value.replace(/^feed:(?=https?:)/i, '').replace(/^feed:\/\//i, 'http://') : `https://${value}`;
    try {
      const url = new URL(withScheme);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.href;
    } catch {
      // Reported below.
    }
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a web address. Paste one starting with https://` });
    return z.NEVER;
  });

/** Why a teacher hides an item: required, because the student may ask and the next teacher will. */
export const hideReasonSchema = z
  .string({ error: 'Say why you hide it (the student may ask).' })
  .trim()
  .min(1, 'Say why you hide it (the student may ask).')
  .max(500, 'Keep the reason under 500 characters.');
