/**
 * Documents become drafts the archive importer takes: Word files from mammoth's own tests with their pictures, an
 * OpenDocument file, a web page, a text file, a PDF and a picture; zip bombs and entity declarations are refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OdtDocument } from 'odf-kit';
import sharp from 'sharp';
import yazl from 'yazl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { MAX_UNPACKED_BYTES, convertDocuments, looksLikeDocuments } from '../../../src/server/import/documents.ts';
import { foreignId } from '../../../src/server/import/types.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

const mammothFixtures = path.resolve('tests/fixtures/mammoth');
let app: AppContext;
let out: string;
let src: string;
beforeEach(() => {
  app = createTestApp();
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-docs-out-'));
  src = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-docs-src-'));
});
afterEach(() => {
  app.db.$client.close();
  for (const dir of [app.config.dataDir, out, src]) fs.rmSync(dir, { recursive: true, force: true });
});

const convert = (source: string) => convertDocuments({ app, source, out, handle: 'sam', label: path.basename(source), dryRun: false });
const png = (colour: string) => sharp({ create: { width: 12, height: 12, channels: 3, background: colour } }).png().toBuffer();

/** A zip written by yazl from name -> text. */
function zipOf(parts: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(parts)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

const contentTypes = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>';

describe('convertDocuments', () => {
  it('makes one draft per document, with the pictures from Word and OpenDocument files, and imports them', async () => {
    for (const f of ['tiny-picture.docx', 'tables.docx', 'simple-list.docx', 'footnotes.docx']) fs.copyFileSync(path.join(mammothFixtures, f), path.join(src, f));
    fs.mkdirSync(path.join(src, 'week 2'));
    const odt = new OdtDocument();
    odt.addHeading('Rivers and lakes', 1);
    odt.addParagraph('Water goes down to the sea.');
    odt.addImage(await png('#2a6'), { width: '2cm', height: '2cm', mimeType: 'image/png' });
    fs.writeFileSync(path.join(src, 'week 2/rivers.odt'), await odt.save());
    fs.writeFileSync(path.join(src, 'week 2/page.html'), '<html><head><title>My web page</title><script>alert(1)</script></head><body><h1>My web page</h1><p onclick="steal()">Hello <b>there</b> <a href="javascript:alert(1)">click</a></p><p><img src="figure%201.png" alt="A figure"> <a href="other.html">next page</a> <img src="gone.png" alt="Gone"></p></body></html>');
    fs.writeFileSync(path.join(src, 'week 2/figure 1.png'), await png('#36c'));
    fs.writeFileSync(path.join(src, 'week 2/notes.md'), '---\ntitle: Notes\ntags: [Week 2, science]\n---\n\n![chart](figure%201.png)\n');
    fs.writeFileSync(path.join(src, 'notes.txt'), 'First paragraph with a * star\nand a second line.\n\n# not a heading\n');
    fs.writeFileSync(path.join(src, 'essay.pdf'), '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    fs.writeFileSync(path.join(src, 'poster.png'), await png('#c33'));
    fs.writeFileSync(path.join(src, 'old essay.doc'), 'not read');
    fs.writeFileSync(path.join(src, '.DS_Store'), 'junk');
    expect(await looksLikeDocuments(src)).toBe(true);

    const report = await convert(src);
    expect(report.kind).toBe('documents');
    expect(report.drafts).toHaveLength(11);
    expect(report.drafts).toContain(foreignId('documents', 'sam', 'week 2/rivers.odt'));
    expect(report.warnings).toEqual([
      'old essay.doc: an old Word file; open it and save it as .docx, then import that; left out.',
      'week 2/page.html: gone.png is not in the folder; it was not brought along.',
      'week 2/page.html: 1 link to other pages of the old site became plain text.',
    ]);

    await makeUser(app, { handle: 'sam' });
    const imported = await importArchiveFolder(app, { dir: out, handle: 'sam' });
    expect(imported.artifacts.created).toBe(11);
    // The picture inside tiny-picture.docx, the one inside rivers.odt, the poster, the PDF and the figure beside the
    // web page (used by the page, the Markdown notes and as a picture of its own, stored once).
    expect(imported.media.stored).toBe(5);
    type Row = { id: string; title: string; body: string; html: string; kind: string; date: number; visibility: string; cover_media_id: string | null };
    const rows = app.db.$client.prepare('select id, title, body, html, kind, date, visibility, cover_media_id from artifacts').all() as Row[];
    const by = (rel: string) => rows.find((r) => r.id === foreignId('documents', 'sam', rel))!;
    expect(rows.every((r) => r.visibility === 'private')).toBe(true);
    expect(by('tiny-picture.docx').body).toMatch(/^!\[\]\(media:[\w-]+\)/);
    // Word's own dates (docProps/core.xml dcterms:created), not the file's.
    expect(new Date(by('tiny-picture.docx').date).toISOString()).toBe('2013-04-01T19:06:00.000Z');
    expect(by('tables.docx').body).toContain('| Top left | Top right |');
    expect(by('simple-list.docx').body).toBe('- Apple\n- Banana\n');
    const rivers = by('week 2/rivers.odt');
    expect(rivers.title).toBe('Rivers and lakes');
    expect(rivers.body).toMatch(/Water goes down to the sea\.\n\n!\[[^\]]*\]\(media:[\w-]+\)/);
    const page = by('week 2/page.html');
    expect(page.title).toBe('My web page');
    expect(page.body).toMatch(/^Hello \*\*there\*\* click\n\n!\[A figure\]\(media:[\w-]+\) next page \*Gone\*\n$/);
    expect(by('week 2/notes.md').body).toMatch(/^!\[chart\]\(media:[\w-]+\)\n$/);
    expect(page.html).not.toMatch(/script|onclick|javascript:/);
    expect(by('notes.txt').body).toBe('First paragraph with a \\* star\\\nand a second line.\n\n\\# not a heading\n');
    expect(by('notes.txt').html).not.toContain('<h1');
    expect(by('essay.pdf').kind).toBe('media');
    expect(by('essay.pdf').body).toMatch(/^\[essay\.pdf\]\(media:[\w-]+\)/);
    expect(by('poster.png').kind).toBe('media');
    expect(by('poster.png').cover_media_id).not.toBeNull();
  });

  it('takes a single file, and says what mammoth could not carry over when nothing is left', async () => {
    const report = await convert(path.join(mammothFixtures, 'single-paragraph.docx'));
    expect(report.drafts).toEqual([foreignId('documents', 'sam', 'single-paragraph.docx')]);
    const body = fs.readFileSync(path.join(out, 'artifacts', fs.readdirSync(path.join(out, 'artifacts'))[0], 'index.md'), 'utf8');
    expect(body).toContain('Walking on imported air');
    fs.rmSync(out, { recursive: true });
    fs.mkdirSync(out);
    await expect(convert(path.join(mammothFixtures, 'external-picture.docx'))).rejects.toThrow(
      "external-picture.docx has no documents Potluck reads; pass .docx, .odt, .md, .html, .txt, PDFs or pictures (or a folder or zip of them). external-picture.docx: has no text (1 part of the Word formatting could not be carried over (such as: could not read external image 'tiny-picture.png', external file access is disabled)); left out.",
    );
  });

  it('refuses a Word file that unpacks to far more than any document (a zip bomb) without opening it', async () => {
    const zip = await zipOf({ '[Content_Types].xml': contentTypes, 'word/document.xml': 'x'.repeat(1000) });
    // Declare a size beyond the limit in the central directory, as a bomb's table of contents does.
    const central = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(MAX_UNPACKED_BYTES + 1, central + 24);
    fs.writeFileSync(path.join(src, 'bomb.docx'), zip);
    const error = await convert(path.join(src, 'bomb.docx')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PotluckError);
    expect((error as PotluckError).message).toBe('bomb.docx: unpacks to more than 200 MB (or 10,000 parts), far beyond any real document; it was not opened.');
  });

  it('refuses Word and OpenDocument files whose XML declares entities (XXE, billion laughs)', async () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>';
    fs.writeFileSync(path.join(src, 'xxe.docx'), await zipOf({ '[Content_Types].xml': contentTypes, 'word/document.xml': xxe }));
    await expect(convert(path.join(src, 'xxe.docx'))).rejects.toThrow('xxe.docx: its part word/document.xml declares a document type or entities');
    const lol = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">&j;</office:document-content>`;
    fs.writeFileSync(path.join(src, 'laughs.odt'), await zipOf({ mimetype: 'application/vnd.oasis.opendocument.text', 'content.xml': lol }));
    await expect(convert(path.join(src, 'laughs.odt'))).rejects.toThrow('laughs.odt: its part content.xml declares a document type or entities');
    expect(fs.existsSync(path.join(out, 'potluck.json'))).toBe(false);
  });

  it('refuses a file that is not what its name says, and leaves out files beyond the size limits', async () => {
    fs.writeFileSync(path.join(src, 'fake.docx'), 'I am not a zip');
    await expect(convert(path.join(src, 'fake.docx'))).rejects.toThrow(/fake\.docx: is not a readable document/);
    // Sparse files: large on paper, nothing on disk.
    fs.closeSync(fs.openSync(path.join(src, 'huge.txt'), 'w'));
    fs.truncateSync(path.join(src, 'huge.txt'), 5 * 1024 * 1024);
    fs.writeFileSync(path.join(src, 'big.pdf'), '%PDF-1.4\n');
    fs.truncateSync(path.join(src, 'big.pdf'), 51 * 1024 * 1024);
    fs.writeFileSync(path.join(src, 'fake.pdf'), 'not a pdf');
    fs.writeFileSync(path.join(src, 'fine.txt'), 'Fine.');
    const report = await convert(src);
    expect(report.warnings).toEqual([
      'big.pdf: larger than 50 MB, more than Potluck takes; left out.',
      'fake.docx: is not a readable document (the file is damaged, or is not what its name says); open it and save it again; left out.',
      'fake.pdf: is not the PDF its name says; left out.',
      'huge.txt: larger than 4 MB, more text than one piece holds; left out.',
    ]);
    expect(report.drafts).toEqual([foreignId('documents', 'sam', 'fine.txt')]);
  });
});
