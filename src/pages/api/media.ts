import type { APIRoute } from 'astro';
import { PotluckError } from '../../core/errors.ts';
import { uploadMedia } from '../../commands/mediaUploader.ts';
import { readUploadForm, toUploadFile, uploadedFile } from '../../server/media/uploadForm.ts';
import { mediaJson } from '../../server/media/urls.ts';

const noStore = { 'cache-control': 'no-store' };

function errorJson(error: PotluckError): Response {
  return Response.json(
    { error: { code: error.code, message: error.message, issues: error.issues } },
    { status: error.status, headers: noStore },
  );
}

/**
 * Uploads one file (multipart: `file` or `camera`, and `alt`) for the signed-in person: 201 with the item's URLs,
 * variants and Markdown snippet, or 4xx with {error: {code, message}}. The picker's progress bar uses this.
 */
export const POST: APIRoute = async ({ request, locals }) => {
  const user = locals.user;
  if (!user) {
    return errorJson(new PotluckError('UNAUTHENTICATED', 'Sign in to upload files.'));
  }
  try {
    const form = await readUploadForm(request);
    const file = uploadedFile(form);
    if (!file) {
      const message = 'Choose a file to upload.';
      throw new PotluckError('VALIDATION', message, { issues: [{ field: 'file', message }] });
    }
    const alt = form.get('alt');
    const row = await uploadMedia(locals.app, {
      ownerId: user.id,
      file: await toUploadFile(file),
      alt: typeof alt === 'string' ? alt : '',
    });
    const body = mediaJson(row);
    return Response.json(body, { status: 201, headers: { ...noStore, location: body.url } });
  } catch (error) {
    if (error instanceof PotluckError) return errorJson(error);
    throw error;
  }
};
