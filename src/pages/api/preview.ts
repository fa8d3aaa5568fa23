import type { APIRoute } from 'astro';
import { z } from 'zod';
import { MAX_BODY_CHARS } from '../../core/artifacts.ts';
import { renderPreview } from '../../commands/previewRenderer.ts';

const previewSchema = z.object({
  body: z.string().max(MAX_BODY_CHARS).default(''),
  format: z.enum(['markdown', 'mdx']).default('markdown'),
});

/** Renders a body with the saving pipeline, without saving: the live preview. Signed-in only (middleware). */
export const POST: APIRoute = async ({ request, locals }) => {
  const parsed = previewSchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) {
    return Response.json({ ok: false, errors: [{ line: 1, column: 1, message: 'Send JSON {body, format}.' }] }, { status: 400 });
  }
  const rendered = renderPreview(locals.app, { ownerId: locals.user!.id, body: parsed.data.body, format: parsed.data.format });
  return Response.json(rendered.ok ? { ok: true, html: rendered.html } : { ok: false, errors: rendered.errors });
};
