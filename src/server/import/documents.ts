/**
 * Documents become pieces, one draft each: a single file, or a folder of them (an LMS download of a student's
 * submissions, unpacked by the caller). Word (.docx, through mammoth) and OpenDocument (.odt, through odf-kit) are
 * turned into Markdown with their pictures beside the piece; .md keeps its text (and front matter), .html is
 * sanitized and turned into Markdown, .txt becomes paragraphs; PDFs and pictures become `media` pieces that show or
 * link the file. The date is the document's own (Word's and OpenDocument's modified or created date) or else the
 * file's. Anything else is left out and named in the report.
 *
 * A .docx or .odt is a zip: before a library opens one, its central directory is read with yauzl and a file whose
 * parts would unpack to more than MAX_UNPACKED_BYTES (a "zip bomb") is refused.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import mammoth from 'mammoth';
import { readOdt } from 'odf-kit/reader';
import yauzl from 'yauzl';
import { PotluckError } from '../../core/errors.ts';
import { IMAGE_TYPES, MAX_ATTACHMENT_BYTES, MAX_IMAGE_BYTES } from '../media/limits.ts';
import { readFrontMatter } from './frontMatter.ts';
import { htmlHeading, htmlTitle, htmlToMarkdown, markdownText } from './htmlMarkdown.ts';
import { bringAlongFiles, parseSiteDate } from './markdown.ts';
import { StagedArchive, safeFileName, uniqueFileName, type StagedFile } from './stagedArchive.ts';
import { importableTags, readTagList, tagWarnings } from './tags.ts';
import { foreignId, type ConvertInput, type ConvertReport, type Converter } from './types.ts';

/** Most files looked at in one folder. */
export const MAX_DOCUMENT_FILES = 50_000;
/** Most documents made into pieces from one source. */
export const MAX_DOCUMENTS = 20_000;
/** Largest .md, .html or .txt read. */
export const MAX_TEXT_DOCUMENT_BYTES = 4 * 1024 * 1024;
/** What the parts of one .docx or .odt may unpack to, all together: a long illustrated report is a few tens of MB. */
export const MAX_UNPACKED_BYTES = 200 * 1024 * 1024;
/** Most parts inside one .docx or .odt. */
const MAX_ZIP_ENTRIES = 10_000;
const MAX_DEPTH = 12;

const PICTURES = new Map<string, string>([['jpg', 'image/jpeg'], ...Object.entries(IMAGE_TYPES).map(([mime, ext]) => [ext, mime] as [string, string])]);
const EXT_BY_MIME = new Map<string, string>(Object.entries(IMAGE_TYPES));
/** Extensions this converter reads. */
export const DOCUMENT_EXTENSIONS = new Set(['docx', 'odt', 'md', 'markdown', 'html', 'htm', 'txt', 'pdf', ...PICTURES.keys()]);
const IGNORED = /^(?:\.DS_Store|Thumbs\.db|desktop\.ini|\._.*)$/i;
const OLD_FORMATS: Record<string, string> = {
  doc: 'an old Word file; open it and save it as .docx, then import that',
  rtf: 'a Rich Text file; open it and save it as .docx, then import that',
  pages: 'a Pages file; export it as Word (.docx), then import that',
  gdoc: 'a shortcut to a Google Doc, not the document; download it as Word (.docx), then import that',
};

function ext(file: string): string {
  return path.extname(file).slice(1).toLowerCase();
}

/** A cheap sniff for format detection: a file with a document extension, or a folder whose files are mostly documents. */
export async function looksLikeDocuments(source: string): Promise<boolean> {
  const stat = await fs.lstat(source).catch(() => undefined);
  if (!stat) return false;
  if (stat.isFile()) return DOCUMENT_EXTENSIONS.has(ext(source));
  if (!stat.isDirectory()) return false;
  let documents = 0;
  let others = 0;
  const queue: [string, number][] = [[source, 0]];
  while (queue.length > 0 && documents + others < 200) {
    const [folder, depth] = queue.shift()!;
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => [] as Dirent[]);
    for (const e of entries) {
      if (e.isDirectory() && depth < 3 && !e.name.startsWith('.')) queue.push([path.join(folder, e.name), depth + 1]);
      else if (e.isFile() && !IGNORED.test(e.name)) {
        if (['docx', 'odt', 'pdf', 'html', 'htm', 'txt'].includes(ext(e.name)) || PICTURES.has(ext(e.name))) documents++;
        else others++;
      }
    }
  }
  return documents > 0 && documents >= others;
}

/** The documents of a folder (no links followed), by their path inside it. */
async function listFolder(root: string, warnings: string[], signal?: AbortSignal): Promise<string[]> {
  const found: string[] = [];
  const stack: [string, number][] = [[root, 0]];
  let seen = 0;
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const [folder, depth] = stack.pop()!;
    for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (++seen > MAX_DOCUMENT_FILES) {
        throw new PotluckError('BAD_ARCHIVE', `The folder holds more than ${MAX_DOCUMENT_FILES.toLocaleString('en')} files; import it in parts.`);
      }
      if (entry.name === '__MACOSX' || IGNORED.test(entry.name)) continue;
      if (entry.isSymbolicLink()) warnings.push(`${rel}: a link to somewhere else, not a file; left out.`);
      else if (entry.isDirectory()) {
        if (depth + 1 > MAX_DEPTH) warnings.push(`${rel}: folders nested deeper than ${MAX_DEPTH} levels are not looked into.`);
        else if (!entry.name.startsWith('.')) stack.push([full, depth + 1]);
      } else if (entry.isFile()) found.push(rel);
    }
  }
  return found.sort();
}

/**
 * A document that cannot be read (damaged, or not what its name says): that file is left out with a warning, while
 * a document built to hurt (a zip bomb, entity declarations) refuses the whole source.
 */
class UnreadableDocument extends Error {}

/**
 * Reads a .docx's or .odt's table of contents and refuses one that unpacks to too much; returns the named small
 * parts' text (docProps/core.xml, meta.xml) for the dates.
 */
function checkZip(file: string, label: string, wanted: string[]): Promise<Map<string, string>> {
  const refuse = (message: string) => new PotluckError('BAD_ARCHIVE', `${label}: ${message}`);
  const damaged = (message: string) => new UnreadableDocument(message);
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) {
        reject(damaged('is not a readable document (the file is damaged, or is not what its name says); open it and save it again.'));
        return;
      }
      const texts = new Map<string, string>();
      let total = 0;
      let count = 0;
      let failed = false;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        zip.close();
        reject(e);
      };
      zip.on('error', () => fail(damaged('is not a readable document (the file is damaged); open it and save it again.')));
      zip.on('end', () => {
        if (!failed) resolve(texts);
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        total += entry.uncompressedSize;
        if (++count > MAX_ZIP_ENTRIES || total > MAX_UNPACKED_BYTES) {
          fail(refuse(`unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB (or ${MAX_ZIP_ENTRIES.toLocaleString('en')} parts), far beyond any real document; it was not opened.`));
          return;
        }
        const whole = wanted.includes(entry.fileName) && entry.uncompressedSize <= 1024 * 1024;
        if (!whole && !/\.(?:xml|rels)$/i.test(entry.fileName)) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) {
            fail(damaged('is damaged; open it and save it again.'));
            return;
          }
          const chunks: Buffer[] = [];
          let length = 0;
          let finished = false;
          // Every XML part is looked at up to its first 64 KB, where a document type declaration would be: a
          // document declaring entities (billion laughs, external entities) is refused before any parser sees it.
          const finish = () => {
            if (finished) return;
            finished = true;
            const text = Buffer.concat(chunks).toString('utf8');
            if (/<!DOCTYPE|<!ENTITY/i.test(text.slice(0, 64 * 1024))) {
              fail(refuse(`its part ${entry.fileName} declares a document type or entities, which Word and LibreOffice never write; it was not opened. Open the document and save it again.`));
              return;
            }
            if (whole) texts.set(entry.fileName, text);
            zip.readEntry();
          };
          stream.on('data', (c: Buffer) => {
            chunks.push(c);
            length += c.length;
            if (!whole && length >= 64 * 1024) {
              stream.destroy();
              finish();
            }
          });
          stream.on('error', () => {
            if (!finished) fail(damaged('is damaged; open it and save it again.'));
          });
          stream.on('end', finish);
        });
      });
      zip.readEntry();
    });
  });
}

/** One element's text from a small metadata XML part, read without any entity expansion (no DOCTYPE is accepted). */
function metaField(xml: string | undefined, tag: string): string | undefined {
  if (!xml || /<!DOCTYPE/i.test(xml)) return undefined;
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`).exec(xml);
  return m?.[1].replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e] ?? '').trim() || undefined;
}

function parseMetaDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const date = parseSiteDate(value.replace(/(\.\d{3})\d+/, '$1'));
  return date && date.getUTCFullYear() > 1980 ? date : undefined;
}

/** Turns `![alt](data:image/png;base64,...)` pictures into files beside the piece. */
function extractDataImages(markdown: string, files: StagedFile[], taken: Set<string>, note: (m: string) => void): string {
  return markdown.replace(/!\[([^\]]*)\]\(<?data:([\w/+.-]+);base64,([A-Za-z0-9+/=\s]+)>?\)/g, (_all, alt: string, mime: string, data: string) => {
    const extension = EXT_BY_MIME.get(mime.toLowerCase());
    const bytes = Buffer.from(data.replace(/\s+/g, ''), 'base64');
    if (!extension) {
      note(`a picture of type ${mime} was left out (Potluck shows JPEG, PNG, WebP, GIF and AVIF)`);
      return '';
    }
    if (bytes.length > MAX_IMAGE_BYTES) {
      note('a picture larger than Potluck takes was left out');
      return '';
    }
    const name = uniqueFileName(`picture-${files.length + 1}.${extension}`, taken);
    files.push({ name, bytes });
    return `![${alt}](${name})`;
  });
}

/** The body without a first heading that repeats the title (the page shows the title already). */
function withoutTitleHeading(markdown: string, title: string): string {
  const m = /^#{1,2} (.+)\n+/.exec(markdown);
  if (m && m[1].replace(/[\\*_]/g, '').trim() === title.trim()) return markdown.slice(m[0].length);
  return markdown;
}


interface Converted {
  title: string;
  body: string;
  date?: Date;
  updated?: Date;
  summary?: string;
  tags?: string[];
  kind?: 'media';
  files: StagedFile[];
  cover?: string;
}

function stem(rel: string): string {
  return path.basename(rel, path.extname(rel)).replace(/[_]+/g, ' ').trim();
}

async function convertDocx(full: string, rel: string, note: (m: string) => void): Promise<Converted> {
  const parts = await checkZip(full, rel, ['docProps/core.xml']);
  const core = parts.get('docProps/core.xml');
  const files: StagedFile[] = [];
  const taken = new Set<string>();
  let skippedPictures = 0;
  let result;
  try {
    result = await mammoth.convertToHtml(
      { path: full },
      {
        convertImage: mammoth.images.imgElement(async (image) => {
          const extension = EXT_BY_MIME.get(image.contentType.toLowerCase());
          const bytes = await image.readAsBuffer();
          if (!extension || bytes.length > MAX_IMAGE_BYTES) {
            skippedPictures++;
            return { src: '' };
          }
          const name = uniqueFileName(`picture-${files.length + 1}.${extension}`, taken);
          files.push({ name, bytes });
          return { src: name };
        }),
      },
    );
  } catch (error) {
    throw new UnreadableDocument(`could not be read as Word (${(error as Error).message.split('\n')[0]}); open it in Word or LibreOffice, save it again as .docx and import that`, { cause: error });
  }
  if (skippedPictures > 0) note(`${skippedPictures} picture${skippedPictures === 1 ? ' was' : 's were'} left out (a drawing format Potluck does not show, such as EMF, or larger than Potluck takes)`);
  const problems = result.messages.filter((m) => m.type === 'error' || m.type === 'warning');
  if (problems.length > 0) {
    note(`${problems.length} part${problems.length === 1 ? '' : 's'} of the Word formatting could not be carried over (such as: ${problems[0].message.split('\n')[0]})`);
  }
  const markdown = htmlToMarkdown(result.value);
  const heading = htmlHeading(result.value);
  const title = heading ?? metaField(core, 'dc:title') ?? stem(rel);
  return {
    title,
    body: withoutTitleHeading(markdown, title),
    date: parseMetaDate(metaField(core, 'dcterms:created')) ?? parseMetaDate(metaField(core, 'dcterms:modified')),
    updated: parseMetaDate(metaField(core, 'dcterms:modified')),
    summary: metaField(core, 'dc:description'),
    files,
  };
}

async function convertOdt(full: string, rel: string, note: (m: string) => void): Promise<Converted> {
  await checkZip(full, rel, []);
  const bytes = new Uint8Array(await fs.readFile(full));
  let html: string;
  let meta: { title?: string; description?: string; creationDate?: string; modificationDate?: string };
  try {
    const model = readOdt(bytes);
    meta = model.metadata;
    html = model.toHtml({ fragment: true });
  } catch (error) {
    throw new UnreadableDocument(`could not be read as OpenDocument (${(error as Error).message.split('\n')[0]}); open it in LibreOffice, save it again (or as .docx) and import that`, { cause: error });
  }
  const files: StagedFile[] = [];
  const markdown = htmlToMarkdown(html, { keepDataPictures: true });
  const heading = htmlHeading(html);
  const body = extractDataImages(markdown, files, new Set(), note);
  const title = heading ?? meta.title ?? stem(rel);
  return {
    title,
    body: withoutTitleHeading(body, title),
    date: parseMetaDate(meta.creationDate) ?? parseMetaDate(meta.modificationDate),
    updated: parseMetaDate(meta.modificationDate),
    summary: meta.description,
    files,
  };
}

async function readText(full: string, size: number): Promise<string | undefined> {
  if (size > MAX_TEXT_DOCUMENT_BYTES) return undefined;
  const bytes = await fs.readFile(full);
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

async function sniffsAs(full: string, kind: 'pdf' | 'picture'): Promise<boolean> {
  const handle = await fs.open(full, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(16), 0, 16, 0);
    const head = buffer.subarray(0, bytesRead);
    if (kind === 'pdf') return head.subarray(0, 5).toString('latin1') === '%PDF-';
    return (
      (head[0] === 0xff && head[1] === 0xd8) ||
      head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) ||
      head.subarray(0, 4).toString('latin1') === 'GIF8' ||
      (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') ||
      head.subarray(4, 12).toString('latin1').startsWith('ftypavi')
    );
  } finally {
    await handle.close();
  }
}

/** Converts one document or a folder of them into a potluck-archive/1 folder; see the file comment. */
export const convertDocuments: Converter = async (input: ConvertInput): Promise<ConvertReport> => {
  const stat = await fs.lstat(input.source).catch(() => undefined);
  if (!stat || !(stat.isFile() || stat.isDirectory())) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} is not a file or a folder of documents; pass a .docx, .odt, .md, .html, .txt, PDF or picture, or a folder (or zip) of them.`);
  }
  const warnings: string[] = [];
  const drafts: string[] = [];
  const root = stat.isDirectory() ? await fs.realpath(input.source) : path.dirname(await fs.realpath(input.source));
  const list = stat.isDirectory() ? await listFolder(root, warnings, input.signal) : [path.basename(input.source)];
  const usable = list.filter((rel) => {
    const e = ext(rel);
    if (DOCUMENT_EXTENSIONS.has(e)) return true;
    warnings.push(`${rel}: ${OLD_FORMATS[e] ?? 'not a document Potluck reads (.docx, .odt, .md, .html, .txt, PDF or a picture)'}; left out.`);
    return false;
  });
  if (usable.length > MAX_DOCUMENTS) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} holds ${usable.length.toLocaleString('en')} documents, more than the ${MAX_DOCUMENTS.toLocaleString('en')} one import takes; import it in parts.`);
  }
  const staged = new StagedArchive(input.out, { handle: input.handle });
  let done = 0;
  for (const rel of usable) {
    input.signal?.throwIfAborted();
    input.onProgress?.({ step: 'convert', done: done++, total: usable.length, item: rel });
    const full = path.join(root, rel);
    const fileStat = await fs.lstat(full);
    const e = ext(rel);
    const notes: string[] = [];
    const note = (m: string) => notes.push(m);
    const fileName = path.basename(rel);
    let piece: Converted | undefined;
    const cap = PICTURES.has(e) ? MAX_IMAGE_BYTES : MAX_ATTACHMENT_BYTES;
    if (fileStat.size > cap) {
      warnings.push(`${rel}: larger than ${cap / 1024 / 1024} MB, more than Potluck takes; left out.`);
      continue;
    }
    if (e === 'docx' || e === 'odt') {
      try {
        piece = e === 'docx' ? await convertDocx(full, rel, note) : await convertOdt(full, rel, note);
      } catch (error) {
        if (!(error instanceof UnreadableDocument)) throw error;
        warnings.push(`${rel}: ${error.message.replace(/\.$/, '')}; left out.`);
        continue;
      }
    } else if (e === 'pdf' || PICTURES.has(e)) {
      if (!(await sniffsAs(full, e === 'pdf' ? 'pdf' : 'picture'))) {
        warnings.push(`${rel}: is not the ${e === 'pdf' ? 'PDF' : 'picture'} its name says; left out.`);
        continue;
      }
      const name = safeFileName(fileName);
      const picture = e !== 'pdf';
      piece = {
        title: stem(rel),
        kind: 'media',
        body: picture ? `![${stem(rel).replace(/[[\]\\]/g, '')}](${encodeURI(name)})\n` : `[${fileName.replace(/[[\]\\]/g, '')}](${encodeURI(name)})\n`,
        files: [{ name, from: full }],
        cover: picture ? name : undefined,
      };
    } else {
      const text = await readText(full, fileStat.size);
      if (text === undefined) {
        warnings.push(`${rel}: larger than ${MAX_TEXT_DOCUMENT_BYTES / 1024 / 1024} MB, more text than one piece holds; left out.`);
        continue;
      }
      if (e === 'md' || e === 'markdown') {
        const read = readFrontMatter(text, rel);
        if (!read.ok) {
          warnings.push(`${rel}: ${read.problem}; left out (fix the front matter and import again).`);
          continue;
        }
        warnings.push(...read.warnings);
        const heading = /^#\s+(.+?)\s*#*\s*$/m.exec(read.body)?.[1];
        const title = typeof read.data.title === 'string' && read.data.title.trim() ? read.data.title.trim() : (heading ?? stem(rel));
        const tagResult = importableTags([...readTagList(read.data.tags), ...readTagList(read.data.categories)]);
        warnings.push(...tagWarnings(rel, tagResult));
        piece = {
          title,
          body: withoutTitleHeading(read.body, title),
          date: parseSiteDate(read.data.date),
          updated: parseSiteDate(read.data.lastmod ?? read.data.updated),
          summary: typeof read.data.description === 'string' ? read.data.description : typeof read.data.summary === 'string' ? read.data.summary : undefined,
          tags: tagResult.tags,
          files: [],
        };
      } else if (e === 'html' || e === 'htm') {
        const markdown = htmlToMarkdown(text, { keepDataPictures: true });
        const heading = htmlHeading(text);
        const files: StagedFile[] = [];
        const title = htmlTitle(text) ?? heading ?? stem(rel);
        piece = { title, body: withoutTitleHeading(extractDataImages(markdown, files, new Set(), note), title), files };
      } else {
        const paragraphs = text.split(/\n[ \t]*\n+/).map((p) => p.trim()).filter(Boolean);
        piece = { title: stem(rel), body: paragraphs.map((p) => markdownText(p).replace(/\n/g, '\\\n')).join('\n\n') + '\n', files: [] };
      }
    }
    if (piece.kind !== 'media') {
      // Pictures and files a text refers to come from beside it (or become text when they cannot), so that no
      // reference is left pointing at a file the piece does not have.
      const keep = new Set(piece.files.map((f) => f.name));
      const brought = await bringAlongFiles(root, rel, piece.body, warnings, keep);
      piece.body = brought.body;
      piece.files.push(...brought.files);
    }
    if (piece.body.trim() === '' && piece.files.length === 0) {
      warnings.push(`${rel}: has no text${notes.length ? ` (${notes.join('; ')})` : ''}; left out.`);
      continue;
    }
    for (const n of notes) warnings.push(`${rel}: ${n}.`);
    const id = foreignId('documents', input.handle, rel);
    const date = piece.date ?? fileStat.mtime;
    const added = await staged.add({
      id,
      title: piece.title,
      date,
      updated: piece.updated && piece.updated > date ? piece.updated : undefined,
      summary: piece.summary,
      tags: piece.tags,
      kind: piece.kind,
      body: piece.body,
      files: piece.files,
      cover: piece.cover,
    });
    // Everything from a folder of documents is work the student has not published here yet.
    if (added) drafts.push(id);
  }
  input.onProgress?.({ step: 'convert', done, total: usable.length });
  if (staged.size === 0) {
    const why = warnings.length > 0 ? ` ${warnings.slice(0, 5).join(' ')}` : '';
    throw new PotluckError('BAD_ARCHIVE', `${input.label} has no documents Potluck reads; pass .docx, .odt, .md, .html, .txt, PDFs or pictures (or a folder or zip of them).${why}`);
  }
  await staged.finish(new Date());
  return { kind: 'documents', platform: 'documents', warnings, drafts };
};
