/**
 * The download of a finished archive: the zip file from the shared media volume, to its owner only, with ranges so
 * that a browser can resume a download that was cut off (If-Range keeps a resumed download to the same file).
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { APIRoute } from 'astro';
import { archiveAvailable, archiveJobFile, getArchiveJob, type ArchiveJobResult } from '../../../../commands/archiveExportJobs.ts';
import { notFound } from '../../../../core/errors.ts';
import { requireUser } from '../../../../server/auth/currentUser.ts';
import { parseRange } from '../../../../server/media/serve.ts';

export const GET: APIRoute = (context) => {
  const gate = requireUser(context);
  if (!gate.user) return gate.response;
  const app = context.locals.app;
  const job = getArchiveJob(app, gate.user.id, context.params.job ?? '');
  if (!job || !archiveAvailable(app, job)) throw notFound('That archive');
  const file = archiveJobFile(app, job);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw notFound('That archive');
  }
  const result = job.result as unknown as ArchiveJobResult;
  const etag = `"${job.id}-${size}"`;
  const headers = new Headers({
    'content-type': 'application/zip',
    'content-disposition': `attachment; filename="${result.fileName}"`,
    'cache-control': 'private, no-store',
    'x-content-type-options': 'nosniff',
    'accept-ranges': 'bytes',
    etag,
  });
  const ifRange = context.request.headers.get('if-range');
  const range = ifRange && ifRange !== etag ? null : parseRange(context.request.headers.get('range'), size);
  if (range === 'unsatisfiable') {
    headers.set('content-range', `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  headers.set('content-length', String(end - start + 1));
  if (range) headers.set('content-range', `bytes ${start}-${end}/${size}`);
  const body = Readable.toWeb(fs.createReadStream(file, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status: range ? 206 : 200, headers });
};
