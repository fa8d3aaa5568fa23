/** Reading request bodies with a byte limit, so that an oversized post is refused before it is held in memory. */
import { PotluckError } from '../../core/errors.ts';
import { readUploadForm } from '../media/uploadForm.ts';

/** Reads the body as text, refusing (TOO_LARGE) once more than `maxBytes` arrived or were announced. */
export async function readTextLimited(request: Request, maxBytes: number, what = 'This request'): Promise<string> {
  const tooLarge = () =>
    new PotluckError('TOO_LARGE', `${what} is larger than ${Math.round(maxBytes / 1024 / 1024)} MB, the most Potluck accepts.`);
  const announced = Number(request.headers.get('content-length') ?? '0');
  if (announced > maxBytes) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads a form post of either encoding with a cap: multipart (the editor carries a picture without JavaScript) up to
 * the upload limit, URL-encoded up to `maxBytes`.
 */
export async function readFormLimited(request: Request, maxBytes: number): Promise<FormData> {
  if (/^multipart\/form-data/i.test(request.headers.get('content-type') ?? '')) return readUploadForm(request);
  const form = new FormData();
  for (const [key, value] of new URLSearchParams(await readTextLimited(request, maxBytes, 'This form'))) form.append(key, value);
  return form;
}
