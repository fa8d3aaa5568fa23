/**
 * Serving a stored media file over HTTP: access through the one visibility rule (canReadMedia), the same 404 for
 * "missing" and "not yours", file names checked against what was stored, strong ETags from the content hash,
 * caching that matches who may see the file, Range requests for audio and video seeking.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { notFound } from '../../core/errors.ts';
import type { Viewer } from '../../core/visibility.ts';
import { canReadMedia } from '../access.ts';
import type { AppContext } from '../context.ts';
import { media, type Media } from '../db/schema.ts';
import { originalFileName } from './names.ts';
import { mediaFilePath } from './storage.ts';
import { largestVariant } from './urls.ts';

/**
 * Pictures of public work may be kept 5 minutes by browsers and school proxies, then must be checked again (a 304
 * with the ETag costs nothing): a piece made private stops being served from caches within 5 minutes. Never a year:
 * the address stays the same when the piece behind it stops being public.
 */
export const PUBLIC_MEDIA_CACHE_CONTROL = 'public, max-age=300, must-revalidate';
/** Media only some people may see: kept by the reader's own browser alone, and checked on every use. */
export const PRIVATE_MEDIA_CACHE_CONTROL = 'private, no-cache';

export interface MediaRequest {
  id: string;
  /** A stored file name, or null for the item's default file (a picture's widest variant; an attachment itself). */
  file: string | null;
  method: 'GET' | 'HEAD';
  headers: Headers;
}

export interface ServedMedia {
  response: Response;
  /** Whether anyone (signed in or not) may load this file; pages that are not public are not indexed. */
  publiclyReadable: boolean;
}

/** Which stored file a request names, or null when that name was not stored for the item. */
function resolveFile(row: Media, file: string | null): { name: string; type: string } | null {
  const original = originalFileName(row.mime);
  if (file === null) {
    const widest = row.kind === 'image' ? largestVariant(row.variants) : undefined;
    return widest ? { name: widest.file, type: 'image/webp' } : { name: original, type: row.mime };
  }
  if (file === original) return { name: original, type: row.mime };
  const variant = row.variants.find((v) => v.file === file);
  return variant ? { name: variant.file, type: 'image/webp' } : null;
}

/** Pictures, PDFs, sound and video open in the browser; office and text files download. */
function dispositionType(type: string): 'inline' | 'attachment' {
  return /^(image|audio|video)\//.test(type) || type.startsWith('application/pdf') ? 'inline' : 'attachment';
}

/** A Content-Disposition value with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 8187). */
export function contentDisposition(type: 'inline' | 'attachment', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function downloadName(row: Media, served: { name: string; type: string }): string {
  if (served.type === row.mime) return row.filename;
  const base = row.filename.replace(/\.[^.]*$/, '') || 'picture';
  return `${base}-${served.name}`;
}

function etagMatches(header: string | null, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Parses a single `bytes=` range against a size: the inclusive range, 'unsatisfiable', or null to send it all. */
export function parseRange(header: string | null, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (Number(match[2] || start) < start) return null;
  }
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

// Files served from Potluck's own origin must never act as pages: no scripts, no plugins. Downloads also get a
// sandbox. Files shown inline do not: a sandboxed document has an opaque origin, so the browser's own player could
// no longer fetch a sound or video from this origin, and PDF viewers refuse to run in a sandbox.
function mediaPolicy(type: string): string {
  const base = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'";
  if (type.startsWith('application/pdf')) return `${base}; object-src 'self'`;
  return dispositionType(type) === 'inline' ? base : `${base}; sandbox`;
}

/** Answers a request for a media file; throws the catalog's 404 when it is missing or the viewer may not read it. */
export function serveMedia(app: AppContext, viewer: Viewer | null, request: MediaRequest): ServedMedia {
  const row = app.db.select().from(media).where(eq(media.id, request.id)).get();
  if (!row || !canReadMedia(app, viewer, row.id)) throw notFound('That file');
  const served = resolveFile(row, request.file);
  if (!served) throw notFound('That file');

  const path = mediaFilePath(app.config, row, served.name);
  let size: number;
  try {
    size = fs.statSync(path).size;
  } catch {
    throw notFound('That file');
  }

  const publiclyReadable = viewer === null ? true : canReadMedia(app, null, row.id);
  const etag = `"${row.sha256}-${served.name}"`;
  const headers = new Headers({
    etag,
    'cache-control': publiclyReadable ? PUBLIC_MEDIA_CACHE_CONTROL : PRIVATE_MEDIA_CACHE_CONTROL,
    'x-content-type-options': 'nosniff',
    'accept-ranges': 'bytes',
    'content-security-policy': mediaPolicy(served.type),
  });
  if (!publiclyReadable) headers.set('vary', 'cookie');

  if (etagMatches(request.headers.get('if-none-match'), etag)) {
    return { response: new Response(null, { status: 304, headers }), publiclyReadable };
  }

  headers.set('content-type', served.type);
  headers.set('content-disposition', contentDisposition(dispositionType(served.type), downloadName(row, served)));

  const ifRange = request.headers.get('if-range');
  const range = ifRange && ifRange !== etag ? null : parseRange(request.headers.get('range'), size);
  if (range === 'unsatisfiable') {
    headers.set('content-range', `bytes */${size}`);
    return { response: new Response(null, { status: 416, headers }), publiclyReadable };
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  headers.set('content-length', String(size === 0 ? 0 : end - start + 1));
  if (range) headers.set('content-range', `bytes ${start}-${end}/${size}`);
  const status = range ? 206 : 200;
  if (request.method === 'HEAD' || size === 0) return { response: new Response(null, { status, headers }), publiclyReadable };
  const stream = Readable.toWeb(fs.createReadStream(path, { start, end })) as ReadableStream<Uint8Array>;
  return { response: new Response(stream, { status, headers }), publiclyReadable };
}
