/** The artifact editor's form fields -> ArtifactInput. Strings in, typed values out; rules stay in core/artifacts. */
import { z } from 'zod';
import { splitTagField, type ArtifactInput } from '../../core/artifacts.ts';
import type { Artifact } from '../db/schema.ts';

const dateField = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
      ctx.addIssue({ code: 'custom', message: 'Enter the date as YYYY-MM-DD, for example 2026-03-14.' });
      return z.NEVER;
    }
    return new Date(`${v}T00:00:00Z`);
  });

export const artifactFormSchema = z
  .object({
    title: z.string().default(''),
    summary: z.string().default(''),
    kind: z.string().default('post'),
    visibility: z.string().default('members'),
    format: z.string().default('markdown'),
    body: z.string().default(''),
    tags: z.string().default(''),
    date: dateField,
    coverMediaId: z.string().optional(),
    linkUrl: z.string().optional(),
    canonical: z.string().optional(),
    slug: z.string().optional(),
    intent: z.string().optional(),
  })
  .transform(
    (f): ArtifactInput => ({
      title: f.title,
      summary: f.summary,
      kind: f.kind as ArtifactInput['kind'],
      visibility: f.visibility as ArtifactInput['visibility'],
      format: f.format as ArtifactInput['format'],
      body: f.body.replace(/\r\n?/g, '\n'),
      tags: splitTagField(f.tags),
      date: f.date,
      coverMediaId: f.coverMediaId || null,
      linkUrl: f.linkUrl || null,
      canonical: f.canonical || null,
      slug: f.slug?.trim() || undefined,
    }),
  );

/** Form values for an existing artifact. */
export function artifactToFormValues(a: Artifact): Record<string, string> {
  return {
    title: a.title,
    summary: a.summary,
    kind: a.kind,
    visibility: a.visibility,
    format: a.format,
    body: a.body,
    tags: a.tags.join(', '),
    date: a.date.toISOString().slice(0, 10),
    coverMediaId: a.coverMediaId ?? '',
    linkUrl: a.linkUrl ?? '',
    canonical: a.canonical ?? '',
    slug: a.slug,
  };
}
