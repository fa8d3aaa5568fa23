/**
 * Upload limits and the lists of what Potluck accepts, in one place. The upload pages quote these numbers to
 * students, so change them here and everywhere agrees.
 */

const MB = 1024 * 1024;

/** Largest image upload (a phone photo is 2–8 MB; a 20 MB image is already a poster). */
export const MAX_IMAGE_BYTES = 20 * MB;

/** Largest attachment (PDF, audio, video, office file). */
export const MAX_ATTACHMENT_BYTES = 50 * MB;

/** Largest upload of any kind. */
export const MAX_UPLOAD_BYTES = Math.max(MAX_IMAGE_BYTES, MAX_ATTACHMENT_BYTES);

/** Room for the multipart envelope and the other fields (alt text) around the file itself. */
export const MAX_UPLOAD_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1 * MB;

/**
 * Largest picture in pixels (width × height, all frames of an animation together). 50 megapixels is more than any
 * phone camera; a larger image would need hundreds of megabytes of memory to decode (a "decompression bomb").
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** Most frames kept from an animated GIF or WebP. */
export const MAX_ANIMATION_FRAMES = 300;

/** Widths of the responsive WebP variants made at upload; none is wider than the picture itself. */
export const VARIANT_WIDTHS = [480, 960, 1600] as const;

/** Longest alt text; a description, not an essay (the artifact's text is for that). */
export const MAX_ALT_CHARS = 1000;

/** Longest display file name kept (the name on disk is always generated). */
export const MAX_FILENAME_CHARS = 120;

/** The picture formats Potluck reads, by MIME type, with the extension used on disk. */
export const IMAGE_TYPES = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
} as const;
export type ImageMime = keyof typeof IMAGE_TYPES;

/**
 * The attachment types Potluck accepts: extension -> MIME type served. A file must have one of these extensions
 * AND content that looks like that type (see sniff.ts); web pages, SVG, scripts and programs are never accepted.
 */
export const ATTACHMENT_TYPES = {
  pdf: 'application/pdf',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  txt: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
} as const;
export type AttachmentExtension = keyof typeof ATTACHMENT_TYPES;

/** The `accept` attribute for a file input that takes everything Potluck accepts. */
export const ACCEPT_ALL = [...Object.keys(IMAGE_TYPES), ...Object.keys(ATTACHMENT_TYPES).map((e) => `.${e}`)].join(',');

/** The `accept` attribute for a file input that takes pictures only. */
export const ACCEPT_IMAGES = Object.keys(IMAGE_TYPES).join(',');

/** "20 MB" — a size as students read it. */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${Math.round((bytes / MB) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
