/**
 * Storing a picture from an archive as it is, when it already is what Potluck stores: a picture of a type Potluck
 * keeps, within the pixel limits (read from its header, so a decompression bomb is refused before any decoding),
 * carrying no metadata and nothing after its end (cleanPicture.ts walks every segment or chunk, so a truncated file
 * is refused too, as the upload pipeline refuses one). It is not decoded: decoding 300 photos would be most of the
 * time of an import, and what it would add to these checks is finding damage inside the compressed pixels, which
 * harms nobody (the picture shows with a smudge). Keeping the bytes makes export -> import -> export give
 * the same files, and skips re-encoding (slow, and a little loss of quality on every move). The responsive sizes come
 * from the archive's `variants/` when they are there and check out, else they are made here. Anything that does not
 * qualify returns undefined, and the caller uploads it through the normal pipeline (re-encoded, metadata removed).
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { AppContext } from '../context.ts';
import { media, type Media } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { imageExtension, processImage, variantWidths } from '../media/images.ts';
import { MAX_ANIMATION_FRAMES, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, type ImageMime } from '../media/limits.ts';
import { sniff } from '../media/sniff.ts';
import { createStaging, deleteMediaFiles, originalFileName, variantFileName, type Staging } from '../media/storage.ts';
import { isCleanPicture } from './cleanPicture.ts';

/** A ready-made responsive size offered by the archive. */
export interface OfferedVariant {
  file: string;
  width: number;
  height: number;
  data: Uint8Array;
  /** Where the file is, when it may be moved rather than copied (a temporary copy of the archive). */
  path?: string;
}

export interface KeepPictureProps {
  ownerId: string;
  /** The display name to store (already made safe by the caller). */
  filename: string;
  bytes: Uint8Array;
  /** SHA-256 of `bytes`, when the caller has it already. */
  sha256?: string;
  alt: string;
  createdAt?: Date;
  /** The file `bytes` were read from, to move into storage instead of writing them again (a temporary copy). */
  moveFrom?: string;
  /** Loads the archive's ready-made sizes for this picture, if it has them. */
  offeredVariants?: () => Promise<OfferedVariant[] | undefined>;
}

const KEPT_TYPES = new Set<ImageMime>(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

interface Checked {
  mime: ImageMime;
  width: number;
  height: number;
  frames: number;
}

/** The picture's type and size when it may be kept as it is, else undefined. */
async function checkKeepable(bytes: Uint8Array): Promise<Checked | undefined> {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_IMAGE_BYTES) return undefined;
  const sniffed = sniff(bytes);
  if (sniffed.kind !== 'image' || !KEPT_TYPES.has(sniffed.mime) || !isCleanPicture(bytes, sniffed.mime)) return undefined;
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    const format = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif' }[sniffed.mime as string];
    if (meta.format !== format || !meta.width || !meta.height) return undefined;
    const frames = meta.pages ?? 1;
    // The upload pipeline keeps at most MAX_ANIMATION_FRAMES frames; a longer animation was not made by Potluck.
    if (frames >= MAX_ANIMATION_FRAMES) return undefined;
    const height = frames > 1 ? (meta.pageHeight ?? meta.height) : meta.height;
    if (meta.width * height * frames > MAX_IMAGE_PIXELS) return undefined;
    if (meta.orientation !== undefined && meta.orientation !== 1) return undefined;
    return { mime: sniffed.mime, width: meta.width, height, frames };
  } catch {
    return undefined;
  }
}

/** The offered sizes, when they are exactly the sizes Potluck makes for this picture and each one checks out. */
async function acceptVariants(picture: Checked, offered: OfferedVariant[] | undefined): Promise<OfferedVariant[] | undefined> {
  if (!offered) return undefined;
  const widths = variantWidths(picture.width);
  const sorted = [...offered].sort((a, b) => a.width - b.width);
  if (sorted.length !== widths.length || sorted.some((v, i) => v.width !== [...widths].sort((a, b) => a - b)[i])) return undefined;
  for (const v of sorted) {
    if (v.file !== variantFileName(v.width)) return undefined;
    const sniffed = sniff(v.data);
    if (sniffed.kind !== 'image' || sniffed.mime !== 'image/webp' || !isCleanPicture(v.data, 'image/webp')) return undefined;
    try {
      const meta = await sharp(v.data, { limitInputPixels: false }).metadata();
      const height = (meta.pages ?? 1) > 1 ? (meta.pageHeight ?? meta.height) : meta.height;
      if (meta.format !== 'webp' || meta.width !== v.width || height !== v.height || (meta.pages ?? 1) !== picture.frames) return undefined;
      // A variant is never taller than the picture scaled to its width (give or take rounding).
      if (Math.abs(v.height - (picture.height * v.width) / picture.width) > 2) return undefined;
    } catch {
      return undefined;
    }
  }
  return sorted;
}

/**
 * Stores the picture byte for byte with its variants (offered or made) and returns the media row, or undefined when
 * it does not qualify (see the file comment); nothing is written then.
 */
export async function storeKeptPicture(app: AppContext, props: KeepPictureProps): Promise<Media | undefined> {
  const row = await stageKeptPicture(app, props, () => createStaging(app.config, props.ownerId));
  if (!row) return undefined;
  try {
    return inTransaction(app, () => app.db.insert(media).values(row).returning().get());
  } catch (error) {
    await deleteMediaFiles(app.config, props.ownerId, row.id!).catch(() => {});
    throw error;
  }
}

/**
 * Puts the picture's files in place through `staging` (its own staging folder, as uploads are stored, or an
 * import's, which keeps them out of place until the import commits) and returns the row to insert; undefined, with
 * nothing written, when the picture does not qualify. Files that may be given up are moved (a rename on the same
 * disk), the others written.
 */
export async function stageKeptPicture(
  app: AppContext,
  props: KeepPictureProps,
  open: () => Promise<Staging>,
): Promise<typeof media.$inferInsert | undefined> {
  const picture = await checkKeepable(props.bytes);
  if (!picture) return undefined;
  let variants = await acceptVariants(picture, await props.offeredVariants?.());
  if (!variants) {
    const made = await processImage(props.bytes, picture.mime).catch(() => undefined);
    if (!made) return undefined;
    variants = made.variants.map((v) => ({ file: v.file, width: v.width, height: v.height, data: v.data }));
  }
  const sha256 = props.sha256 ?? createHash('sha256').update(props.bytes).digest('hex');
  const id = app.newId();
  const files = [
    { name: originalFileName(picture.mime), data: props.bytes, from: props.moveFrom },
    ...variants.map((v) => ({ name: v.file, data: v.data, from: props.moveFrom ? v.path : undefined })),
  ];
  const staging = await open();
  try {
    for (const f of files) await staging.write(f.name, f.data, f.from);
    await staging.commit(id);
  } catch (error) {
    await staging.discard();
    throw error;
  }
  const ext = imageExtension(picture.mime);
  const filename = props.filename.replace(/\.[A-Za-z0-9]{1,8}$/, '') + `.${ext}`;
  return {
    id,
    ownerId: props.ownerId,
    kind: 'image',
    filename,
    mime: picture.mime,
    bytes: props.bytes.byteLength,
    sha256,
    sourceSha256: sha256,
    width: picture.width,
    height: picture.height,
    alt: props.alt,
    variants: variants.map((v) => ({ width: v.width, height: v.height, bytes: v.data.byteLength, file: v.file })),
    createdAt: props.createdAt ?? app.now(),
  };
}
