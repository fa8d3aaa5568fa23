/** What a source to import is, from small hand-made samples of each kind: files, folders and zips. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSource, isPotluckZip, kindOfText } from '../../../src/server/import/detect.ts';
import { buildZip } from '../archive-export/helpers.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-detect-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function write(rel: string, text: string | Buffer): string {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const wxr = `<?xml version="1.0" encoding="UTF-8" ?>
<!-- generator="WordPress/6.4" -->
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Blog</title><wp:wxr_version>1.2</wp:wxr_version></channel></rss>`;
const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>Weather</title></channel></rss>`;
const atom = `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>Notes</title></feed>`;
const jsonFeed = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'Micro', items: [] });
const leap = `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xmlns:leap2="http://terms.leapspecs.org/" xmlns:leap2a="http://wiki.leapspecs.org/2A/"><title>Mahara</title></feed>`;

describe('detectSource', () => {
  it('recognises each kind of single file by its first bytes', async () => {
    expect(await detectSource(write('blog.wordpress.2024-05-01.xml', wxr))).toMatchObject({ kind: 'wordpress' });
    expect(await detectSource(write('theme-test.xml', wxr.replaceAll('http://wordpress.org', 'https://wordpress.org')))).toMatchObject({ kind: 'wordpress' });
    expect(await detectSource(write('weather.rss', rss))).toMatchObject({ kind: 'feed' });
    expect(await detectSource(write('atom.xml', atom))).toMatchObject({ kind: 'feed' });
    expect(await detectSource(write('feed.json', jsonFeed))).toMatchObject({ kind: 'feed' });
    expect(await detectSource(write('export.xml', leap))).toMatchObject({ kind: 'leap2a' });
    expect(await detectSource(write('essay.docx', Buffer.from('PK\u0003\u0004 not really')))).toMatchObject({ kind: 'documents' });
    expect(await detectSource(write('notes.md', '# Just notes\n'))).toMatchObject({ kind: 'documents' });
    expect(await detectSource(write('scan.pdf', '%PDF-1.4\n'))).toMatchObject({ kind: 'documents' });
  });

  it('recognises folders: a Potluck archive (also one folder down), Leap2A, Jekyll, Hugo, front matter, documents', async () => {
    write('potluck/potluck.json', JSON.stringify({ format: 'potluck-archive/1' }));
    expect(await detectSource(path.join(root, 'potluck'))).toEqual({ kind: 'potluck', path: path.join(root, 'potluck') });
    write('zipped/inner/potluck.json', '{}');
    expect(await detectSource(path.join(root, 'zipped'))).toEqual({ kind: 'potluck', path: path.join(root, 'zipped', 'inner') });
    write('mahara/leap2a.xml', leap);
    expect(await detectSource(path.join(root, 'mahara'))).toMatchObject({ kind: 'leap2a' });
    write('jekyll/_posts/2009-01-27-hello.md', 'Hello\n');
    expect(await detectSource(path.join(root, 'jekyll'))).toMatchObject({ kind: 'markdown' });
    write('hugo/content/posts/first.md', '+++\ntitle = "First"\n+++\nHi\n');
    write('hugo/config.toml', 'baseURL = "/"\n');
    expect(await detectSource(path.join(root, 'hugo'))).toMatchObject({ kind: 'markdown' });
    write('eleventy/posts/a.md', '---\ntitle: A\n---\nA\n');
    write('eleventy/posts/b.md', '---\ntitle: B\n---\nB\n');
    expect(await detectSource(path.join(root, 'eleventy'))).toMatchObject({ kind: 'markdown' });
    write('lms/Essay week 3.docx', 'PK');
    write('lms/notes.md', 'no front matter');
    write('lms/photo.jpg', 'jpg');
    expect(await detectSource(path.join(root, 'lms'))).toMatchObject({ kind: 'documents' });
  });

  it('lets --format decide, and names what Potluck takes when it knows nothing of the source', async () => {
    expect(await detectSource(path.join(root, 'weather.rss'), { format: 'wordpress' })).toMatchObject({ kind: 'wordpress' });
    const unknown = write('strange/data.bin', 'xyz');
    await expect(detectSource(unknown)).rejects.toThrow(/data\.bin is not something Potluck can import\. Potluck imports:\n {2}- potluck: .*\n {2}- wordpress:/);
    await expect(detectSource(path.join(root, 'strange'))).rejects.toThrow(/holds nothing Potluck recognises/);
    await expect(detectSource(path.join(root, 'nothing-here'))).rejects.toThrow(/There is no file at/);
    expect(kindOfText('<?xml version="1.0"?><html><body/></html>')).toBeUndefined();
    expect(kindOfText('{"title":"not a feed"}')).toBeUndefined();
  });

  it('reads only the first bytes: a huge file is recognised at once', async () => {
    const file = path.join(root, 'huge.xml');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, wxr.replace('</channel></rss>', ''));
    // 300 MB of items, sparse on disk: reading it whole would take seconds and the memory of it.
    fs.ftruncateSync(fd, 300 * 1024 * 1024);
    fs.closeSync(fd);
    const started = Date.now();
    expect(await detectSource(file)).toMatchObject({ kind: 'wordpress' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('knows a Potluck archive zip from its entry names without unpacking it', async () => {
    const archive = write('archive.zip', buildZip([{ name: 'potluck.json', data: Buffer.from('{}') }, { name: 'artifacts/a/index.md', data: Buffer.from('x') }]));
    const other = write('posts.zip', buildZip([{ name: '_posts/2009-01-27-hello.md', data: Buffer.from('x') }]));
    expect(await isPotluckZip(archive)).toBe(true);
    expect(await isPotluckZip(other)).toBe(false);
  });
});
