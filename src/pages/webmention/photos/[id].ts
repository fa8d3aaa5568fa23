/**
 * The picture of a received Webmention's author: the local, shrunk copy made when it was verified (never the other
 * site's address), served only while the mention shows under a public piece; otherwise the same 404 as no picture.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { APIRoute } from 'astro';
import { notFound } from '../../../core/errors.ts';
import { mentionPhotosDir, thumbnailPath } from '../../../server/hubs/thumbnails.ts';
import { shownMentionPhoto } from '../../../server/webmention/receive/mentions.ts';

export const GET: APIRoute = ({ params, locals }) => {
  const file = shownMentionPhoto(locals.app, params.id ?? '');
  const stored = file ? thumbnailPath(mentionPhotosDir(locals.app.config), file) : null;
  if (!stored || !path.isAbsolute(stored)) throw notFound('That picture');
  let body: Buffer;
  try {
    body = fs.readFileSync(stored);
  } catch {
    throw notFound('That picture');
  }
  // Short-lived: a mention the student removes should stop showing its picture soon, even from a cache.
  return new Response(new Uint8Array(body), { headers: { 'content-type': 'image/webp', 'cache-control': 'public, max-age=300', etag: `"${file!.slice(0, 27)}"` } });
};
