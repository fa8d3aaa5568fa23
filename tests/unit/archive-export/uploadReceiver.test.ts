/** Large uploads stream to disk: parsed as they arrive, capped while they stream, nothing left behind on failure. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { receiveUpload } from '../../../src/server/archive/uploadReceiver.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-upload-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A multipart request whose body arrives in chunks of random sizes (boundaries split across chunks). */
async function request(form: FormData, declaredLength = true): Promise<Request> {
  const encoded = new Request('http://x/', { method: 'POST', body: form });
  const body = new Uint8Array(await encoded.arrayBuffer());
  let seed = 7;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < body.length; ) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (seed % 3000);
    chunks.push(body.subarray(i, i + size));
    i += size;
  }
  const stream = new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
  const headers: Record<string, string> = { 'content-type': encoded.headers.get('content-type')! };
  if (declaredLength) headers['content-length'] = String(body.length);
  return new Request('http://x/', { method: 'POST', body: stream, headers, duplex: 'half' } as RequestInit);
}

describe('receiveUpload', () => {
  const data = Buffer.from(Array.from({ length: 700_000 }, (_, i) => (i * 31 + (i >> 7)) & 0xff));

  it('writes the file exactly and keeps the other fields', async () => {
    const form = new FormData();
    form.set('dryRun', 'on');
    form.set('archive', new Blob([data]), 'maya archive.zip');
    form.set('after', 'yes');
    const dest = path.join(dir, `f${++n}`);
    const result = await receiveUpload(await request(form), { field: 'archive', dest, maxBytes: 1_000_000 });
    expect(result).toEqual({ file: { name: 'maya archive.zip', bytes: data.length }, fields: { dryRun: 'on', after: 'yes' } });
    expect(fs.readFileSync(dest).equals(data)).toBe(true);
  });

  it('says when no file was chosen', async () => {
    const form = new FormData();
    form.set('archive', new Blob([]), '');
    const result = await receiveUpload(await request(form), { field: 'archive', dest: path.join(dir, `f${++n}`), maxBytes: 1000 });
    expect(result.file).toBeNull();
  });

  it('stops at the limit while streaming, even without a Content-Length, and removes the partial file', async () => {
    const form = new FormData();
    form.set('archive', new Blob([data]), 'big.zip');
    const dest = path.join(dir, `f${++n}`);
    await expect(receiveUpload(await request(form, false), { field: 'archive', dest, maxBytes: 100_000 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(fs.existsSync(dest)).toBe(false);
  });

  it('refuses what is not multipart, and a body cut off before its end', async () => {
    const plain = new Request('http://x/', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
    await expect(receiveUpload(plain, { field: 'archive', dest: path.join(dir, `f${++n}`), maxBytes: 1000 })).rejects.toMatchObject({ code: 'VALIDATION' });
    const cut = new Request('http://x/', {
      method: 'POST',
      body: '--b\r\nContent-Disposition: form-data; name="archive"; filename="a.zip"\r\n\r\nPK...',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    const dest = path.join(dir, `f${++n}`);
    await expect(receiveUpload(cut, { field: 'archive', dest, maxBytes: 1000 })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(fs.existsSync(dest)).toBe(false);
  });
});
