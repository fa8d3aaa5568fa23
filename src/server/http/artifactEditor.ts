/** What the new and edit pages do with a POST: preview without saving, or save and redirect. */
import { eq, and } from 'drizzle-orm';
import { renderArtifactBody } from '../../core/markdown/render.ts';
import { saveArtifact } from '../../commands/artifactSaver.ts';
import type { AppContext } from '../context.ts';
import { media } from '../db/schema.ts';
import { getPolicy } from '../policy.ts';
import { users } from '../db/schema.ts';
import { artifactFormSchema } from './artifactForm.ts';
import { submitForm, type FormState } from './forms.ts';

export type EditorOutcome =
  | { kind: 'saved'; id: string }
  | { kind: 'form'; state: FormState; previewHtml: string | null };

/** Handles the editor's POST for a new (`artifactId` undefined) or existing artifact. */
export async function handleEditorPost(
  app: AppContext,
  request: Request,
  props: { ownerId: string; artifactId?: string },
): Promise<EditorOutcome> {
  const form = await request.formData();
  if (form.get('intent') === 'preview') {
    const values = Object.fromEntries([...form].filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    const rendered = await renderArtifactBody({
      source: values.body ?? '',
      format: values.format === 'mdx' ? 'mdx' : 'markdown',
    });
    if (rendered.ok) return { kind: 'form', state: { values, errors: {}, message: '' }, previewHtml: rendered.html };
    const message = rendered.errors.map((e) => `Line ${e.line}, column ${e.column}: ${e.message}`).join(' ');
    return { kind: 'form', state: { values, errors: { body: message }, message: 'The preview found problems in the text.' }, previewHtml: null };
  }
  const outcome = await submitForm(form, artifactFormSchema, (input) =>
    saveArtifact(app, { ownerId: props.ownerId, artifactId: props.artifactId, input }),
  );
  if (outcome.ok) return { kind: 'saved', id: outcome.result.artifact.id };
  return { kind: 'form', state: outcome.state, previewHtml: null };
}

/** The owner's images for pickers. */
export function ownImages(app: AppContext, ownerId: string) {
  return app.db
    .select({ id: media.id, filename: media.filename, alt: media.alt })
    .from(media)
    .where(and(eq(media.ownerId, ownerId), eq(media.kind, 'image')))
    .all();
}

/** Whether this person may choose Public under the instance policy. */
export function mayPublish(app: AppContext, userId: string): boolean {
  if (!getPolicy(app).publicRequiresConsent) return true;
  const row = app.db.select({ at: users.publicConsentAt }).from(users).where(eq(users.id, userId)).get();
  return Boolean(row?.at);
}
