/**
 * Media uploads: pictures and attachments a student uses in their work. The content decides what a file is (never
 * its name or the type the browser claims); pictures are re-encoded without EXIF/GPS and get responsive variants;
 * files are written to a staging folder and moved into place before the database row exists, and removed again if
 * anything fails, so a refused or failed upload leaves nothing behind. Used by the workspace media page, the JSON
 * upload endpoint, the artifact editor's picker and (later) archive import.
 */
import { createHash } from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { PotluckError, invalid, issuesFromZod, notFound } from '../core/errors.ts';
import type { Visibility } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { artifactMedia, artifacts, media, users, type Media } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { rerenderArtifactsUsingMedia } from './artifactRerenderer.ts';
import { imageExtension, processImage } from '../server/media/images.ts';
import {
  ATTACHMENT_TYPES,
  MAX_ALT_CHARS,
  MAX_ATTACHMENT_BYTES,
  MAX_FILENAME_CHARS,
  MAX_IMAGE_BYTES,
  MAX_UPLOAD_BYTES,
  formatBytes,
  type AttachmentExtension,
} from '../server/media/limits.ts';
import { ATTACHMENT_FAMILY, familyLabel, sniff, type Sniffed } from '../server/media/sniff.ts';
import { createStaging, deleteMediaFiles, originalFileName, type Staging } from '../server/media/storage.ts';
import type { UploadFile } from '../server/media/uploadForm.ts';

export type { UploadFile };

export interface UploadMediaProps {
  ownerId: string;
  file: UploadFile;
  alt?: string;
}

const altSchema = z
  .string()
  .max(MAX_ALT_CHARS, `Keep the description under ${MAX_ALT_CHARS.toLocaleString('en')} characters; the text of your work can say more.`)
  .transform((s) => s.replace(/\s+/g, ' ').trim());

/** Extensions that say "this is a picture": a file named so must really be one of the pictures Potluck reads. */
const PICTURE_EXTENSIONS = new Set(['jpg', 'jpeg', 'jpe', 'jfif', 'png', 'apng', 'webp', 'gif', 'avif', 'heic', 'heif', 'tif', 'tiff', 'bmp', 'svg', 'svgz', 'ico', 'jxl']);

const PICTURE_FORMATS = 'JPEG, PNG, WebP, GIF or AVIF';
const ATTACHMENT_LIST = 'PDF, MP3, M4A, OGG, WAV, MP4, WebM, Word, Excel, PowerPoint, OpenDocument, TXT and CSV';

function fileError(code: 'UNSUPPORTED_MEDIA' | 'TOO_LARGE' | 'VALIDATION', message: string): PotluckError {
  return new PotluckError(code, message, { issues: [{ field: 'file', message }] });
}

function extensionOf(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/**
 * The name shown to people and used for downloads: no folders, no control or reserved characters, not too long,
 * and (for pictures) the extension of what the file really is. Never used on disk.
 */
export function sanitizeFilename(name: string, extension?: string): string {
  let base = (name.split(/[/\\]/).pop() ?? '')
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  let ext = extensionOf(base);
  if (ext) base = base.slice(0, -(ext.length + 1)).replace(/[\s.]+$/, '');
  if (extension && !(extension === 'jpg' && (ext === 'jpeg' || ext === 'jpg'))) ext = extension;
  const room = MAX_FILENAME_CHARS - (ext ? ext.length + 1 : 0);
  base = [...base].slice(0, room).join('').trim() || 'upload';
  return ext ? `${base}.${ext}` : base;
}

function refusePicture(sniffed: Sniffed): PotluckError {
  if (sniffed.kind === 'other' && sniffed.label === 'a HEIC photo') {
    return fileError(
      'UNSUPPORTED_MEDIA',
      'This photo is in HEIC format, which most browsers cannot show. Export it as JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible) and try again.',
    );
  }
  return fileError(
    'UNSUPPORTED_MEDIA',
    `This file is not a picture Potluck can read (it looks like ${sniffed.label}). Save it as ${PICTURE_FORMATS} and try again.`,
  );
}

function tooLarge(bytes: number, limit: number, what: string): PotluckError {
  return fileError(
    'TOO_LARGE',
    `This file is ${formatBytes(bytes)}; ${what} can be at most ${formatBytes(limit)}. Make it smaller (export at a lower resolution or quality) and try again.`,
  );
}

/** Decides what an upload is and refuses what Potluck does not store; returns the attachment's extension and type. */
function classifyAttachment(file: UploadFile, sniffed: Sniffed): { ext: AttachmentExtension; mime: string } {
  const ext = extensionOf(file.name);
  const family = ATTACHMENT_FAMILY[ext];
  if (sniffed.kind === 'other' && sniffed.danger) {
    throw fileError(
      'UNSUPPORTED_MEDIA',
      `Potluck does not store this file: it looks like ${sniffed.label}, which a browser or computer could run. Attach a ${ATTACHMENT_LIST} file instead${sniffed.label.includes('web page') ? ', or print the page to PDF' : ''}.`,
    );
  }
  if (!family) {
    const named = ext ? `.${ext} files` : 'files without an extension (like .pdf) at the end of their name';
    throw fileError('UNSUPPORTED_MEDIA', `Potluck cannot store ${named}. It accepts pictures (${PICTURE_FORMATS}) and ${ATTACHMENT_LIST} files.`);
  }
  if (sniffed.kind !== 'attachment' || sniffed.family !== family) {
    throw fileError(
      'UNSUPPORTED_MEDIA',
      `This file is named .${ext}, but it looks like ${sniffed.label}, not ${familyLabel(family)}. Open it in the program that made it, save or export it as .${ext} again, and retry.`,
    );
  }
  const base = ATTACHMENT_TYPES[ext as AttachmentExtension].split(';')[0];
  const mime = family === 'text' ? (sniffed.charset ? `${base}; charset=${sniffed.charset}` : base) : base;
  return { ext: ext as AttachmentExtension, mime };
}

/**
 * Stores one upload for its owner and returns the media row. Throws UNSUPPORTED_MEDIA (not a picture or allowed
 * attachment), TOO_LARGE (bytes or pixels over the limits) or VALIDATION (empty, damaged, alt text too long), each
 * with a message that tells the student what to do; nothing is stored in that case.
 */
export async function uploadMedia(app: AppContext, props: UploadMediaProps): Promise<Media> {
  const owner = app.db.select({ id: users.id }).from(users).where(eq(users.id, props.ownerId)).get();
  if (!owner) throw notFound('That account');
  const row = await stageUpload(app, props, () => createStaging(app.config, props.ownerId));
  try {
    return inTransaction(app, () => app.db.insert(media).values(row).returning().get());
  } catch (error) {
    await deleteMediaFiles(app.config, props.ownerId, row.id!).catch(() => {});
    throw error;
  }
}

/**
 * Checks and processes one upload and commits its files through `staging` (an upload's own staging folder, or an
 * import's, which keeps them out of place until the import's transaction commits); returns the row to insert.
 * Throws as uploadMedia does, having removed whatever it wrote.
 */
export async function stageUpload(app: AppContext, props: UploadMediaProps, open: () => Promise<Staging>): Promise<typeof media.$inferInsert> {
  const altParsed = altSchema.safeParse(props.alt ?? '');
  if (!altParsed.success) throw invalid(issuesFromZod(altParsed.error).map((i) => ({ ...i, field: 'alt' })));
  const alt = altParsed.data;

  const bytes = props.file.bytes;
  if (bytes.byteLength === 0) {
    throw fileError('VALIDATION', props.file.name ? 'That file is empty (0 bytes). Choose the file again and retry.' : 'Choose a file to upload.');
  }
  if (bytes.byteLength > MAX_UPLOAD_BYTES) throw tooLarge(bytes.byteLength, MAX_UPLOAD_BYTES, 'an upload');

  const sniffed = sniff(bytes);
  const ext = extensionOf(props.file.name);
  const claimsPicture =
    PICTURE_EXTENSIONS.has(ext) || (!ATTACHMENT_FAMILY[ext] && (props.file.type ?? '').toLowerCase().startsWith('image/'));

  const staging = await open();
  try {
    const id = app.newId();
    let row: typeof media.$inferInsert;
    if (sniffed.kind === 'image') {
      if (bytes.byteLength > MAX_IMAGE_BYTES) throw tooLarge(bytes.byteLength, MAX_IMAGE_BYTES, 'a picture');
      const image = await processImage(bytes, sniffed.mime);
      await staging.write(originalFileName(image.mime), image.original);
      for (const v of image.variants) await staging.write(v.file, v.data);
      row = {
        id,
        ownerId: props.ownerId,
        kind: 'image',
        filename: sanitizeFilename(props.file.name, imageExtension(image.mime)),
        mime: image.mime,
        bytes: image.original.byteLength,
        sha256: createHash('sha256').update(image.original).digest('hex'),
        // What was uploaded, before stripping: how an import recognises the same picture arriving again.
        sourceSha256: createHash('sha256').update(bytes).digest('hex'),
        width: image.width,
        height: image.height,
        alt,
        variants: image.variants.map((v) => ({ width: v.width, height: v.height, bytes: v.data.byteLength, file: v.file })),
        createdAt: app.now(),
      };
    } else {
      if (claimsPicture) throw refusePicture(sniffed);
      const { ext: attachmentExt, mime } = classifyAttachment(props.file, sniffed);
      if (bytes.byteLength > MAX_ATTACHMENT_BYTES) throw tooLarge(bytes.byteLength, MAX_ATTACHMENT_BYTES, 'an attachment');
      await staging.write(originalFileName(mime), bytes);
      row = {
        id,
        ownerId: props.ownerId,
        kind: 'attachment',
        filename: sanitizeFilename(props.file.name, attachmentExt),
        mime,
        bytes: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        sourceSha256: createHash('sha256').update(bytes).digest('hex'),
        width: null,
        height: null,
        alt,
        variants: [],
        createdAt: app.now(),
      };
    }
    await staging.commit(id);
    return row;
  } catch (error) {
    await staging.discard();
    throw error;
  }
}

/** One of the owner's media rows, or the same 404 as for a missing one. */
function ownMedia(app: AppContext, ownerId: string, mediaId: string): Media {
  const row = app.db
    .select()
    .from(media)
    .where(and(eq(media.id, mediaId), eq(media.ownerId, ownerId)))
    .get();
  if (!row) throw notFound('That file');
  return row;
}

/**
 * Changes the description (alt text) of one of the owner's uploads; 404 for anyone else's. Every piece that shows
 * the picture without alt text of its own is rendered again in the same transaction, so its page says the new words.
 */
export function updateMediaAlt(app: AppContext, props: { ownerId: string; mediaId: string; alt: string }): Media {
  const parsed = altSchema.safeParse(props.alt);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error).map((i) => ({ ...i, field: 'alt' })));
  return inTransaction(app, () => {
    const before = ownMedia(app, props.ownerId, props.mediaId);
    const row = app.db.update(media).set({ alt: parsed.data }).where(eq(media.id, props.mediaId)).returning().get();
    const rerendered =
      before.kind === 'image' && before.alt !== row.alt ? rerenderArtifactsUsingMedia(app, { ownerId: props.ownerId, mediaId: props.mediaId }) : 0;
    // Covers and the profile photo show this description on public pages (a re-render has bumped the version already).
    if (!rerendered) bumpContentVersion(app, props.ownerId, visibilitiesShowing(app, props.ownerId, props.mediaId));
    return row;
  });
}

/** The visibilities of the pages that show an upload: the pieces that use it, and "public" for the profile photo. */
function visibilitiesShowing(app: AppContext, ownerId: string, mediaId: string): Visibility[] {
  const pieces = app.db
    .select({ visibility: artifacts.visibility })
    .from(artifactMedia)
    .innerJoin(artifacts, eq(artifacts.id, artifactMedia.artifactId))
    .where(and(eq(artifactMedia.mediaId, mediaId), eq(artifacts.ownerId, ownerId)))
    .all();
  const avatar = app.db.select({ id: users.id }).from(users).where(and(eq(users.id, ownerId), eq(users.avatarMediaId, mediaId))).get();
  return [...pieces.map((p) => p.visibility), ...(avatar ? (['public'] as const) : [])];
}

/** The owner's artifacts that use each of these media items (body or cover), for "used in" and delete checks. */
export function mediaUsage(app: AppContext, ownerId: string, mediaIds?: string[]): Map<string, { id: string; title: string }[]> {
  const where = mediaIds
    ? and(eq(artifacts.ownerId, ownerId), inArray(artifactMedia.mediaId, mediaIds))
    : eq(artifacts.ownerId, ownerId);
  const rows = app.db
    .select({ mediaId: artifactMedia.mediaId, id: artifacts.id, title: artifacts.title })
    .from(artifactMedia)
    .innerJoin(artifacts, eq(artifacts.id, artifactMedia.artifactId))
    .where(where)
    .all();
  const usage = new Map<string, { id: string; title: string }[]>();
  for (const r of rows) usage.set(r.mediaId, [...(usage.get(r.mediaId) ?? []), { id: r.id, title: r.title }]);
  return usage;
}

/**
 * Deletes one of the owner's uploads and its files; 404 for anyone else's. An upload still used by a piece of work
 * is refused (CONFLICT, naming the work), because deleting it would leave a broken picture or link there.
 */
export async function deleteMedia(app: AppContext, props: { ownerId: string; mediaId: string }): Promise<void> {
  inTransaction(app, () => {
    ownMedia(app, props.ownerId, props.mediaId);
    const usedBy = mediaUsage(app, props.ownerId, [props.mediaId]).get(props.mediaId) ?? [];
    if (usedBy.length) {
      const titles = usedBy.map((a) => `“${a.title}”`).join(', ');
      throw new PotluckError(
        'CONFLICT',
        `This file is used in ${titles}. Remove it from ${usedBy.length === 1 ? 'that piece' : 'those pieces'} of work first, then delete it.`,
      );
    }
    app.db.update(users).set({ avatarMediaId: null }).where(and(eq(users.id, props.ownerId), eq(users.avatarMediaId, props.mediaId))).run();
    app.db.delete(media).where(eq(media.id, props.mediaId)).run();
    bumpContentVersion(app, props.ownerId);
  });
  // The row is gone first: a crash here leaves unreachable files, never a row pointing at missing ones.
  await deleteMediaFiles(app.config, props.ownerId, props.mediaId);
}

/** The owner's uploads, newest first. */
export function listOwnMedia(app: AppContext, ownerId: string): Media[] {
  return app.db.select().from(media).where(eq(media.ownerId, ownerId)).orderBy(desc(media.createdAt), desc(media.id)).all();
}
