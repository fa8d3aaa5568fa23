/**
 * What a source to import is: a Potluck archive, a WordPress export (WXR), a feed, a Mahara Leap2A export, a
 * Markdown site (Jekyll, Hugo, Eleventy) or a pile of documents. Detection reads only the first bytes of files and
 * walks a folder a bounded number of entries deep, so a huge or hostile source costs nothing to look at; the
 * converter (and the archive importer after it) check everything properly. A zip is unpacked (safely, by the
 * caller) before its folder is detected, except that a Potluck archive zip is recognised from its entry names.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import { PotluckError } from '../../core/errors.ts';
import type { ForeignKind } from './types.ts';

/** What an import source is. */
export type SourceKind = ForeignKind | 'potluck';

export const SOURCE_KINDS: readonly SourceKind[] = ['potluck', 'wordpress', 'feed', 'leap2a', 'markdown', 'documents'];

/** How each kind is named to people, and what it takes. */
export const SOURCE_KIND_NAMES: Record<SourceKind, string> = {
  potluck: 'a Potluck archive (the zip "Export everything" made, or its folder)',
  wordpress: 'a WordPress export (the .xml file from Tools → Export)',
  feed: 'a feed (RSS, Atom or JSON Feed: a file or an https:// address, Micro.blog’s JSON Feed export too)',
  leap2a: 'a Mahara Leap2A export (the zip, or its leap2a.xml)',
  markdown: 'a Markdown site (a folder or zip of .md files with front matter: Jekyll _posts/, Hugo content/, Eleventy)',
  documents: 'documents (.docx, .odt, .md, .html, .txt, .pdf, pictures: one file, or a folder or zip of them)',
};

/** Short names, for a list to choose from. */
export const SOURCE_KIND_LABELS: Record<SourceKind, string> = {
  potluck: 'Potluck archive',
  wordpress: 'WordPress export',
  feed: 'Feed (RSS, Atom, JSON Feed)',
  leap2a: 'Mahara Leap2A',
  markdown: 'Markdown site',
  documents: 'Documents and pictures',
};

/** What Potluck takes, for the message about a source it does not recognise. */
export function supportedSources(): string {
  return SOURCE_KINDS.map((k) => `  - ${k}: ${SOURCE_KIND_NAMES[k]}`).join('\n');
}

export function isSourceKind(value: string): value is SourceKind {
  return (SOURCE_KINDS as readonly string[]).includes(value);
}

/** What detection found: the kind and the path to give its importer (a folder one level down, a file). */
export interface Detected {
  kind: SourceKind;
  path: string;
}

/** Bytes read from the start of a file to recognise it. */
const HEAD_BYTES = 64 * 1024;
/** Most entries a folder walk looks at, and how deep. */
const MAX_WALK_ENTRIES = 50_000;
const MAX_WALK_DEPTH = 8;
/** Most zip entry names read to recognise a Potluck archive zip. */
const MAX_ZIP_NAMES = 50_000;

const DOCUMENT_EXTENSIONS = new Set([
  '.docx', '.odt', '.md', '.markdown', '.html', '.htm', '.txt', '.pdf',
  '.jpg', '.jpeg', '.png', '.gif', '.webp', '.avif', '.heic', '.svg',
]);
const MARKDOWN_EXTENSIONS = new Set(['.md', '.markdown']);

export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

export function unknownSource(label: string, why = 'is not something Potluck can import'): PotluckError {
  return new PotluckError('BAD_ARCHIVE', `${label} ${why}. Potluck imports:\n${supportedSources()}\nIf it is one of these, name it with --format (or the Format choice).`);
}

async function readHead(file: string, bytes = HEAD_BYTES): Promise<string> {
  const handle = await fsp.open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    await handle.close();
  }
}

/** Recognises the start of a single file's text (XML or JSON); undefined when it is neither a feed nor an export. */
export function kindOfText(head: string): SourceKind | undefined {
  const text = head.trimStart();
  if (text.startsWith('{')) {
    if (/"version"\s*:\s*"https?:\/\/jsonfeed\.org\/version\//.test(text)) return 'feed';
    if (/"format"\s*:\s*"potluck-archive\/1"/.test(text)) return 'potluck';
    return undefined;
  }
  if (!text.startsWith('<')) return undefined;
  if (/xmlns(:\w+)?\s*=\s*["']https?:\/\/wordpress\.org\/export\//.test(text)) return 'wordpress';
  if (/xmlns(:\w+)?\s*=\s*["']https?:\/\/(wiki\.)?leapspecs\.org\/2A/i.test(text)) return 'leap2a';
  // The root element, after the prolog (declaration, comments, processing instructions, doctype).
  const root = /^(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>|\s)*<([\w:.-]+)/i.exec(text)?.[1];
  if (!root) return undefined;
  const local = root.replace(/^.*:/, '').toLowerCase();
  if (local === 'rss' || local === 'feed' || (local === 'rdf' && /purl\.org\/rss\/1\.0/.test(text))) return 'feed';
  return undefined;
}

async function kindOfFile(file: string): Promise<SourceKind | undefined> {
  const ext = path.extname(file).toLowerCase();
  if (path.basename(file) === 'potluck.json') return 'potluck';
  if (['.xml', '.rss', '.atom', '.json', '.rdf', ''].includes(ext) || ext === '.feed') {
    const kind = kindOfText(await readHead(file));
    if (kind) return kind;
  }
  if (DOCUMENT_EXTENSIONS.has(ext)) return 'documents';
  return undefined;
}

/**
 * The names of a zip's entries as the zip spells them (its central directory only; nothing is inflated), at most
 * MAX_ZIP_NAMES. Nothing is checked here: the zip reader refuses a hostile zip when it is unpacked.
 */
export async function zipEntryNames(zipPath: string): Promise<string[]> {
  const zip = await yauzl.openPromise(zipPath, { decodeStrings: false, autoClose: false, strictFileNames: false, validateEntrySizes: false });
  try {
    const names: string[] = [];
    for await (const entry of zip.eachEntry()) {
      names.push(yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true));
      if (names.length >= MAX_ZIP_NAMES) break;
    }
    return names;
  } finally {
    zip.close();
  }
}

/** Files that are zips inside but documents to people: never unpacked as a folder. */
const ZIPPED_DOCUMENTS = new Set(['.docx', '.odt', '.xlsx', '.pptx', '.ods', '.odp', '.epub', '.pages', '.key', '.numbers']);

/** Whether a file is a zip of files to unpack (by its first bytes; a Word or OpenDocument file is a document). */
export async function isZipFile(file: string): Promise<boolean> {
  if (ZIPPED_DOCUMENTS.has(path.extname(file).toLowerCase())) return false;
  const head = Buffer.alloc(4);
  const handle = await fsp.open(file, 'r');
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  return head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) || head.equals(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
}

/** Whether a zip is a Potluck archive with potluck.json at its root (the archive importer's own zip path takes it). */
export async function isPotluckZip(zipPath: string): Promise<boolean> {
  try {
    return (await zipEntryNames(zipPath)).includes('potluck.json');
  } catch {
    // Not a zip, or a damaged one: the zip reader says what is wrong with it when it is unpacked.
    return false;
  }
}

function hasFrontMatter(head: string): boolean {
  return /^(---|\+\+\+)\r?\n/.test(head);
}

interface Walk {
  files: string[];
  dirs: string[];
}

/** Lists a folder breadth-first, at most MAX_WALK_ENTRIES entries and MAX_WALK_DEPTH deep; skips links and dot-files. */
async function walk(root: string): Promise<Walk> {
  const files: string[] = [];
  const dirs: string[] = [];
  let queue: { dir: string; depth: number }[] = [{ dir: root, depth: 0 }];
  let seen = 0;
  while (queue.length && seen < MAX_WALK_ENTRIES) {
    const next: typeof queue = [];
    for (const { dir, depth } of queue) {
      const entries = await fsp.readdir(dir, { withFileTypes: true });
      for (const entry of entries) {
        if (++seen > MAX_WALK_ENTRIES) break;
        if (entry.name.startsWith('.')) continue;
        const full = path.join(dir, entry.name);
        const rel = path.relative(root, full);
        if (entry.isDirectory()) {
          dirs.push(rel);
          if (depth + 1 < MAX_WALK_DEPTH) next.push({ dir: full, depth: depth + 1 });
        } else if (entry.isFile()) files.push(rel);
      }
    }
    queue = next;
  }
  return { files, dirs };
}

/** The folder a source really starts at: one folder down when the folder holds only that one folder (a zipped folder). */
async function contentRoot(dir: string): Promise<string> {
  const entries = (await fsp.readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.') && e.name !== '__MACOSX');
  // A site's own folders (Jekyll's _posts, Hugo's content) are part of the site, not a wrapper around it.
  if (entries.length === 1 && entries[0].isDirectory() && !/^(_.*|content)$/.test(entries[0].name)) return path.join(dir, entries[0].name);
  return dir;
}

async function detectFolder(dir: string): Promise<SourceKind | undefined> {
  if (fs.existsSync(path.join(dir, 'potluck.json'))) return 'potluck';
  if (fs.existsSync(path.join(dir, 'leap2a.xml'))) return 'leap2a';
  const { files, dirs } = await walk(dir);
  const topDirs = new Set(dirs.filter((d) => !d.includes(path.sep)));
  if (topDirs.has('_posts') || topDirs.has('_drafts') || (topDirs.has('content') && files.some((f) => f.startsWith(`content${path.sep}`) && MARKDOWN_EXTENSIONS.has(path.extname(f).toLowerCase())))) {
    return 'markdown';
  }
  const top = files.filter((f) => !f.includes(path.sep));
  // A folder holding one export file (a WordPress .xml, a feed) is that export.
  const xml = top.filter((f) => ['.xml', '.json', '.rss', '.atom'].includes(path.extname(f).toLowerCase()));
  if (xml.length === 1 && top.every((f) => f === xml[0] || !DOCUMENT_EXTENSIONS.has(path.extname(f).toLowerCase()))) {
    const kind = kindOfText(await readHead(path.join(dir, xml[0])));
    if (kind === 'wordpress' || kind === 'feed' || kind === 'leap2a') return kind;
  }
  const markdown = files.filter((f) => MARKDOWN_EXTENSIONS.has(path.extname(f).toLowerCase()));
  // Front matter in most of its Markdown files (looking at a bounded sample) makes it a site, not a pile of notes.
  const sample = markdown.slice(0, 50);
  let withFrontMatter = 0;
  for (const f of sample) if (hasFrontMatter(await readHead(path.join(dir, f), 512))) withFrontMatter++;
  if (sample.length > 0 && withFrontMatter * 2 >= sample.length) return 'markdown';
  if (files.some((f) => DOCUMENT_EXTENSIONS.has(path.extname(f).toLowerCase()))) return 'documents';
  return undefined;
}

/**
 * Decides what a file or folder (an unpacked zip included) is. `format` overrides detection (the path is still
 * resolved: a zipped folder's one folder). Throws BAD_ARCHIVE listing what Potluck takes when nothing fits.
 */
export async function detectSource(source: string, options: { format?: SourceKind; label?: string } = {}): Promise<Detected> {
  const label = options.label ?? path.basename(source);
  const stat = await fsp.stat(source).catch(() => undefined);
  if (!stat) throw new PotluckError('BAD_ARCHIVE', `There is no file at ${path.resolve(source)}. Pass a file, a folder, a .zip or a feed address (https://…).`);
  if (stat.isDirectory()) {
    let root = await contentRoot(source);
    // potluck.json one folder down counts, even beside other files.
    if (!fs.existsSync(path.join(root, 'potluck.json')) && !fs.existsSync(path.join(source, 'potluck.json'))) {
      const sub = (await fsp.readdir(source, { withFileTypes: true })).find((e) => e.isDirectory() && fs.existsSync(path.join(source, e.name, 'potluck.json')));
      if (sub) root = path.join(source, sub.name);
    }
    if (options.format) return { kind: options.format, path: root };
    const kind = await detectFolder(root);
    if (!kind) throw unknownSource(label, 'holds nothing Potluck recognises (no potluck.json, leap2a.xml, Markdown, documents or pictures)');
    return { kind, path: root };
  }
  if (!stat.isFile()) throw unknownSource(label, 'is neither a file nor a folder');
  if (options.format) return { kind: options.format, path: source };
  const kind = await kindOfFile(source);
  if (!kind) throw unknownSource(label);
  return { kind, path: kind === 'potluck' ? path.dirname(source) : source };
}
