/**
 * Pictures of a Micropub post, all through the media pipeline (sniffed, re-encoded without EXIF/GPS, in the
 * student's Media library): uploaded files, pictures already in their library (by their URL on this site, as the
 * media endpoint returned), and pictures on other sites, fetched once through safeFetch with the upload limit, so
 * that no page ever loads a picture from elsewhere.
 */
import { and, eq } from 'drizzle-orm';
import { PotluckError } from '../../core/errors.ts';
import { uploadMedia } from '../../commands/mediaUploader.ts';
import type { AppContext } from '../context.ts';
import { media, type Media } from '../db/schema.ts';
import { MAX_IMAGE_BYTES } from '../media/limits.ts';
import type { UploadFile } from '../media/uploadForm.ts';
import { markdownFor } from '../media/urls.ts';
import { safeFetch } from '../net/safeFetch.ts';

/** The owner's media item a URL on this site names (`/media/<id>/…`), or null. */
export function ownMediaAt(app: AppContext, ownerId: string, url: string): Media | null {
  let parsed: URL;
  try {
    parsed = new URL(url, app.config.siteUrl);
  } catch {
    return null;
  }
  if (parsed.origin !== new URL(app.config.siteUrl).origin) return null;
  const match = /^\/media\/([^/]+)\//.exec(parsed.pathname);
  if (!match) return null;
  return app.db.select().from(media).where(and(eq(media.id, safeDecode(match[1]!)), eq(media.ownerId, ownerId))).get() ?? null;
}

async function fetchPicture(app: AppContext, ownerId: string, url: string, alt: string): Promise<Media> {
  const own = ownMediaAt(app, ownerId, url);
  if (own) return own;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PotluckError('VALIDATION', `The photo “${url.slice(0, 80)}” is not a web address.`);
  }
  const response = await safeFetch(parsed, {
    allowPrivateNetworks: app.config.allowPrivateNetworks,
    accept: 'image/*',
    maxBytes: MAX_IMAGE_BYTES,
    maxDecompressedBytes: MAX_IMAGE_BYTES,
    maxRedirects: 3,
    timeoutMs: 20_000,
  });
  if (!response.ok || response.status !== 200) {
    throw new PotluckError('VALIDATION', `The photo at ${parsed.host} could not be fetched${response.ok ? '' : `: ${response.message}`}`);
  }
  const name = safeDecode(parsed.pathname.split('/').pop() || 'photo') || 'photo';
  return uploadMedia(app, { ownerId, file: { name, type: response.headers['content-type'], bytes: response.body }, alt });
}

/** A path segment as text; a malformed `%` sequence stays as it was written. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Most pictures one post may bring (files and addresses together): each address is a fetch of up to 20 s. */
export const MAX_PHOTOS_PER_POST = 10;

/** Stores every picture of a post; returns the Markdown snippets, in order. */
export async function storePhotos(app: AppContext, ownerId: string, values: unknown[], files: UploadFile[]): Promise<string[]> {
  if (values.length + files.length > MAX_PHOTOS_PER_POST) {
    throw new PotluckError('VALIDATION', `A post can bring at most ${MAX_PHOTOS_PER_POST} pictures; this one lists ${values.length + files.length}.`);
  }
  const out: string[] = [];
  for (const file of files) out.push(markdownFor(await uploadMedia(app, { ownerId, file })));
  for (const value of values) {
    const url = typeof value === 'string' ? value : value && typeof value === 'object' ? (value as { value?: unknown }).value : undefined;
    const alt = value && typeof value === 'object' && typeof (value as { alt?: unknown }).alt === 'string' ? (value as { alt: string }).alt : '';
    if (typeof url !== 'string' || !url) continue;
    const item = await fetchPicture(app, ownerId, url, alt);
    out.push(markdownFor(alt && !item.alt ? { ...item, alt } : item));
  }
  return out;
}
