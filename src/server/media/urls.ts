/**
 * Addresses and snippets for media items. Pure (no file system), so pages, renderers and the static export can all
 * use it. A media item is served at `/media/<id>/` (the default: the widest WebP variant of a picture, the file
 * itself for an attachment) and `/media/<id>/<file>` (the original or one variant).
 */
import { originalFileName } from './names.ts';

interface MediaLike {
  id: string;
  kind: 'image' | 'attachment';
  mime: string;
  filename: string;
  alt: string;
  variants: { width: number; height: number; file: string }[];
}

/** The URL of an item (its default file) or of one of its files. */
export function mediaUrl(id: string, file?: string): string {
  return `/media/${encodeURIComponent(id)}/${file ? encodeURIComponent(file) : ''}`;
}

/** The URL of the stored original (full size, metadata removed). */
export function originalUrl(item: Pick<MediaLike, 'id' | 'mime'>): string {
  return mediaUrl(item.id, originalFileName(item.mime));
}

/** A `srcset` listing the WebP variants ("/media/ID/w480.webp 480w, ..."), empty for attachments. */
export function mediaSrcset(item: Pick<MediaLike, 'id' | 'variants'>): string {
  return item.variants.map((v) => `${mediaUrl(item.id, v.file)} ${v.width}w`).join(', ');
}

/** The widest variant (what `/media/<id>/` serves for a picture), if any. */
export function largestVariant<V extends { width: number }>(variants: V[]): V | undefined {
  return variants.reduce<V | undefined>((best, v) => (best && best.width >= v.width ? best : v), undefined);
}

// Markdown text inside [...] must not close the brackets or start an escape; line breaks would end the paragraph.
function markdownLabel(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/([\\[\]])/g, '\\$1');
}

/** The Markdown a student pastes to use an item: `![alt](media:ID)` for a picture, `[name](media:ID)` otherwise. */
export function markdownFor(item: Pick<MediaLike, 'id' | 'kind' | 'alt' | 'filename'>): string {
  return item.kind === 'image'
    ? `![${markdownLabel(item.alt)}](media:${item.id})`
    : `[${markdownLabel(item.filename) || 'Download'}](media:${item.id})`;
}

/** What the upload endpoint answers about an item (and what the picker shows after an upload). */
export function mediaJson(
  item: Omit<MediaLike, 'variants'> & {
    bytes: number;
    width: number | null;
    height: number | null;
    variants: { width: number; height: number; bytes: number; file: string }[];
  },
) {
  return {
    id: item.id,
    kind: item.kind,
    filename: item.filename,
    mime: item.mime,
    bytes: item.bytes,
    width: item.width,
    height: item.height,
    alt: item.alt,
    url: mediaUrl(item.id),
    originalUrl: originalUrl(item),
    markdown: markdownFor(item),
    srcset: mediaSrcset(item),
    variants: item.variants.map((v) => ({ width: v.width, height: v.height, bytes: v.bytes, url: mediaUrl(item.id, v.file) })),
  };
}
