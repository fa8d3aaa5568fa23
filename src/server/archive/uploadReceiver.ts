/**
 * Receiving a large upload (an archive zip) straight to a file: the multipart body is parsed as it streams in and
 * the file part is written to disk chunk by chunk, so a 1 GB archive never sits in memory (media/uploadForm.ts
 * buffers whole requests, which suits pictures, not archives). The size is capped while it streams, whatever the
 * Content-Length header says. Only one file field is kept; other text fields are small and kept as strings.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { once } from 'node:events';
import { PotluckError } from '../../core/errors.ts';
import { formatSize } from '../../core/archive/zipRules.ts';
import { PRIVATE_FILE_MODE } from '../dataFolder.ts';

export interface ReceivedUpload {
  /** The file, when one was chosen: the name the browser sent and its size on disk at `dest`. */
  file: { name: string; bytes: number } | null;
  fields: Record<string, string>;
}

export interface ReceiveOptions {
  /** The form field of the file. */
  field: string;
  /** Where to write it (must not exist). Removed again if anything fails. */
  dest: string;
  /** Largest file accepted. */
  maxBytes: number;
}

const MAX_FIELD_BYTES = 16 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;

function tooLarge(limit: number): PotluckError {
  const message = `This archive is larger than ${formatSize(limit)}, the most this page accepts. Ask the admin to import it with "potluck import", which has no such limit.`;
  return new PotluckError('TOO_LARGE', message, { issues: [{ field: 'archive', message }] });
}

function malformed(): PotluckError {
  return new PotluckError('VALIDATION', 'The upload was cut off or malformed. Choose the file again and retry.');
}

function parseHeaders(block: string): { name?: string; filename?: string } {
  const disposition = block.split('\r\n').find((line) => /^content-disposition:/i.test(line)) ?? '';
  const param = (key: string) => {
    const m = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ?? new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(disposition);
    return m ? m[1].replace(/\\(.)/g, '$1') : undefined;
  };
  return { name: param('name'), filename: param('filename') };
}

/** Streams a multipart/form-data request: the `field` file to `dest`, other fields into `fields`. */
export async function receiveUpload(request: Request, options: ReceiveOptions): Promise<ReceivedUpload> {
  const type = request.headers.get('content-type') ?? '';
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  if (!/^multipart\/form-data\s*;/i.test(type) || !boundary) {
    throw new PotluckError('VALIDATION', 'Send the archive in a form with enctype="multipart/form-data".');
  }
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes + MAX_HEADER_BYTES * 4) throw tooLarge(options.maxBytes);
  if (!request.body) throw malformed();

  const first = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const between = Buffer.concat([Buffer.from('\r\n'), first]);
  const fields: Record<string, string> = {};
  let file: ReceivedUpload['file'] = null;
  let out: fs.WriteStream | null = null;
  let text: Buffer[] | null = null;
  let textBytes = 0;
  let written = 0;
  let state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble';
  let current: { name?: string; filename?: string } = {};
  let buf = Buffer.alloc(0);

  let writeError: Error | undefined;
  const emit = async (chunk: Buffer) => {
    if (writeError) throw writeError;
    if (chunk.length === 0) return;
    if (out) {
      written += chunk.length;
      if (written > options.maxBytes) throw tooLarge(options.maxBytes);
      if (!out.write(chunk)) await once(out, 'drain');
    } else if (text) {
      textBytes += chunk.length;
      if (textBytes > MAX_FIELD_BYTES) throw malformed();
      text.push(chunk);
    }
  };
  const endPart = async () => {
    if (out) {
      const stream = out;
      out = null;
      stream.end();
      await once(stream, 'finish');
      file = { name: current.filename ?? '', bytes: written };
    } else if (text && current.name !== undefined) {
      fields[current.name] = Buffer.concat(text).toString('utf8');
    }
    text = null;
  };

  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
      for (;;) {
        if (state === 'preamble') {
          const at = buf.indexOf(first);
          if (at === -1) {
            if (buf.length > MAX_HEADER_BYTES) throw malformed();
            break;
          }
          buf = buf.subarray(at + first.length);
          state = 'headers';
        }
        if (state === 'headers') {
          if (buf.length < 2) break;
          if (buf.subarray(0, 2).toString() === '--') {
            state = 'done';
            break;
          }
          const end = buf.indexOf('\r\n\r\n');
          if (end === -1) {
            if (buf.length > MAX_HEADER_BYTES) throw malformed();
            break;
          }
          current = parseHeaders(buf.subarray(0, end).toString('utf8'));
          buf = buf.subarray(end + 4);
          if (current.filename !== undefined && current.name === options.field && file === null && current.filename !== '') {
            out = fs.createWriteStream(options.dest, { flags: 'wx', mode: PRIVATE_FILE_MODE });
            out.on('error', (error) => (writeError ??= error));
            written = 0;
          } else if (current.filename === undefined) {
            text = [];
            textBytes = 0;
          }
          state = 'body';
        }
        if (state === 'body') {
          const at = buf.indexOf(between);
          if (at === -1) {
            // Keep enough of the end to recognise a boundary split across chunks.
            const keep = between.length - 1;
            if (buf.length > keep) {
              await emit(buf.subarray(0, buf.length - keep));
              buf = buf.subarray(buf.length - keep);
            }
            break;
          }
          await emit(buf.subarray(0, at));
          await endPart();
          buf = buf.subarray(at + between.length);
          state = 'headers';
          continue;
        }
        break;
      }
      if (state === 'done') break;
    }
    if (state !== 'done') throw malformed();
    return { file, fields };
  } catch (error) {
    await reader.cancel().catch(() => {});
    const stream = out as fs.WriteStream | null;
    if (stream && !stream.closed) {
      // The file may still be opening: wait until the stream is closed, or the removal could come first.
      const closed = once(stream, 'close').catch(() => {});
      stream.destroy();
      await closed;
    }
    await fsp.rm(options.dest, { force: true });
    throw error;
  }
}
