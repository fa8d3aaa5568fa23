/**
 * The editor's fields as the student typed them (strings), for drafts and for saves kept while signed out: which
 * names count, how large they may be, and how a submission is cut down to them. Pure.
 */
import { MAX_BODY_CHARS } from '../artifacts.ts';

/** Every field of the artifact editor that holds something the student typed or chose. */
export const EDITOR_FIELDS = [
  'title',
  'summary',
  'kind',
  'visibility',
  'format',
  'body',
  'tags',
  'date',
  'coverMediaId',
  'linkUrl',
  'canonical',
  'slug',
] as const;
export type EditorFieldName = (typeof EDITOR_FIELDS)[number];
export type EditorFields = Partial<Record<EditorFieldName, string>>;

/** The longest any field but the text may be: far beyond a title or an address, small enough to keep. */
export const MAX_SHORT_FIELD_CHARS = 4_000;

/** Keys of unsaved pieces: `new-` and a random id the editor made, one per tab. */
const NEW_KEY = /^new-[A-Za-z0-9_-]{8,64}$/;

/** Whether `key` names an unsaved piece's draft (as opposed to an artifact id). */
export function isNewDraftKey(key: string): boolean {
  return NEW_KEY.test(key);
}

const utf8 = new TextEncoder();

export type FieldsResult = { ok: true; fields: EditorFields; bytes: number } | { ok: false; message: string };

/**
 * Cuts a submission down to the editor's fields (anything else, files and passwords included, is dropped) and
 * checks their sizes: the text by the same limit as saving, everything else by MAX_SHORT_FIELD_CHARS.
 */
export function editorFieldsFrom(values: Record<string, unknown>): FieldsResult {
  const fields: EditorFields = {};
  let bytes = 0;
  for (const name of EDITOR_FIELDS) {
    const value = values[name];
    if (typeof value !== 'string') continue;
    const limit = name === 'body' ? MAX_BODY_CHARS : MAX_SHORT_FIELD_CHARS;
    if (value.length > limit) {
      return {
        ok: false,
        message:
          name === 'body'
            ? `The text is longer than ${MAX_BODY_CHARS.toLocaleString('en')} characters, the most one piece can hold; split it into several pieces.`
            : `The field "${name}" is longer than ${MAX_SHORT_FIELD_CHARS.toLocaleString('en')} characters; shorten it.`,
      };
    }
    fields[name] = value;
    bytes += utf8.encode(value).byteLength;
  }
  return { ok: true, fields, bytes };
}

/** Whether two sets of editor fields hold the same thing (line endings aside). */
export function sameFields(a: EditorFields, b: EditorFields): boolean {
  const norm = (v: string | undefined) => (v ?? '').replace(/\r\n?/g, '\n');
  return EDITOR_FIELDS.every((name) => norm(a[name]) === norm(b[name]));
}
