/**
 * The picture pipeline (sharp): check that a picture decodes and is not a decompression bomb, store a re-encoded
 * original with no EXIF/GPS/XMP/IPTC (orientation applied to the pixels), and make responsive WebP variants.
 *
 * Decisions:
 * - Metadata: re-encoding with sharp drops every metadata block unless asked to keep one. Only the ICC colour
 *   profile of the original is kept (when the picture is RGB), so photos in Display P3 keep their colours; it says
 *   nothing about the student. Variants are converted to sRGB and carry no profile at all.
 * - Animation: animated GIF and WebP stay animated, in the original and in the variants (animated WebP), up to
 *   MAX_ANIMATION_FRAMES frames; the pixel limit counts every frame kept.
 * - Threads: the server has 2 cores. libvips gets one thread per core, sharp's cache is off (every upload is new,
 *   a cache would only hold memory), and one upload is processed at a time; others wait their turn.
 */
import os from 'node:os';
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { PotluckError } from '../../core/errors.ts';
import { IMAGE_TYPES, MAX_ANIMATION_FRAMES, MAX_IMAGE_PIXELS, VARIANT_WIDTHS, type ImageMime } from './limits.ts';
import { variantFileName } from './names.ts';

const CORES = Math.max(1, Math.min(os.availableParallelism(), 4));
sharp.concurrency(CORES);
sharp.cache(false);

/** One responsive variant, encoded and ready to write. */
export interface EncodedVariant {
  width: number;
  height: number;
  file: string;
  data: Buffer;
}

/** A checked picture: the stripped original and its variants, all in memory until storage writes them. */
export interface ProcessedImage {
  mime: ImageMime;
  /** Size of the stored original, orientation applied (for an animation: of one frame). */
  width: number;
  height: number;
  frames: number;
  original: Buffer;
  variants: EncodedVariant[];
}

const FORMAT_OF: Record<ImageMime, string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'heif',
};

/**
 * Widths of the variants for a picture of this width: each standard width narrower than the picture, and the
 * picture's own width when it is narrower than the largest — so the widest variant is always min(width, 1600) and
 * nothing is ever upscaled.
 */
export function variantWidths(width: number): number[] {
  const widths: number[] = VARIANT_WIDTHS.filter((w) => w <= width);
  const largest = VARIANT_WIDTHS[VARIANT_WIDTHS.length - 1];
  if (width < largest && !widths.includes(width)) widths.push(width);
  return widths;
}

/** A refusal for a picture that cannot be read; says how to fix it. */
export function unreadablePicture(cause?: unknown): PotluckError {
  const message =
    'Potluck could not read this picture: it seems damaged or only partly saved (for example a download that did not finish). Open it on your device, save or export it again as JPEG or PNG, and try again.';
  return new PotluckError('VALIDATION', message, { issues: [{ field: 'file', message }], cause });
}

function tooManyPixels(width: number, height: number, frames: number): PotluckError {
  const megapixels = Math.round((width * height * frames) / 1e6);
  const size = `${width.toLocaleString('en')} × ${height.toLocaleString('en')} pixels${frames > 1 ? ` × ${frames} frames` : ''}`;
  const message = `This picture is too big to process: ${size} (${megapixels} megapixels). Potluck accepts pictures up to ${MAX_IMAGE_PIXELS / 1e6} megapixels. Resize it (for example to 4000 × 3000 pixels) and try again.`;
  return new PotluckError('TOO_LARGE', message, { issues: [{ field: 'file', message }] });
}

let running: Promise<unknown> = Promise.resolve();

// One upload at a time: two cores are already busy with one picture's decode and encodes.
function serialised<T>(job: () => Promise<T>): Promise<T> {
  const result = running.then(job, job);
  running = result.catch(() => {});
  return result;
}

/**
 * Validates and processes a picture whose content was sniffed as `mime`. Throws TOO_LARGE for decompression
 * bombs (before decoding a single pixel) and VALIDATION for damaged or truncated files.
 */
export function processImage(input: Uint8Array, mime: ImageMime): Promise<ProcessedImage> {
  return serialised(() => runPipeline(input, mime));
}

async function runPipeline(input: Uint8Array, mime: ImageMime): Promise<ProcessedImage> {
  // Header only: dimensions and frame count, without decoding pixels.
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw unreadablePicture(error);
  }
  if (meta.format !== FORMAT_OF[mime] || !meta.width || !meta.height) throw unreadablePicture();
  if (mime === 'image/avif' && meta.compression !== 'av1') throw unreadablePicture();

  const animatable = mime === 'image/gif' || mime === 'image/webp';
  const frames = animatable ? Math.min(meta.pages ?? 1, MAX_ANIMATION_FRAMES) : 1;
  const frameHeight = frames > 1 ? (meta.pageHeight ?? meta.height) : meta.height;
  if (meta.width * frameHeight * frames > MAX_IMAGE_PIXELS) throw tooManyPixels(meta.width, frameHeight, frames);

  const inputOptions: SharpOptions = {
    limitInputPixels: MAX_IMAGE_PIXELS,
    // A truncated file is refused instead of being stored with a grey lower half; harmless warnings pass.
    failOn: 'truncated',
    pages: frames,
    // Decoding EXIF orientation into the pixels keeps the picture the right way up once the EXIF is gone.
    autoOrient: true,
  };
  const oriented = frames > 1 ? { width: meta.width, height: frameHeight } : meta.autoOrient;
  const width = oriented?.width ?? meta.width;
  const height = oriented?.height ?? meta.height;

  try {
    const keepProfile = meta.hasProfile && meta.space !== 'cmyk' && meta.channels !== undefined && meta.channels >= 3;
    let original = sharp(input, inputOptions);
    if (keepProfile) original = original.keepIccProfile();
    const originalJob = encodeOriginal(original, mime, meta).toBuffer();

    const variantJobs = variantWidths(width).map(async (w) => {
      const { data, info } = await sharp(input, inputOptions)
        .resize({ width: w, withoutEnlargement: true })
        .webp({ quality: 78, effort: 4 })
        .toBuffer({ resolveWithObject: true });
      const variantHeight = frames > 1 ? (info.pageHeight ?? info.height) : info.height;
      return { width: info.width, height: variantHeight, file: variantFileName(info.width), data };
    });
    const [originalData, ...variants] = await Promise.all([originalJob, ...variantJobs]);
    return { mime, width, height, frames, original: originalData, variants };
  } catch (error) {
    if (error instanceof PotluckError) throw error;
    if (error instanceof Error && /pixel limit/i.test(error.message)) throw tooManyPixels(width, height, frames);
    throw unreadablePicture(error);
  }
}

function encodeOriginal(pipeline: Sharp, mime: ImageMime, meta: Metadata): Sharp {
  switch (mime) {
    case 'image/jpeg':
      return pipeline.jpeg({ quality: 90, chromaSubsampling: '4:2:0' });
    case 'image/png':
      return pipeline.png({ compressionLevel: 6, palette: meta.isPalette });
    case 'image/webp':
      return pipeline.webp({ quality: 90, effort: 4 });
    case 'image/gif':
      return pipeline.gif();
    case 'image/avif':
      // AVIF encodes slowly; effort 2 keeps a 12-megapixel photo within a few seconds on two cores.
      return pipeline.avif({ quality: 70, effort: 2 });
  }
}

/** The extension Potluck gives a picture of this type ('jpg', 'png'...). */
export function imageExtension(mime: ImageMime): string {
  return IMAGE_TYPES[mime];
}
