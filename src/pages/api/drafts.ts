import type { APIRoute } from 'astro';
import { z } from 'zod';
import { PotluckError } from '../../core/errors.ts';
import { saveDraft } from '../../commands/draftSaver.ts';
import { discardDraft } from '../../commands/draftDiscarder.ts';
import { readTextLimited } from '../../server/http/bodyLimits.ts';
import { MAX_EDITOR_POST_BYTES } from '../../server/http/keptEdits.ts';

const noStore = { 'cache-control': 'no-store' };

const draftSchema = z.object({
  key: z.string().regex(/^[A-Za-z0-9_-]{1,70}$/, 'The draft key is not one the editor makes.'),
  baseRevision: z.number().int().min(1).nullable().optional(),
  values: z.record(z.string(), z.string()),
});

function errorJson(error: PotluckError): Response {
  return Response.json({ error: { code: error.code, message: error.message } }, { status: error.status, headers: noStore });
}

/**
 * Keeps the editor's draft for the signed-in person (JSON {key, baseRevision, values}): 200 with when it was kept,
 * 400 for a malformed draft, 404 for someone else's artifact, 413 for text past the limit. Signed-out drafts never
 * reach this route: the middleware keeps them for after sign-in (server/http/keptEdits.ts).
 */
export const POST: APIRoute = async ({ request, locals }) => {
  try {
    let body: unknown;
    try {
      body = JSON.parse(await readTextLimited(request, MAX_EDITOR_POST_BYTES, 'This draft'));
    } catch (error) {
      if (error instanceof PotluckError) throw error;
      throw new PotluckError('VALIDATION', 'Send the draft as JSON: {key, baseRevision, values}.');
    }
    const parsed = draftSchema.safeParse(body);
    if (!parsed.success) {
      throw new PotluckError('VALIDATION', `This draft is not one the editor makes: ${parsed.error.issues[0]?.message ?? 'check its fields'}.`);
    }
    const draft = saveDraft(locals.app, {
      ownerId: locals.user!.id,
      key: parsed.data.key,
      baseRevision: parsed.data.baseRevision ?? null,
      values: parsed.data.values,
    });
    return Response.json({ key: draft.key, savedAt: draft.updatedAt.toISOString(), bytes: draft.bytes }, { headers: noStore });
  } catch (error) {
    if (error instanceof PotluckError) return errorJson(error);
    throw error;
  }
};

/** Discards the signed-in person's draft `?key=`: 204 whether or not there was one (another person's stays). */
export const DELETE: APIRoute = ({ url, locals }) => {
  const key = url.searchParams.get('key') ?? '';
  if (!/^[A-Za-z0-9_-]{1,70}$/.test(key)) return errorJson(new PotluckError('VALIDATION', 'Name the draft to discard: ?key=…'));
  discardDraft(locals.app, { ownerId: locals.user!.id, key });
  return new Response(null, { status: 204, headers: noStore });
};
