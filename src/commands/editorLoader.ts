/**
 * Opening the artifact editor: the artifact (or a new piece), with a save kept while the student was signed out, or
 * a draft they chose to restore, filled in; and the drafts it may offer.
 */
import { isNewDraftKey, sameFields } from '../core/editor/fields.ts';
import type { AppContext } from '../server/context.ts';
import { artifactToFormValues } from '../server/http/artifactForm.ts';
import { emptyForm } from '../server/http/forms.ts';
import { getPolicy } from '../server/policy.ts';
import { getOwnDraft, listOwnNewDrafts } from '../server/repositories/drafts.ts';
import { editorPath, fieldsOnly, newDraftKey, previewOf, type DraftOffer, type EditorNotice, type EditorSubject, type EditorView } from './editorView.ts';
import { claimKeptEdit } from './keptEditClaimer.ts';

export interface LoadEditorProps extends EditorSubject {
  /** The page address's query (`draft`, `kind`, `discarded`). */
  searchParams: URLSearchParams;
  /** SHA-256 of this browser's kept-save cookie, when it has one. */
  keptTokenHash?: string;
}

function startingValues(app: AppContext, props: LoadEditorProps): Record<string, string> {
  const { artifact, searchParams, user } = props;
  const hidden = { editor: user.id };
  if (artifact) return { ...artifactToFormValues(artifact), ...hidden, baseRevision: String(artifact.revision), draftKey: artifact.id };
  const asked = searchParams.get('draft') ?? '';
  return {
    kind: searchParams.get('kind') ?? 'post',
    visibility: getPolicy(app).defaultVisibility,
    format: 'markdown',
    date: app.now().toISOString().slice(0, 10),
    ...hidden,
    baseRevision: '',
    draftKey: isNewDraftKey(asked) ? asked : newDraftKey(app),
  };
}

/** The editor on a GET: the artifact (or a new piece), with a kept save or a chosen draft filled in. */
export function loadEditor(app: AppContext, props: LoadEditorProps): EditorView {
  const { artifact, searchParams, user } = props;
  let values = startingValues(app, props);
  let notice: EditorNotice | null = null;
  let previewHtml = artifact?.html ?? null;
  const offers: DraftOffer[] = [];

  const kept = props.keptTokenHash
    ? claimKeptEdit(app, { tokenHash: props.keptTokenHash, path: editorPath(artifact), userId: user.id })
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
  } else if (draft && (searchParams.get('draft') === 'restore' || (!artifact && searchParams.get('draft') === draftKey))) {
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
  if (!notice && searchParams.get('discarded') === '1') notice = { tone: 'ok', text: 'The draft was discarded.' };
  const unsaved = Boolean(notice && notice.tone !== 'ok');
  return { state: emptyForm(values), previewHtml, conflict: null, offers, notice, snippet: null, unsaved, status: 200 };
}
