/**
 * What the artifact editor's form does when it is sent: save (and redirect), preview, upload a picture without
 * JavaScript, merge after an edit conflict, or discard a draft. Every outcome keeps every field the student typed.
 */
import { diffText } from '../core/diff.ts';
import { PotluckError } from '../core/errors.ts';
import { isNewDraftKey } from '../core/editor/fields.ts';
import { mergeTexts } from '../core/editor/merge.ts';
import type { AppContext } from '../server/context.ts';
import type { Artifact } from '../server/db/schema.ts';
import { artifactFormSchema, artifactToFormValues } from '../server/http/artifactForm.ts';
import { handleEditorUpload } from '../server/http/editorUpload.ts';
import { emptyForm, submitForm, type FormState } from '../server/http/forms.ts';
import { getOwnRevision } from '../server/repositories/artifacts.ts';
import { saveArtifact } from './artifactSaver.ts';
import { discardDraft } from './draftDiscarder.ts';
import { saveDraft } from './draftSaver.ts';
import { renderPreview } from './previewRenderer.ts';
import { editorPath, newDraftKey, parseBaseRevision, previewOf, type EditConflict, type EditorOutcome, type EditorSubject, type EditorView } from './editorView.ts';

export interface SubmitEditorProps extends EditorSubject {
  /** The editor form as it arrived (read with the editor's size limits). */
  form: FormData;
}

/** The editor on a POST: save (redirect), or the page again with the outcome. */
export async function submitEditor(app: AppContext, props: SubmitEditorProps): Promise<EditorOutcome> {
  const { artifact, user, form } = props;
  const values = Object.fromEntries([...form].filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  values.editor = user.id;
  const postedNewKey = !artifact && isNewDraftKey(values.draftKey ?? '');
  values.draftKey = artifact ? artifact.id : isNewDraftKey(values.draftKey ?? '') ? values.draftKey : newDraftKey(app);
  const page = (view: Partial<EditorView> & { state: FormState }): EditorOutcome => ({
    kind: 'page',
    view: { previewHtml: null, conflict: null, offers: [], notice: null, snippet: null, unsaved: true, status: 200, ...view },
  });
  const intent = values.intent;

  if (intent === 'discard-draft') {
    const key = values.discardKey || values.draftKey;
    if (artifact ? key === artifact.id : isNewDraftKey(key)) discardDraft(app, { ownerId: user.id, key });
    return { kind: 'redirect', location: `${editorPath(artifact)}?discarded=1` };
  }

  if (intent === 'preview') {
    const rendered = renderPreview(app, { ownerId: user.id, body: values.body ?? '', format: values.format });
    if (rendered.ok) return page({ state: emptyForm(values), previewHtml: rendered.html });
    const message = rendered.errors.map((e) => `Line ${e.line}, column ${e.column}: ${e.message}`).join(' ');
    return page({ state: { values, errors: { body: message }, message: 'The preview found problems in the text.' }, status: 400 });
  }

  if (intent === 'upload') {
    const uploaded = await handleEditorUpload(app, form, { ownerId: user.id });
    const state: FormState = {
      values: { ...uploaded.values, editor: user.id, draftKey: values.draftKey },
      errors: uploaded.errors,
      message: uploaded.message,
    };
    return page({
      state,
      snippet: uploaded.snippet,
      previewHtml: previewOf(app, user.id, state.values.body, state.values.format),
      status: uploaded.status,
    });
  }

  if (intent === 'merge' && artifact) return page(await mergedView(app, artifact, user.id, values));

  const base = parseBaseRevision(values.baseRevision);
  if (base === 'invalid') {
    return page({
      state: { values, errors: {}, message: 'This form is damaged: its revision number is not one Potluck writes. Reload the editor and make the change again.' },
      status: 400,
    });
  }
  try {
    const outcome = await submitForm(form, artifactFormSchema, (input) =>
      saveArtifact(app, { ownerId: user.id, artifactId: artifact?.id, input, baseRevision: base, draftKey: values.draftKey }),
    );
    if (outcome.ok) {
      // `from` names the new piece's draft key, so the browser can forget its own copy of the text just saved.
      const from = postedNewKey ? `&from=${encodeURIComponent(values.draftKey)}` : '';
      return { kind: 'redirect', location: `/workspace/artifacts/${outcome.result.artifact.id}?saved=1${from}` };
    }
    const state = { ...outcome.state, values: { ...outcome.state.values, editor: user.id, draftKey: values.draftKey } };
    // The preview keeps showing the text as typed, so a refused save never blanks it.
    return page({ state, previewHtml: previewOf(app, user.id, values.body, values.format), status: outcome.status });
  } catch (error) {
    if (!(error instanceof PotluckError) || error.code !== 'EDIT_CONFLICT' || !artifact || base === undefined) throw error;
    return page(conflictView(app, artifact, user.id, values, base));
  }
}

const COMPARED_FIELDS = ['title', 'summary', 'kind', 'visibility', 'tags', 'date', 'coverMediaId', 'linkUrl', 'canonical', 'slug'] as const;

// The student's text is kept as a draft too: whichever version they choose now, the other is never lost (the saved
// one is a revision already).
function conflictView(app: AppContext, artifact: Artifact, ownerId: string, values: Record<string, string>, base: number) {
  const current = artifactToFormValues(artifact);
  saveDraft(app, { ownerId, key: artifact.id, baseRevision: base, values });
  const conflict: EditConflict = {
    base,
    current: artifact.revision,
    savedAt: artifact.updatedAt,
    theirs: artifact.body,
    diff: diffText(artifact.body, (values.body ?? '').replace(/\r\n?/g, '\n')),
    fieldChanges: COMPARED_FIELDS.filter((f) => (values[f] ?? '') !== (current[f] ?? '') && values[f] !== undefined).map((f) => ({
      field: f,
      saved: current[f] ?? '',
      yours: values[f] ?? '',
    })),
  };
  return {
    state: {
      values: { ...values, baseRevision: String(artifact.revision), mergeBase: String(base) },
      errors: {},
      message: '',
    },
    conflict,
    // The preview shows the student's version, as after any refused save (never a blank preview).
    previewHtml: previewOf(app, ownerId, values.body, values.format),
    notice: {
      tone: 'warning' as const,
      text: `Revision ${artifact.revision} was saved after you opened revision ${base} (in another tab or on another device). Nothing was replaced: your version is below, not saved yet.`,
    },
    status: 409,
  };
}

// Both versions' changes since the revision the student started from, applied together. Fields other than the text
// take the student's value where they changed it, and the saved one otherwise.
async function mergedView(app: AppContext, artifact: Artifact, ownerId: string, values: Record<string, string>) {
  const baseNumber = parseBaseRevision(values.mergeBase);
  if (typeof baseNumber !== 'number') {
    return { state: { values, errors: {}, message: 'There is nothing to merge: save, or reload the editor.' }, status: 400 };
  }
  const base = getOwnRevision(app, ownerId, artifact.id, baseNumber);
  const baseValues = artifactToFormValues({ ...artifact, ...base, tags: base.tags } as Artifact);
  const current = artifactToFormValues(artifact);
  const merged: Record<string, string> = { ...values, baseRevision: String(artifact.revision) };
  delete merged.mergeBase;
  for (const f of COMPARED_FIELDS) {
    if (f === 'slug' || f === 'canonical') continue;
    if ((values[f] ?? '') === (baseValues[f] ?? '')) merged[f] = current[f] ?? '';
  }
  if ((values.format ?? '') === baseValues.format) merged.format = current.format;
  const result = mergeTexts(base.body, values.body ?? '', artifact.body, { mine: 'Your version', theirs: `Saved version (revision ${artifact.revision})` });
  merged.body = result.text;
  const text = result.conflicts
    ? `Merged. In ${result.conflicts === 1 ? 'one place' : `${result.conflicts} places`} both versions changed the same lines: both are kept there between marker lines (<<<<<<< and >>>>>>>). Keep what you want, delete the marker lines, then press Save.`
    : 'Merged: the text below has your changes and the ones saved meanwhile. Check it, then press Save.';
  return {
    state: emptyForm(merged),
    notice: { tone: result.conflicts ? ('warning' as const) : ('ok' as const), text },
    previewHtml: previewOf(app, ownerId, merged.body, merged.format),
  };
}
