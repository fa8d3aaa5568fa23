/** Artifact rules: what a valid artifact is, how tags combine, how slugs are made. Pure. */
import { z } from 'zod';
import { slugify, isSafeSlug } from './archive/slug.ts';
import { normalizeTag } from './markdown/hashtags.ts';
import { VISIBILITIES } from './visibility.ts';

export const ARTIFACT_KINDS = ['post', 'project', 'reflection', 'media', 'link'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];
export const BODY_FORMATS = ['markdown', 'mdx'] as const;

export const KIND_LABELS: Record<ArtifactKind, string> = {
  post: 'Post',
  project: 'Project',
  reflection: 'Reflection',
  media: 'Media',
  link: 'Link',
};

/** The most a body may hold: about 100,000 words, far beyond any essay, small enough to render in one request. */
export const MAX_BODY_CHARS = 500_000;

const tagList = z.array(z.string()).max(50, 'Use at most 50 tags.').transform((tags, ctx) => {
  const out: string[] = [];
  for (const raw of tags) {
    if (raw.trim() === '' || raw.trim() === '#') continue;
    const result = normalizeTag(raw);
    if (!result.ok) ctx.addIssue({ code: 'custom', message: result.message });
    else if (!out.includes(result.tag)) out.push(result.tag);
  }
  return out;
});

const optionalUrl = z
  .union([z.literal(''), z.url({ protocol: /^https?$/, error: 'Enter a full web address starting with https://' })])
  .optional()
  .nullable()
  .transform((v) => (v ? v : null));

export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Enter a short name for the address.')
  .max(80, 'Keep the address under 80 characters.')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Use only a–z, 0–9 and single hyphens in the address, like my-first-essay.')
  .refine(isSafeSlug, 'That address is used by the site itself (tags, feed, archive…); choose another.');

/** What a student (or an import) gives to save an artifact. */
export const artifactInputSchema = z.object({
  title: z.string().trim().min(1, 'Give your work a title.').max(200, 'Keep the title under 200 characters.'),
  summary: z.string().trim().max(500, 'Keep the summary under 500 characters.').default(''),
  kind: z.enum(ARTIFACT_KINDS, { error: 'Choose a kind: post, project, reflection, media or link.' }),
  visibility: z.enum(VISIBILITIES, { error: 'Choose who can see it: private, members, unlisted or public.' }),
  format: z.enum(BODY_FORMATS).default('markdown'),
  body: z.string().max(MAX_BODY_CHARS, 'The text is too long; split it into several artifacts.').default(''),
  tags: tagList.default([]),
  date: z.date().optional(),
  coverMediaId: z.string().min(1).nullable().optional(),
  coverAlt: z.string().max(500).optional(),
  linkUrl: optionalUrl,
  canonical: optionalUrl,
  slug: slugSchema.optional(),
});
export type ArtifactInput = z.input<typeof artifactInputSchema>;
export type ValidArtifactInput = z.output<typeof artifactInputSchema>;

/** Splits a tags field as typed ("poetry, #week-3 eng10") into tags. */
export function splitTagField(text: string): string[] {
  return text
    .split(/[\s,]+/u)
    .map((t) => t.trim())
    .filter(Boolean);
}

/** Tags typed in the field first, then #hashtags from the body, without repeats. */
export function mergeTags(fieldTags: string[], hashtags: string[]): string[] {
  return [...new Set([...fieldTags, ...hashtags])];
}

/** A URL-safe slug from a title (the archive's rule, so addresses and folder names agree). */
export const slugFromTitle = slugify;

/** The first free slug: `base`, then `base-2`, `base-3`… */
export function uniqueSlug(base: string, taken: (slug: string) => boolean): string {
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, 75)}-${n}`;
    if (!taken(candidate)) return candidate;
  }
}
