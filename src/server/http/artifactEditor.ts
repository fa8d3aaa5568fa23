/**
 * What the new and edit pages show and do. A GET fills the form from the artifact, a draft the student chose to
 * restore, or a save kept while they were signed out; a POST previews, uploads a picture, merges after an edit
 * conflict, discards a draft, or saves (and redirects). Every outcome keeps every field the student typed.
 */
import { eq, and } from 'drizzle-orm';
import type { AstroCookies } from 'astro';
import { diffText, type DiffLine } from '../../core/diff.ts';
import { PotluckError } from '../../core/errors.ts';
import { EDITOR_FIELDS, isNewDraftKey, sameFields } from '../../core/editor/fields.ts';
import { mergeTexts } from '../../core/editor/merge.ts';
import { saveArtifact } from '../../commands/artifactSaver.ts';
import { renderPreview } from '../../commands/previewRenderer.ts';
import { saveDraft } from '../../commands/draftSaver.ts';
import { discardDraft } from '../../commands/draftDiscarder.ts';
import { claimKeptEdit } from '../../commands/keptEditClaimer.ts';
import type { AppContext } from '../context.ts';
import { media, type Artifact } from '../db/schema.ts';
import { getPolicy } from '../policy.ts';
import { publicSharingSubject } from '../policyFacts.ts';
import { can } from '../../core/policy.ts';
import { getOwnDraft, listOwnNewDrafts } from '../repositories/drafts.ts';
import { getOwnRevision } from '../repositories/artifacts.ts';
import { artifactFormSchema, artifactToFormValues } from './artifactForm.ts';
import { handleEditorUpload } from './editorUpload.ts';
import { emptyForm, submitForm, type FormState } from './forms.ts';
import { KEPT_COOKIE, MAX_EDITOR_POST_BYTES, keptTokenHash } from './keptEdits.ts';
import { readFormLimited } from './bodyLimits.ts';

/** A draft the page offers to restore. */
export interface DraftOffer {
  title: string;
  updatedAt: Date;
  /** Where "Restore" goes (a GET that fills the form; nothing is saved). */
  href: string;
  /** The draft's key, for "Discard". */
  key: string;
}

/** What the page shows after a save based on an older revision than the newest. */
export interface EditConflict {
  /** The revision the student started from. */
  base: number;
  /** The newest revision, saved meanwhile. */
  current: number;
  savedAt: Date;
  /** The saved text, to read or copy. */
  theirs: string;
  /** From the saved text to the student's. */
  diff: DiffLine[];
  /** Other fields that differ: saved value -> the student's. */
  fieldChanges: { field: string; saved: string; yours: string }[];
}

export interface EditorNotice {
  tone: 'ok' | 'info' | 'warning';
  text: string;
}

/** Everything the editor page renders. */
export interface EditorView {
  /** The fields, with the hidden ones: `baseRevision`, `draftKey`, `editor` (and `mergeBase` after a conflict). */
  state: FormState;
  previewHtml: string | null;
  conflict: EditConflict | null;
  offers: DraftOffer[];
  notice: EditorNotice | null;
  /** The picture snippet after an upload without JavaScript. */
  snippet: string | null;
  /** The form holds something not saved as a revision (closing the page asks first). */
  unsaved: boolean;
  status: number;
}

export type EditorOutcome = { kind: 'redirect'; location: string } | { kind: 'page'; view: EditorView };

export interface EditorRequest {
  user: { id: string };
  /** The artifact being edited; absent on the new-piece page. */
  artifact?: Artifact;
  request: Request;
  url: URL;
  cookies: AstroCookies;
}

const editorPath = (artifact?: Artifact) => (artifact ? `/workspace/artifacts/${artifact.id}` : '/workspace/artifacts/new');

function newDraftKey(app: AppContext): string {
  return `new-${app.newId().replace(/-/g, '').slice(0, 24)}`;
}

function fieldsOnly(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of EDITOR_FIELDS) if (values[name] !== undefined) out[name] = values[name];
  return out;
}

function previewOf(app: AppContext, ownerId: string, body: string | undefined, format: string | undefined): string | null {
  const rendered = renderPreview(app, { ownerId, body: body ?? '', format });
  return rendered.ok ? rendered.html : null;
}

function startingValues(app: AppContext, props: EditorRequest): Record<string, string> {
  const { artifact, url, user } = props;
  const hidden = { editor: user.id };
  if (artifact) return { ...artifactToFormValues(artifact), ...hidden, baseRevision: String(artifact.revision), draftKey: artifact.id };
  const asked = url.searchParams.get('draft') ?? '';
  return {
    kind: url.searchParams.get('kind') ?? 'post',
    visibility: getPolicy(app).defaultVisibility,
    format: 'markdown',
    date: app.now().toISOString().slice(0, 10),
    ...hidden,
    baseRevision: '',
    draftKey: isNewDraftKey(asked) ? asked : newDraftKey(app),
  };
}

/** The editor on a GET: the artifact (or a new piece), with a kept save or a chosen draft filled in. */
export async function showEditor(app: AppContext, props: EditorRequest): Promise<EditorView> {
  const { artifact, url, user } = props;
  let values = startingValues(app, props);
  let notice: EditorNotice | null = null;
  let previewHtml = artifact?.html ?? null;
  const offers: DraftOffer[] = [];

  const token = props.cookies.get(KEPT_COOKIE)?.value;
  const kept = token
    ? claimKeptEdit(app, { tokenHash: keptTokenHash(token), path: editorPath(artifact), userId: user.id })
    : undefined;
  const draftKey = values.draftKey;
  const draft = getOwnDraft(app, user.id, draftKey);
  if (kept) {
    values = { ...values, ...fieldsOnly(kept.fields), baseRevision: kept.fields.baseRevision ?? values.baseRevision };
    notice = {
      tone: 'warning',
      text: 'You were signed out while you were writing. Everything you typed is back, but it has not been saved yet: check it and press Save.',
    };
    previewHtml = previewOf(app, user.id, values.body, values.format);
  } else if (draft && (url.searchParams.get('draft') === 'restore' || (!artifact && url.searchParams.get('draft') === draftKey))) {
    values = {
      ...values,
      ...fieldsOnly(draft.fields),
      baseRevision: draft.baseRevision == null ? values.baseRevision : String(draft.baseRevision),
    };
    notice = { tone: 'info', text: 'This is your draft. It is not saved yet: press Save to keep it, or discard it.' };
    previewHtml = previewOf(app, user.id, values.body, values.format);
  } else if (artifact && draft && !sameFields(draft.fields, values)) {
    offers.push({ title: draft.fields.title || artifact.title, updatedAt: draft.updatedAt, href: `${editorPath(artifact)}?draft=restore`, key: draft.key });
  } else if (!artifact) {
    for (const d of listOwnNewDrafts(app, user.id)) {
      if (d.key === draftKey) continue;
      offers.push({ title: d.fields.title || 'Untitled piece', updatedAt: d.updatedAt, href: `/workspace/artifacts/new?draft=${d.key}`, key: d.key });
    }
  }
  if (!notice && url.searchParams.get('discarded') === '1') notice = { tone: 'ok', text: 'The draft was discarded.' };
  const unsaved = Boolean(notice && notice.tone !== 'ok');
  return { state: emptyForm(values), previewHtml, conflict: null, offers, notice, snippet: null, unsaved, status: 200 };
}

/** The editor on a POST: save (redirect), or the page again with the outcome. */
export async function handleEditorPost(app: AppContext, props: EditorRequest): Promise<EditorOutcome> {
  const { artifact, user } = props;
  const form = await readFormLimited(props.request, MAX_EDITOR_POST_BYTES);
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

function parseBaseRevision(value: string | undefined): number | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  // Revisions count from 1: a 0 (or 007) comes only from a forged form.
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : 'invalid';
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

/** The owner's images for pickers. */
export function ownImages(app: AppContext, ownerId: string) {
  return app.db
    .select({ id: media.id, filename: media.filename, alt: media.alt })
    .from(media)
    .where(and(eq(media.ownerId, ownerId), eq(media.kind, 'image')))
    .all();
}

/** Whether this person may choose Public under the instance policy (core/policy.ts, "publicSharing"). */
export function mayPublish(app: AppContext, userId: string): boolean {
  const subject = publicSharingSubject(app, userId);
  return can({ id: userId, role: 'student' }, 'publish', subject);
}
