/**
 * What the artifact editor shows, shared by its two commands (editorLoader for a GET, editorSubmitter for a POST):
 * the view's shape and the small rules both need.
 */
import type { DiffLine } from '../core/diff.ts';
import { EDITOR_FIELDS } from '../core/editor/fields.ts';
import type { AppContext } from '../server/context.ts';
import type { Artifact } from '../server/db/schema.ts';
import type { FormState } from '../server/http/forms.ts';
import { renderPreview } from './previewRenderer.ts';

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

/** Who is editing what. */
export interface EditorSubject {
  user: { id: string };
  /** The artifact being edited; absent on the new-piece page. */
  artifact?: Artifact;
}

/** The editor's own address for a piece (or for a new one). */
export const editorPath = (artifact?: Artifact) => (artifact ? `/workspace/artifacts/${artifact.id}` : '/workspace/artifacts/new');

/** A key for the draft of a piece not saved yet, one per editor that opens. */
export function newDraftKey(app: AppContext): string {
  return `new-${app.newId().replace(/-/g, '').slice(0, 24)}`;
}

/** Only the editor's own fields of a set of values. */
export function fieldsOnly(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of EDITOR_FIELDS) if (values[name] !== undefined) out[name] = values[name];
  return out;
}

/** The preview of a body as its owner's saved page would show it, or null when it does not render. */
export function previewOf(app: AppContext, ownerId: string, body: string | undefined, format: string | undefined): string | null {
  const rendered = renderPreview(app, { ownerId, body: body ?? '', format });
  return rendered.ok ? rendered.html : null;
}

/** The revision number a form says it was opened on: none, a number, or not a number (a damaged form). */
export function parseBaseRevision(value: string | undefined): number | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  // Revisions count from 1: a 0 (or 007) comes only from a forged form.
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : 'invalid';
}
