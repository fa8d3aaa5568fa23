/**
 * Reading an upload from an HTTP request: the body is capped while it streams in (a client that lies about or
 * omits Content-Length still cannot make the server buffer more than the limit), then parsed as multipart.
 */
import { PotluckError } from '../../core/errors.ts';
import { MAX_ATTACHMENT_BYTES, MAX_IMAGE_BYTES, MAX_UPLOAD_REQUEST_BYTES, formatBytes } from './limits.ts';

/** A file as it arrived: the sender's name for it, the type the browser claimed (never trusted), its bytes. */
export interface UploadFile {
  name: string;
  type?: string;
  bytes: Uint8Array | Buffer;
}

function requestTooLarge(): PotluckError {
  const message = `This upload is too large. Pictures can be at most ${formatBytes(MAX_IMAGE_BYTES)} and attachments ${formatBytes(MAX_ATTACHMENT_BYTES)}. Make the file smaller and try again.`;
  return new PotluckError('TOO_LARGE', message, { issues: [{ field: 'file', message }] });
}

/** Reads a multipart/form-data request of at most `limit` bytes; TOO_LARGE beyond, VALIDATION if not multipart. */
export async function readUploadForm(request: Request, limit = MAX_UPLOAD_REQUEST_BYTES): Promise<FormData> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new PotluckError('VALIDATION', 'Send the file in a form with enctype="multipart/form-data".');
  }
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw requestTooLarge();
  if (!request.body) throw new PotluckError('VALIDATION', 'The upload arrived empty. Choose a file and try again.');

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limit) {
      await reader.cancel().catch(() => {});
      throw requestTooLarge();
    }
    chunks.push(value);
  }
  try {
    return await new Response(new Blob(chunks as BlobPart[]), { headers: { 'content-type': type } }).formData();
  } catch (error) {
    throw new PotluckError('VALIDATION', 'The upload was cut off or malformed. Try again.', { cause: error });
  }
}

/**
 * The chosen file from a form: the first non-empty of the named fields (the picker sends `file`, and `camera` from
 * the phone's "Take a photo" input). Null when none was chosen (browsers send an empty, nameless file then).
 */
export function uploadedFile(form: FormData, names: string[] = ['file', 'camera']): File | null {
  for (const name of names) {
    for (const value of form.getAll(name)) {
      if (typeof value !== 'string' && (value.size > 0 || value.name !== '')) return value;
    }
  }
  return null;
}

/** A form's File as the upload command takes it. */
export async function toUploadFile(file: File): Promise<UploadFile> {
  return { name: file.name, type: file.type, bytes: new Uint8Array(await file.arrayBuffer()) };
}
