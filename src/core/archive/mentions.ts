/**
 * `mentions/<folder>.json`: the Webmentions a student approved on one piece of work, in their archive (DESIGN.md "The
 * archive format"). One file per piece that has any, named like the piece's folder under artifacts/. Pure.
 *
 *   {
 *     "format": "potluck-mentions/1",
 *     "artifact": "0b9c…",                  the piece's id (as in artifacts/<folder>/index.md)
 *     "slug": "poem",                        the piece's address
 *     "mentions": [{
 *       "source": "https://blog.example/reply",   the page that mentions the piece
 *       "kind": "reply",                      reply | like | repost | bookmark | mention
 *       "author": { "name": "Ana", "url": "https://ana.example/" },
 *       "url": "https://blog.example/reply",  the entry's own address, when it gave one
 *       "published": "2026-11-20T10:00:00.000Z",
 *       "content": "<p>…</p>",               sanitized HTML of a reply (no pictures), or null
 *       "receivedAt": "…", "verifiedAt": "…",
 *       "teacherApproved": false              whether a teacher approved it too
 *     }]
 *   }
 *
 * Only approved mentions are written (what was shown under the piece). Importing puts them back as approved, on the
 * same piece in the new account; their HTML is sanitized again on the way in, whatever the file says.
 */
import { z } from 'zod';
import type { FieldIssue } from '../errors.ts';
import { MENTION_KINDS } from '../webmentions/interpret.ts';

/** The folder of the mention files. */
export const MENTIONS_DIR = 'mentions';
export const MENTIONS_FORMAT = 'potluck-mentions/1';

const httpUrl = z
  .string()
  .max(2000)
  .refine((v) => /^https?:\/\//i.test(v) && URL.canParse(v), 'must be an http:// or https:// URL');
const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be a date (ISO 8601)');

export const archiveMentionSchema = z.object({
  source: httpUrl,
  kind: z.enum(MENTION_KINDS).default('mention'),
  author: z.object({ name: z.string().max(200).nullable().default(null), url: httpUrl.nullable().default(null) }).default({ name: null, url: null }),
  url: httpUrl.nullable().default(null),
  published: isoDate.nullable().default(null),
  content: z.string().max(50_000).nullable().default(null),
  receivedAt: isoDate,
  verifiedAt: isoDate,
  teacherApproved: z.boolean().default(false),
});
export type ArchiveMention = z.infer<typeof archiveMentionSchema>;

export const archiveMentionsFileSchema = z.object({
  format: z.literal(MENTIONS_FORMAT),
  artifact: z.string().min(1).max(100),
  slug: z.string().min(1).max(200),
  mentions: z.array(archiveMentionSchema).max(10_000),
});
export type ArchiveMentionsFile = z.infer<typeof archiveMentionsFileSchema>;

/** The file's text. */
export function stringifyMentions(file: Omit<ArchiveMentionsFile, 'format'>): string {
  return `${JSON.stringify({ format: MENTIONS_FORMAT, ...file }, null, 2)}\n`;
}

/** Reads one mentions file; issues name the file and what is wrong. */
export function parseMentions(text: string, file: string): { ok: true; value: ArchiveMentionsFile } | { ok: false; issues: FieldIssue[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, issues: [{ field: file, message: 'is not valid JSON; check it with any JSON validator.' }] };
  }
  const parsed = archiveMentionsFileSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map((i) => ({ field: file, message: `${i.path.join('.') || 'the file'}: ${i.message}` })) };
  }
  return { ok: true, value: parsed.data };
}
