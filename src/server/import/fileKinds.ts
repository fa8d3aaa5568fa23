/**
 * What an import tells from a file's name or address alone: its extension, whether it is a picture, whether Potluck
 * keeps such a file at all, and how large it may be. Every importer decides these the same way, here.
 */
import { ATTACHMENT_TYPES, IMAGE_TYPES, MAX_ATTACHMENT_BYTES, MAX_IMAGE_BYTES } from '../media/limits.ts';

const PICTURE_EXTENSIONS = new Set<string>(['jpg', 'jpeg', ...Object.values(IMAGE_TYPES)]);

/** The lower-case extension of a file name's or URL's last path part, without the dot ('' when it has none). */
export function urlExtension(url: string): string {
  const last = url.split(/[?#]/, 1)[0].split(/[\\/]/).pop() ?? '';
  const dot = last.lastIndexOf('.');
  return dot > 0 ? last.slice(dot + 1).toLowerCase() : '';
}

/** Whether a file name or address names a picture Potluck shows (JPEG, PNG, WebP, GIF, AVIF). */
export function isPictureName(name: string): boolean {
  return PICTURE_EXTENSIONS.has(urlExtension(name));
}

/** Whether Potluck would keep a file with this address's extension (pictures and the accepted attachment types). */
export function isKeepableFile(url: string): boolean {
  const ext = urlExtension(url);
  return PICTURE_EXTENSIONS.has(ext) || ext in ATTACHMENT_TYPES;
}

/** The most bytes a file of this name may have: a picture's limit or an attachment's. */
export function maxFileBytes(name: string): number {
  return isPictureName(name) ? MAX_IMAGE_BYTES : MAX_ATTACHMENT_BYTES;
}

/** Percent-decoded text, or the text as written when it is not valid percent-encoding. */
export function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The file name at the end of an address, decoded (for a link's text). */
export function fileNameOf(url: string): string {
  return decodeOrKeep(url.split(/[?#]/, 1)[0].split('/').pop() || url);
}
