/**
 * Importing a zip is refused with a clear message, and nothing is written (no row, no file in the data folder),
 * when the zip tries to write outside its folder, holds links, repeats a name, has too many entries, is a zip bomb
 * (by its declared sizes, or by inflating to more than its header says), or is not a version 1 archive.
 */
import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArchiveZip } from '../../../src/commands/archiveZipImporter.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';
import { buildZip, dataListing, deflatedZeros, minimalArchive, rowCounts, type RawEntry } from './helpers.ts';

let app: AppContext;
let work: string;
let counter = 0;

beforeAll(async () => {
  app = createTestApp();
  await makeUser(app, { handle: 'zed' });
  work = tempDataDir('potluck-zips-');
});

afterAll(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

function write(bytes: Buffer): string {
  const file = path.join(work, `archive-${++counter}.zip`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Imports `zip` expecting a refusal; checks that nothing was written and returns the error. */
async function refused(zip: string, limits?: Parameters<typeof importArchiveZip>[1]['limits']): Promise<PotluckError> {
  const rows = rowCounts(app);
  const files = dataListing(app);
  const error = await importArchiveZip(app, { zip, handle: 'zed', limits }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PotluckError);
  expect((error as PotluckError).code).toBe('BAD_ARCHIVE');
  expect(rowCounts(app)).toEqual(rows);
  expect(dataListing(app)).toEqual(files);
  return error as PotluckError;
}

const text = (s: string) => Buffer.from(s);

describe('a zip that would write outside its folder', () => {
  it.each([
    ['../evil', '../evil.txt', /"\.\.\/evil\.txt": has "\.\." in its path, which would unpack it outside the archive folder/],
    ['a nested ..', 'artifacts/hello/../../../evil.txt', /has "\.\." in its path/],
    ['an absolute path', '/abs/evil.txt', /"\/abs\/evil\.txt": is an absolute path/],
    ['a drive letter', 'C:/x/evil.txt', /starts with a drive letter/],
    ['a backslash drive path', 'C:\\x\\evil.txt', /uses "\\" in its name/],
    ['backslashes', 'artifacts\\hello\\index.md', /uses "\\" in its name/],
    ['a NUL', 'artifacts/hello/a\0b.txt', /has a NUL character in its name/],
  ])('refuses %s', async (_what, name, message) => {
    const error = await refused(write(buildZip([...minimalArchive(), { name, data: text('x') }])));
    expect(error.message).toMatch(message);
    expect(error.message).toContain('nothing was imported');
  });
});

describe('links and other things that are not files', () => {
  it('refuses a symbolic link (Unix mode 0o120777 in the external attributes)', async () => {
    const zip = buildZip([...minimalArchive(), { name: 'artifacts/hello/photo.jpg', data: text('/etc/passwd'), unixMode: 0o120777 }]);
    expect((await refused(write(zip))).message).toMatch(/"artifacts\/hello\/photo\.jpg": is a link \(symbolic or hard\)/);
  });

  it('refuses a Windows reparse point (a link or junction)', async () => {
    const zip = buildZip([...minimalArchive(), { name: 'media/x.jpg', data: text('C:\\Windows'), dosAttributes: 0x400 }]);
    expect((await refused(write(zip))).message).toMatch(/is a link/);
  });

  it('refuses a device or pipe', async () => {
    const zip = buildZip([...minimalArchive(), { name: 'artifacts/hello/fifo', data: text(''), unixMode: 0o010644 }]);
    expect((await refused(write(zip))).message).toMatch(/is not a file or a folder/);
  });
});

describe('names that repeat', () => {
  it('refuses the same name twice', async () => {
    const zip = buildZip([...minimalArchive(), { name: 'artifacts/hello/index.md', data: text('---\ntitle: Evil twin\ndate: 2025-01-01\n---\n') }]);
    expect((await refused(write(zip))).message).toMatch(/"artifacts\/hello\/index\.md": appears twice in the zip/);
  });

  it('refuses two names that differ only in case (one file on Windows and macOS)', async () => {
    const zip = buildZip([...minimalArchive(), { name: 'Potluck.json', data: text('{}') }]);
    expect((await refused(write(zip))).message).toMatch(/"Potluck\.json": has the same name as "potluck\.json" on Windows and macOS/);
  });

  it('refuses a name that is both a file and a folder', async () => {
    const zip = buildZip([...minimalArchive(), { name: 'artifacts/hello/index.md/x', data: text('x') }]);
    expect((await refused(write(zip))).message).toMatch(/"artifacts\/hello\/index\.md": is both a file and a folder/);
  });
});

describe('zip bombs and sizes', () => {
  let gigabyte: { compressed: Buffer; size: number; crc: number };
  beforeAll(async () => {
    gigabyte = await deflatedZeros(1024 ** 3);
  }, 60_000);

  it('refuses more than 20,000 entries without reading them all', async () => {
    const entries: RawEntry[] = [...minimalArchive()];
    for (let i = 0; i < 20_001; i++) entries.push({ name: `media/f${i}.txt`, data: text('') });
    expect((await refused(write(buildZip(entries)))).message).toMatch(/has more than 20,000 files and folders/);
  });

  it('refuses 1 GB of zeros that compresses to about 1 MB, by its ratio, before inflating a byte', async () => {
    expect(gigabyte.compressed.length).toBeLessThan(1.2 * 1024 * 1024);
    const zip = buildZip([...minimalArchive(), { name: 'artifacts/hello/zeros.txt', raw: gigabyte }]);
    expect((await refused(write(zip))).message).toMatch(/"artifacts\/hello\/zeros\.txt": is compressed \d+ times \([\d.]+ (KB|MB) unpacking to 1 GB\), which only a "zip bomb" does/);
  });

  it('refuses a total over 2 GB unpacked', async () => {
    const zip = buildZip([
      ...minimalArchive(),
      { name: 'site/a.bin', raw: gigabyte },
      { name: 'site/b.bin', raw: gigabyte },
      { name: 'site/c.bin', raw: gigabyte },
    ]);
    expect((await refused(write(zip))).message).toMatch(/the zip: says it unpacks to 3 GB, more than the 2 GB an archive may hold/);
  });

  it('refuses a total over the limit made of files that compress normally', async () => {
    const random = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24));
    const zip = buildZip([...minimalArchive(), ...[1, 2, 3, 4].map((i) => ({ name: `media/part-${i}.bin`, data: random(1024 * 1024), deflate: true }))]);
    expect((await refused(write(zip), { maxTotalBytes: 3 * 1024 * 1024 })).message).toMatch(/says it unpacks to 4 MB, more than the 3 MB/);
  });

  it('stops inflating an entry whose header lies about its size, and leaves nothing behind', async () => {
    const zeros = await deflatedZeros(20 * 1024 * 1024);
    const zip = buildZip([...minimalArchive(), { name: 'artifacts/hello/photo.jpg', raw: zeros, declaredSize: 1000 }]);
    expect((await refused(write(zip))).message).toMatch(/"artifacts\/hello\/photo\.jpg" (unpacks to more bytes than its header says|is damaged or its header does not match its data)/);
  });
});

describe('what is not a version 1 archive', () => {
  it('refuses an unknown format version, naming it', async () => {
    const manifest = { format: 'potluck-archive/2', exportedAt: '2031-01-01T00:00:00Z', profile: { handle: 'zed', name: 'Zed' }, site: { title: 'Zed' } };
    const zip = buildZip([{ name: 'potluck.json', data: text(JSON.stringify(manifest)) }]);
    const error = await refused(write(zip));
    expect(error.message).toContain('format must be "potluck-archive/1" (this archive says "potluck-archive/2"; this Potluck reads version 1 archives)');
  });

  it('refuses a file that is not a zip, and a zip without potluck.json', async () => {
    expect((await refused(write(text('PK\u0003\u0004 not really a zip')))).message).toMatch(/This file is not a zip archive, or it is damaged/);
    expect((await refused(write(buildZip([{ name: 'notes.txt', data: text('hi') }])))).message).toMatch(/potluck\.json: is missing/);
  });

  it('says which frontmatter field is wrong, in which file', async () => {
    // (An unknown visibility has a safe reading, private; a cover outside the piece's folder has none.)
    const zip = buildZip([minimalArchive()[0], { name: 'artifacts/hello/index.md', data: text('---\ntitle: Hello\ndate: 2025-01-02\ncover: ../../x.png\n---\n') }]);
    expect((await refused(write(zip))).message).toContain('artifacts/hello/index.md: cover must be the name of an image file beside index.md');
  });
});

describe('zips that are fine', () => {
  it('imports a zip of the archive folder itself (everything under one top folder)', async () => {
    const zip = new yazl.ZipFile();
    for (const e of minimalArchive('zed')) zip.addBuffer(e.data!, `zed-archive/${e.name}`);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream) chunks.push(c as Buffer);
    const files = dataListing(app);
    const report = await importArchiveZip(app, { zip: write(Buffer.concat(chunks)), handle: 'zed' });
    expect(report.artifacts.created).toBe(1);
    // Only the imported rows changed: the unpacked copy is gone again. (The piece has no id: its id is derived with
    // the instance key, which is made on first use.)
    expect(dataListing(app).filter((f) => !files.includes(f) && !f.startsWith('media/') && f !== 'secret.key')).toEqual([]);
  });

  it('the CLI refuses a bad zip with its message and exit code 1', async () => {
    const zip = write(buildZip([...minimalArchive(), { name: '../../etc/cron.d/evil', data: text('* * * * * root sh') }]));
    const r = await runCli(['import', zip, '--handle', 'zed'], { env: { POTLUCK_DATA: app.config.dataDir } });
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot be imported safely, so nothing was imported');
    expect(r.err).toContain('"../../etc/cron.d/evil": has ".." in its path');
  });
});
