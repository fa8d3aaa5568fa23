/**
 * The `potluck-archive/1` format (DESIGN.md "The archive format"): zod schemas for `potluck.json`, for artifact
 * frontmatter (`artifacts/<slug>/index.md`) and for collection frontmatter (`collections/<slug>.md`).
 *
 * Archives are written by people as well as by Potluck, so reading is forgiving where nothing is lost (unknown
 * keys are ignored, a number where text is expected is read as text, tags may be one comma-separated string) and
 * strict where a guess could expose or lose work (visibility, kind, dates, URLs). Every message names its field so
 * that, prefixed with the file, it reads "artifacts/poem/index.md: visibility must be one of …".
 */
import { z } from 'zod';
import { ARTIFACT_KINDS } from '../artifacts.ts';
import type { FieldIssue } from '../errors.ts';
import { normalizeTag } from '../markdown/hashtags.ts';
import { VISIBILITIES } from '../visibility.ts';
import { isSafeSlug } from './slug.ts';

/** The format string this version of Potluck reads and writes. */
export const ARCHIVE_FORMAT = 'potluck-archive/1';

const list = (values: readonly string[]) => values.join(', ');

/** Text that YAML may have read as a number (`title: 1984`). */
const text = (field: string, max: number, required = true) =>
  z.preprocess(
    (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v),
    z
      .string({ error: (iss) => (iss.input === undefined ? `${field} is required` : `${field} must be text`) })
      .trim()
      .min(required ? 1 : 0, `${field} must not be empty`)
      .max(max, `${field} must be at most ${max} characters`),
  );

const webUrl = (field: string) =>
  z.url({
    protocol: /^https?$/,
    error: `${field ? `${field} ` : ''}must be a web address starting with https://`,
  });

const datePattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Reads `2024-09-12` (midnight UTC) or an ISO 8601 date-time; a time without an offset is taken as UTC. */
export function parseArchiveDate(value: string): Date | undefined {
  const m = datePattern.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = m;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  const offset = zone === 'Z' || zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction.slice(0, 4)}${offset}`);
  if (Number.isNaN(date.getTime())) return undefined;
  // `new Date` rolls 2024-02-30 over to March; a date that is not in the calendar is a typo.
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined;
  return date;
}

const dateField = (field: string) =>
  z.unknown().optional().transform((value, ctx): Date => {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
    const date = typeof value === 'string' ? parseArchiveDate(value) : undefined;
    if (date) return date;
    ctx.addIssue({
      code: 'custom',
      message:
        value === undefined || value === null
          ? `${field} is required (a date like 2024-09-12)`
          : `${field} must be a date like 2024-09-12 or 2024-09-12T14:30:00Z`,
    });
    return z.NEVER;
  });

const optionalDate = (field: string) =>
  z.unknown().optional().transform((value, ctx): Date | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
    const date = typeof value === 'string' ? parseArchiveDate(value) : undefined;
    if (date) return date;
    ctx.addIssue({ code: 'custom', message: `${field} must be a date like 2024-09-12 or 2024-09-12T14:30:00Z` });
    return z.NEVER;
  });

const tagsField = z
  .unknown()
  .optional()
  .transform((value, ctx): string[] => {
    if (value === undefined || value === null) return [];
    const raw =
      typeof value === 'string' ? value.split(/[\s,]+/u).filter(Boolean) : Array.isArray(value) ? value : undefined;
    if (raw === undefined) {
      ctx.addIssue({ code: 'custom', message: 'tags must be a list, like [poetry, eng10]' });
      return z.NEVER;
    }
    const tags: string[] = [];
    for (const item of raw) {
      const result = normalizeTag(typeof item === 'number' ? String(item) : typeof item === 'string' ? item : '');
      if (!result.ok) ctx.addIssue({ code: 'custom', message: `tags: ${result.message}` });
      else if (!tags.includes(result.tag)) tags.push(result.tag);
    }
    if (tags.length > 50) ctx.addIssue({ code: 'custom', message: 'tags: use at most 50 tags' });
    return tags;
  });

/** A file beside index.md (or in a folder below it): relative, forward slashes, no `..`. */
export function isSafeRelativeFile(name: string): boolean {
  if (name === '' || name.length > 255 || name.startsWith('/') || name.includes('\\') || name.includes('\0')) return false;
  return name.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

const visibilityField = z
  .enum(VISIBILITIES, { error: `visibility must be one of ${list(VISIBILITIES)}` })
  .default('members');

/** `potluck.json` at the root of the archive. */
export const archiveManifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT, {
    error: (iss) =>
      iss.input === undefined
        ? `format is required and must be "${ARCHIVE_FORMAT}"`
        : `format must be "${ARCHIVE_FORMAT}" (this archive says ${JSON.stringify(iss.input)}; this Potluck reads version 1 archives)`,
  }),
  /** When the archive was made; an archive written by hand may not say. */
  exportedAt: z.unknown().optional().transform((value, ctx): Date | undefined => {
    if (value === undefined) return undefined;
    const date = typeof value === 'string' ? parseArchiveDate(value) : undefined;
    if (date) return date;
    ctx.addIssue({ code: 'custom', message: 'exportedAt must be a date-time like 2025-06-01T12:00:00Z' });
    return z.NEVER;
  }),
  profile: z.object(
    {
      /** Whose archive it was; the import goes into the account it is given, whatever this says. */
      handle: text('profile.handle', 30).optional(),
      name: text('profile.name', 100),
      bio: text('profile.bio', 2000, false).default(''),
      links: z
        .array(
          z.object(
            {
              label: z.string({ error: 'is required (the text of the link)' }).trim().min(1, 'must not be empty').max(100),
              url: webUrl(''),
            },
            { error: 'each of profile.links must have a label and a url' },
          ),
          { error: 'profile.links must be a list of {label, url}' },
        )
        .max(20, 'profile.links can have at most 20 links')
        .default([]),
      avatar: z
        .string({ error: 'profile.avatar must be the name of a picture in media/' })
        .refine((v) => v.startsWith('media/') && isSafeRelativeFile(v), 'profile.avatar must be the name of a picture in media/, like media/me.jpg')
        .optional(),
    },
    { error: 'profile is required: {handle, name, bio, links}' },
  ),
  site: z.object(
    {
      title: text('site.title', 200),
      baseUrl: webUrl('site.baseUrl').optional(),
      license: text('site.license', 200, false).optional(),
      /** The student asked search engines not to index their portfolio; kept when the archive moves. */
      noindex: z.boolean({ error: 'site.noindex must be true or false' }).optional(),
    },
    { error: 'site is required: {title, baseUrl, license}' },
  ),
});
export type ArchiveManifest = z.infer<typeof archiveManifestSchema>;

/** Artifact ids: the UUIDs Potluck makes, or any short id another tool made. */
const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** Frontmatter of `artifacts/<slug>/index.md` (or `index.mdx`). */
export const artifactFrontmatterSchema = z
  .object({
    id: z
      .preprocess(
        (v) => (typeof v === 'number' ? String(v) : v),
        z.string({ error: 'id must be text' }).regex(idPattern, 'id must be letters, digits, "-", "_", "." or ":" (at most 100)'),
      )
      .optional(),
    title: text('title', 200),
    date: dateField('date'),
    updated: optionalDate('updated'),
    summary: text('summary', 500, false).default(''),
    tags: tagsField,
    visibility: visibilityField,
    kind: z.enum(ARTIFACT_KINDS, { error: `kind must be one of ${list(ARTIFACT_KINDS)}` }).default('post'),
    cover: z
      .string({ error: 'cover must be the name of an image file beside index.md' })
      .refine(isSafeRelativeFile, 'cover must be the name of an image file beside index.md (no "/" at the start, no "..")')
      .optional(),
    canonical: webUrl('canonical').optional(),
    syndication: z
      .array(webUrl('syndication'), { error: 'syndication must be a list of web addresses' })
      .max(100, 'syndication can list at most 100 places')
      .default([]),
    format: z.enum(['markdown', 'mdx'], { error: 'format must be markdown or mdx' }).optional(),
    link: webUrl('link').optional(),
  })
  .superRefine((fm, ctx) => {
    if (fm.kind === 'link' && !fm.link) {
      ctx.addIssue({ code: 'custom', path: ['link'], message: 'link is required when kind is link (the web address it points to)' });
    }
  });
export type ArtifactFrontmatter = z.infer<typeof artifactFrontmatterSchema>;
export type ArtifactFrontmatterInput = z.input<typeof artifactFrontmatterSchema>;

/** Frontmatter of `collections/<slug>.md` (a showcase); its body is the intro. */
export const collectionFrontmatterSchema = z.object({
  title: text('title', 200),
  items: z
    .array(
      z.preprocess(
        (v) => (typeof v === 'number' ? String(v) : v),
        z.string({ error: 'items must list artifact folder names' }).refine(isSafeSlug, {
          error: (iss) => `items: "${String(iss.input)}" is not an artifact folder name (like my-first-poem)`,
        }),
      ),
      { error: 'items must be a list of artifact folder names, like [my-first-poem, science-fair]' },
    )
    .max(200, 'items can list at most 200 artifacts')
    .default([])
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      for (const item of items) {
        if (seen.has(item)) ctx.addIssue({ code: 'custom', message: `items lists "${item}" more than once` });
        seen.add(item);
      }
    }),
  visibility: visibilityField,
});
export type CollectionFrontmatter = z.infer<typeof collectionFrontmatterSchema>;

/** Frontmatter of `revisions/<folder>/<n>.md`: one save of an artifact, as it was then; the body is its text. */
export const revisionFrontmatterSchema = z.object({
  number: z
    .number({ error: 'number must be the revision number (1, 2, 3…), the same as the file name' })
    .int('number must be a whole number')
    .min(1, 'number must be 1 or more'),
  createdAt: dateField('createdAt'),
  note: text('note', 1000, false).default(''),
  title: text('title', 200),
  date: dateField('date'),
  summary: text('summary', 500, false).default(''),
  tags: tagsField,
  visibility: z.enum(VISIBILITIES, { error: `visibility must be one of ${list(VISIBILITIES)}` }),
  kind: z.enum(ARTIFACT_KINDS, { error: `kind must be one of ${list(ARTIFACT_KINDS)}` }),
  cover: z
    .string({ error: 'cover must be the name of an image file beside the artifact\'s index.md' })
    .refine(isSafeRelativeFile, 'cover must be the name of an image file beside the artifact\'s index.md')
    .optional(),
  link: webUrl('link').optional(),
  format: z.enum(['markdown', 'mdx'], { error: 'format must be markdown or mdx' }).default('markdown'),
});
export type RevisionFrontmatter = z.infer<typeof revisionFrontmatterSchema>;

/** The file that lists what Potluck knows about each stored file (description, name, variants), by content hash. */
export const MEDIA_LIST_FILE = 'media.json';
export const MEDIA_LIST_FORMAT = 'potluck-media/1';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hexadecimal');

/**
 * `media.json`: optional. An item applies to every file of the archive with that SHA-256; `variants` name the
 * ready-made picture sizes under `variants/<sha256>/`, which an import may use instead of making them again.
 */
export const mediaListSchema = z.object({
  format: z.literal(MEDIA_LIST_FORMAT, { error: `format must be "${MEDIA_LIST_FORMAT}"` }),
  items: z
    .array(
      z.object({
        sha256: sha256Hex,
        filename: text('filename', 255),
        alt: text('alt', 1000, false).default(''),
        createdAt: optionalDate('createdAt'),
        width: z.number().int().positive().optional(),
        height: z.number().int().positive().optional(),
        variants: z
          .array(
            z.object({
              file: z.string().regex(/^w\d{1,5}\.webp$/, 'must be a variant name like w480.webp'),
              width: z.number().int().positive(),
              height: z.number().int().positive(),
            }),
          )
          .max(10)
          .default([]),
      }),
    )
    .max(100_000),
});
export type MediaList = z.infer<typeof mediaListSchema>;

/** Outcome of checking one file against a schema: the typed value, or issues that name the file and field. */
export type Checked<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/**
 * Parses `data` with `schema` and turns zod issues into `{field: "<file>: <path>", message}` where the message
 * itself starts with the field name, so `${file}: ${message}` reads as one sentence.
 */
export function checkArchiveData<S extends z.ZodType>(schema: S, data: unknown, file: string): Checked<z.output<S>> {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const top = issue.path[0] === undefined ? '' : String(issue.path[0]);
    const named = top === '' || issue.message.startsWith(top);
    const message = named
      ? issue.message
      : /^(must|is|has) /.test(issue.message)
        ? `${path} ${issue.message}`
        : `${path}: ${issue.message}`;
    return { field: path ? `${file}: ${path}` : file, message };
  });
  return { ok: false, issues };
}
