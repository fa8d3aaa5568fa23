/**
 * Adding a picture from the editor without JavaScript: the whole editor form arrives (multipart, `intent=upload`)
 * with the chosen file (`file`, or `camera` from "Take a photo") and its description (`alt`). The file is stored
 * with uploadMedia and nothing of the piece is saved: the editor comes back with every field as the student typed
 * it, the picture's snippet added at the end of the text (so it is in the piece at the next save), and the snippet
 * shown on its own to move where it belongs. A refused upload changes nothing and says why beside the file field.
 */
import { z } from 'zod';
import { uploadMedia } from '../../commands/mediaUploader.ts';
import { PotluckError } from '../../core/errors.ts';
import { appendSnippet, editorSnippet } from '../../core/markdown/snippets.ts';
import type { AppContext } from '../context.ts';
import { toUploadFile, uploadedFile } from '../media/uploadForm.ts';
import { submitForm } from './forms.ts';

/** What the editor page shows after an upload: its fields, field errors, a message, the snippet and the HTTP status. */
export interface EditorUploadResult {
  /** The form's own string values; after an upload the body ends with the snippet, `snippet` holds it, `alt` is empty. */
  values: Record<string, string>;
  errors: Record<string, string>;
  /** Empty after an upload; what went wrong otherwise. */
  message: string;
  snippet: string | null;
  /** 200, or the status of the refusal (400, 413 too large, 415 not a picture Potluck reads). */
  status: number;
}

// Only the fields this step reads; every other field is carried back untouched.
const uploadFields = z.object({
  alt: z.string().default(''),
  body: z.string().default(''),
});

/** Uploads the file of a no-JavaScript editor submission for `ownerId` and returns the editor's next state. */
export async function handleEditorUpload(app: AppContext, form: FormData, props: { ownerId: string }): Promise<EditorUploadResult> {
  let status = 400;
  const submission = await submitForm(form, uploadFields, async (data) => {
    const file = uploadedFile(form);
    if (!file) {
      const message = 'Choose a picture to add (or take a photo), then press “Upload and add to text”.';
      throw new PotluckError('VALIDATION', message, { issues: [{ field: 'file', message }] });
    }
    try {
      const row = await uploadMedia(app, { ownerId: props.ownerId, file: await toUploadFile(file), alt: data.alt });
      return { row, body: data.body };
    } catch (error) {
      if (error instanceof PotluckError) status = error.status;
      throw error;
    }
  });
  const values = submission.state.values;
  if (!submission.ok) {
    return {
      values,
      errors: submission.state.errors,
      message: 'The picture was not added. Everything you typed is still here, and nothing was saved; see the file field below.',
      snippet: null,
      status: submission.status === 429 ? 429 : status,
    };
  }
  const { row, body } = submission.result;
  const snippet = editorSnippet(row);
  return {
    values: { ...values, body: appendSnippet(body, snippet), alt: '', snippet },
    errors: {},
    message: '',
    snippet,
    status: 200,
  };
}
