/**
 * A folder of Markdown with front matter, as static site generators keep it, becomes a potluck-archive/1 folder:
 *
 * - Jekyll (a `_posts` or `_drafts` folder, or `_config.yml`): every dated post in `_posts`
 *   (`2009-01-27-title.md`), every file in `_drafts` (drafts), and pages elsewhere that have front matter and text.
 *   Folders starting with `_` (layouts, includes, data) and the built `_site` are not pieces.
 * - Hugo (a `content/` folder): every Markdown file under `content/`; a page bundle (`posts/x/index.md`) brings the
 *   files beside it; `/images/a.png` is looked for in `static/` and `assets/`.
 * - Eleventy or anything else: every Markdown file, outside folders starting with `_` or `.` and `node_modules`.
 *
 * Front matter is read by ./frontMatter.ts (YAML, TOML or JSON; nothing in it runs). Liquid tags and Hugo
 * shortcodes are template code of the old site: they stay in the text as written, and the report names the pieces
 * that have them. Pictures and files a piece refers to are brought along when they are regular files inside the
 * source folder; anything reached through a symbolic link or outside the folder is never read.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { PotluckError } from '../../core/errors.ts';
import { readFrontMatter, hasFrontMatter } from './frontMatter.ts';
import { isPictureName } from './fileKinds.ts';
import { localFile, type LocalFile } from './localFiles.ts';
import { StagedArchive, uniqueFileName, type StagedFile } from './stagedArchive.ts';
import { importableTags, readTagList, tagWarnings } from './tags.ts';
import { foreignId, type ConvertInput, type ConvertReport, type Converter } from './types.ts';

/** Most files looked at in one folder: a large blog has a few thousand. */
export const MAX_SITE_FILES = 50_000;
/** Most pieces made from one folder. */
export const MAX_SITE_PIECES = 20_000;
/** Largest Markdown file read (a body is at most 500,000 characters). */
export const MAX_MARKDOWN_BYTES = 4 * 1024 * 1024;
/** Most bytes of pictures and files brought along from one folder. */
export const MAX_SITE_FILE_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_DEPTH = 16;

const MARKDOWN_EXTENSIONS = new Set(['.md', '.markdown', '.mdown', '.mkdn', '.mkd', '.mkdown']);
/** Jekyll renders `.text` posts too (its own tests have them). */
const JEKYLL_EXTENSIONS = new Set([...MARKDOWN_EXTENSIONS, '.text']);
/** Files every repository has, which are about the site's code rather than writing on it. */
const NOT_PIECES = /^(?:(?:[Rr][Ee][Aa][Dd][Mm][Ee]|[Ll][Ii][Cc][Ee][Nn][CcSs][Ee]|[Cc][Hh][Aa][Nn][Gg][Ee][Ll][Oo][Gg])|(?:CONTRIBUTING|CODE_OF_CONDUCT|SECURITY|HISTORY|AUTHORS|SUPPORT))(?:\.[A-Za-z]+)?$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'vendor', 'bower_components']);
/** Folders that are part of a site, not a wrapper around one. */
const SITE_FOLDERS = new Set(['content', '_posts', '_drafts', 'posts', 'static']);
const JEKYLL_POST_NAME = /^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$/;

export type SiteFlavor = 'jekyll' | 'hugo' | 'eleventy' | 'markdown';

const platformNames: Record<SiteFlavor, string> = { jekyll: 'Jekyll', hugo: 'Hugo', eleventy: 'Eleventy', markdown: 'a folder of Markdown' };

async function isDir(p: string): Promise<boolean> {
  const stat = await fs.lstat(p).catch(() => undefined);
  return stat?.isDirectory() ?? false;
}

async function isFile(p: string): Promise<boolean> {
  const stat = await fs.lstat(p).catch(() => undefined);
  return stat?.isFile() ?? false;
}

/**
 * The folder that holds the site: `dir` itself, or its only folder when `dir` holds nothing else (a zip downloaded
 * from GitHub unpacks to `blog-main/`).
 */
async function siteRoot(dir: string): Promise<string> {
  const entries = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.name !== '__MACOSX' && e.name !== '.DS_Store');
  if (entries.length === 1 && entries[0].isDirectory() && !SITE_FOLDERS.has(entries[0].name)) return path.join(dir, entries[0].name);
  return dir;
}

/** Which generator the folder was written for. */
export async function detectSiteFlavor(dir: string): Promise<SiteFlavor> {
  const root = await siteRoot(dir);
  if ((await isDir(path.join(root, '_posts'))) || (await isDir(path.join(root, '_drafts'))) || (await isFile(path.join(root, '_config.yml')))) return 'jekyll';
  if (await isDir(path.join(root, 'content'))) return 'hugo';
  for (const name of ['.eleventy.js', 'eleventy.config.js', 'eleventy.config.mjs', 'eleventy.config.cjs', '.eleventy.cjs']) {
    if (await isFile(path.join(root, name))) return 'eleventy';
  }
  return 'markdown';
}

/**
 * A cheap sniff for format detection: a folder with `_posts`, `_drafts` or `content/`, or whose first Markdown files
 * (a look at up to 200 entries, three folders deep) start with front matter.
 */
export async function looksLikeMarkdownSite(dir: string): Promise<boolean> {
  if (!(await isDir(dir))) return false;
  const root = await siteRoot(dir);
  if ((await isDir(path.join(root, '_posts'))) || (await isDir(path.join(root, '_drafts')))) return true;
  if ((await isDir(path.join(root, 'content'))) && (await isFile(path.join(root, 'hugo.toml')) || await isFile(path.join(root, 'config.toml')) || await isFile(path.join(root, 'hugo.yaml')))) return true;
  let seen = 0;
  const queue: [string, number][] = [[root, 0]];
  while (queue.length > 0 && seen < 200) {
    const [folder, depth] = queue.shift()!;
    const entries = await fs.readdir(folder, { withFileTypes: true }).catch(() => [] as Dirent[]);
    for (const entry of entries) {
      if (++seen > 200) break;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory() && depth < 3 && !entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name)) queue.push([full, depth + 1]);
      else if (entry.isFile() && MARKDOWN_EXTENSIONS.has(path.extname(entry.name).toLowerCase()) && entry.name !== 'potluck.json') {
        const handle = await fs.open(full, 'r');
        try {
          const { bytesRead, buffer } = await handle.read(Buffer.alloc(512), 0, 512, 0);
          if (hasFrontMatter(buffer.subarray(0, bytesRead).toString('utf8'))) return true;
        } finally {
          await handle.close();
        }
      }
    }
  }
  return false;
}

/** One Markdown file that may become a piece, by its path inside the site folder. */
interface Candidate {
  rel: string;
  draftFolder: boolean;
  /** In Jekyll's `_posts`: must be named `YYYY-MM-DD-title`. */
  post: boolean;
}

/** Walks `start` (inside `root`) without following links; calls `visitFile` for regular files. */
async function walk(
  root: string,
  start: string,
  skipFolder: (rel: string, name: string) => boolean,
  visitFile: (rel: string) => void,
  state: { files: number; warnings: string[]; signal?: AbortSignal },
): Promise<void> {
  const stack: [string, number][] = [[start, 0]];
  while (stack.length > 0) {
    const [folder, depth] = stack.pop()!;
    state.signal?.throwIfAborted();
    const entries = await fs.readdir(folder, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? 1 : -1));
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (++state.files > MAX_SITE_FILES) {
        throw new PotluckError('BAD_ARCHIVE', `The folder holds more than ${MAX_SITE_FILES.toLocaleString('en')} files; import the folder of posts (such as _posts or content) on its own.`);
      }
      if (entry.isSymbolicLink()) {
        if (MARKDOWN_EXTENSIONS.has(path.extname(entry.name).toLowerCase()) || !path.extname(entry.name)) {
          state.warnings.push(`${rel}: a link to somewhere else, not a file; left out.`);
        }
        continue;
      }
      if (entry.isDirectory()) {
        if (depth + 1 > MAX_DEPTH) {
          state.warnings.push(`${rel}: folders nested deeper than ${MAX_DEPTH} levels are not looked into.`);
          continue;
        }
        if (!skipFolder(rel, entry.name)) stack.push([full, depth + 1]);
      } else if (entry.isFile()) visitFile(rel);
    }
  }
}

function byPath(a: Candidate, b: Candidate): number {
  return a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0;
}

/** The Markdown files of the site that may be pieces, in a stable order. */
async function candidatesOf(root: string, flavor: SiteFlavor, warnings: string[], signal?: AbortSignal): Promise<{ list: Candidate[]; contentRoot: string }> {
  const state = { files: 0, warnings, signal };
  const list: Candidate[] = [];
  const ext = (rel: string) => path.extname(rel).toLowerCase();
  const hidden = (name: string) => name.startsWith('.') || SKIPPED_FOLDERS.has(name);
  if (flavor === 'jekyll') {
    for (const folder of ['_posts', '_drafts']) {
      if (!(await isDir(path.join(root, folder)))) continue;
      await walk(root, path.join(root, folder), (_rel, name) => hidden(name), (rel) => {
        if (JEKYLL_EXTENSIONS.has(ext(rel))) list.push({ rel, draftFolder: folder === '_drafts', post: folder === '_posts' });
        else if (!isPictureName(rel) && !path.basename(rel).startsWith('.')) warnings.push(`${rel}: not a Markdown file; left out.`);
      }, state);
    }
    await walk(root, root, (_rel, name) => hidden(name) || name.startsWith('_'), (rel) => {
      if (MARKDOWN_EXTENSIONS.has(ext(rel)) && !NOT_PIECES.test(path.basename(rel))) list.push({ rel, draftFolder: false, post: false });
    }, state);
    return { list: list.sort(byPath), contentRoot: root };
  }
  const contentRoot = flavor === 'hugo' ? path.join(root, 'content') : root;
  const found: string[] = [];
  await walk(root, contentRoot, (_rel, name) => hidden(name) || (flavor !== 'hugo' && name.startsWith('_')), (rel) => {
    if (MARKDOWN_EXTENSIONS.has(ext(rel)) && !NOT_PIECES.test(path.basename(rel))) found.push(rel);
  }, state);
  // A Hugo leaf bundle (a folder with index.md) is one page: other Markdown files inside it are its resources.
  const stem = (rel: string) => path.posix.basename(rel, path.posix.extname(rel));
  const bundles = flavor === 'hugo'
    ? found.filter((rel) => stem(rel) === 'index' && path.posix.dirname(rel) !== 'content').map((rel) => `${path.posix.dirname(rel)}/`)
    : [];
  for (const rel of found) {
    if (bundles.some((b) => rel.startsWith(b) && !(stem(rel) === 'index' && `${path.posix.dirname(rel)}/` === b))) continue;
    list.push({ rel, draftFolder: false, post: false });
  }
  return { list: list.sort(byPath), contentRoot };
}

/** Reads a date as site generators write them: `2010-01-10 13:07:09 +00:00`, ISO 8601, `2009-01-27`; UTC when no zone is given. */
export function parseSiteDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  let offset = 0;
  if (zone && /^[+-]/.test(zone)) {
    const digits = zone.replace(':', '');
    offset = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * (zone.startsWith('-') ? -1 : 1);
  }
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(`0.${frac}`) * 1000) - offset * 60_000;
  const date = new Date(ms);
  if (Number.isNaN(ms) || date.getUTCFullYear() < 1900 || date.getUTCFullYear() > 2200 || Number(mo) > 12 || Number(d) > 31) return undefined;
  return date;
}

function truthy(value: unknown): boolean {
  return value === true || (typeof value === 'string' && /^(?:true|yes|on)$/i.test(value.trim()));
}

function falsy(value: unknown): boolean {
  return value === false || (typeof value === 'string' && /^(?:false|no|off)$/i.test(value.trim()));
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined;
}

/** The last part of a permalink or slug that can be an address (`/blog/:title/` gives nothing). */
function slugFrom(value: unknown): string | undefined {
  const raw = text(value);
  if (!raw || /[:{}]/.test(raw)) return undefined;
  let last = raw.split(/[?#]/, 1)[0].split('/').filter((p) => p !== '' && p !== '.' && p !== '..').pop();
  if (!last) return undefined;
  try {
    last = decodeURIComponent(last);
  } catch {
    // Kept as written.
  }
  last = last.replace(/\.html?$/i, '');
  return last === '' || last === '..' || last === '.' || last === 'index' ? undefined : last;
}

function titleFromName(stem: string): string {
  const words = stem.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const LIQUID = /\{%-?[\s\S]*?-?%\}|\{\{-?(?![<%])[\s\S]*?\}\}/;
const SHORTCODE = /\{\{<[\s\S]*?>\}\}|\{\{%[\s\S]*?%\}\}/;

const parser = unified().use(remarkParse).use(remarkGfm).freeze();

/** A place in the body where a file's address is written. */
interface Place {
  /** Where the address is written. */
  start: number;
  end: number;
  /** The whole link, picture or definition, and for a link where its text is. */
  from: number;
  to: number;
  text?: { from: number; to: number };
  url: string;
  as: 'image' | 'link' | 'definition' | 'html-image';
  alt: string;
}

function isLocalUrl(url: string): boolean {
  const value = url.trim();
  return value !== '' && !value.startsWith('#') && !value.startsWith('//') && !/^[a-z][a-z0-9+.-]*:/i.test(value);
}

/** Finds every local link, picture and definition in a body, with where its address is written. */
function findPlaces(body: string): Place[] {
  const places: Place[] = [];
  const tree = parser.parse(body);
  const locate = (from: number, to: number, url: string, lead: RegExp) => {
    const slice = body.slice(from, to);
    let match: RegExpExecArray | null;
    lead.lastIndex = 0;
    let found: { start: number; end: number } | undefined;
    while ((match = lead.exec(slice))) {
      const start = from + match.index + match[0].length;
      const raw = /^(<[^>\n]*>|[^\s)]+)/.exec(body.slice(start, to))?.[1];
      if (!raw) continue;
      const inner = raw.startsWith('<') ? raw.slice(1, -1) : raw;
      const unescaped = inner.replace(/\\([!-/:-@[-`{-~])/g, '$1');
      if (unescaped === url || safeDecode(unescaped) === safeDecode(url)) found = { start: start + (raw.startsWith('<') ? 1 : 0), end: start + (raw.startsWith('<') ? 1 : 0) + inner.length };
      if (found) break;
    }
    return found;
  };
  visit(tree, (node) => {
    const from = node.position?.start.offset;
    const to = node.position?.end.offset;
    if (from === undefined || to === undefined) return;
    if ((node.type === 'image' || node.type === 'link' || node.type === 'definition') && isLocalUrl(node.url)) {
      const spot = locate(from, to, node.url, node.type === 'definition' ? /\]:[ \t]*(?:\n[ \t]*)?/g : /\]\([ \t]*(?:\n[ \t]*)?/g);
      const first = node.type === 'link' ? node.children[0]?.position?.start.offset : undefined;
      const last = node.type === 'link' ? node.children.at(-1)?.position?.end.offset : undefined;
      const text = first !== undefined && last !== undefined ? { from: first, to: last } : undefined;
      if (spot) places.push({ ...spot, from, to, text, url: node.url, as: node.type, alt: node.type === 'image' ? (node.alt ?? '') : '' });
    } else if (node.type === 'html') {
      const img = /^<img\b[^>]*?\bsrc\s*=\s*(["'])([^"']+)\1[^>]*>$/i.exec(node.value.trim());
      if (img && isLocalUrl(img[2])) {
        const alt = /\balt\s*=\s*(["'])([^"']*)\1/i.exec(img[0])?.[2] ?? '';
        places.push({ start: from, end: to, from, to, url: img[2], as: 'html-image', alt });
      } else if (/<img\b[^>]*\bsrc\s*=\s*["'](?![a-z][a-z0-9+.-]*:|\/\/|#)/i.test(node.value)) {
        places.push({ start: from, end: from, from, to: from, url: '', as: 'html-image', alt: '' });
      }
    }
  });
  return places.sort((a, b) => a.start - b.start);
}

function safeDecode(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

/** Context of one conversion: what has been brought along so far and where to look for files. */
interface SiteContext {
  root: string;
  flavor: SiteFlavor;
  warnings: string[];
  copiedBytes: number;
}

/** Finds the file a local address in `rel` names (a site path in Hugo's static/ and assets/ too); see localFiles.ts. */
function resolveLocal(ctx: SiteContext, rel: string, url: string): Promise<LocalFile> {
  const sitePaths = ctx.flavor === 'hugo' ? [path.join(ctx.root, 'static'), path.join(ctx.root, 'assets'), ctx.root] : [ctx.root];
  return localFile(ctx.root, url, { from: path.join(ctx.root, path.dirname(rel)), sitePaths });
}

/** Brings the files a body refers to along, pointing the body at them; returns the new body and the files. */
async function bringFiles(
  ctx: SiteContext,
  rel: string,
  body: string,
  cover: string | undefined,
  keep: ReadonlySet<string> = new Set(),
): Promise<{ body: string; files: StagedFile[]; cover?: string }> {
  const files: StagedFile[] = [];
  const nameOf = new Map<string, string>();
  const taken = new Set<string>([...keep].map((k) => k.toLowerCase()));
  const missing = new Set<string>();
  let htmlLeft = false;
  const attach = async (url: string, placeAs: Place['as']): Promise<string | undefined> => {
    const as = placeAs === 'definition' ? 'link' : placeAs;
    const found = await resolveLocal(ctx, rel, url);
    if (!found.ok) {
      if (as !== 'link' || found.why === 'outside' || found.why === 'link' || found.why === 'large') {
        const why = { missing: 'is not in the folder', outside: 'points outside the folder', link: 'is a link to somewhere else', large: 'is larger than Potluck takes', folder: 'is a folder' }[found.why];
        if (as !== 'link' || found.why !== 'missing') missing.add(`${url} ${why}`);
      }
      return undefined;
    }
    const ext = path.extname(found.full).toLowerCase();
    // Links to other pages of the old site stay as written; a link to a PDF or a picture brings the file.
    if (as === 'link' && (MARKDOWN_EXTENSIONS.has(ext) || ext === '.html' || ext === '.htm' || ext === '')) return undefined;
    const known = nameOf.get(found.full);
    if (known) return known;
    if (ctx.copiedBytes + found.size > MAX_SITE_FILE_BYTES) {
      missing.add(`${url} was left out: the files brought along would pass ${MAX_SITE_FILE_BYTES / 1024 ** 3} GB`);
      return undefined;
    }
    ctx.copiedBytes += found.size;
    const name = uniqueFileName(path.basename(found.full), taken);
    nameOf.set(found.full, name);
    files.push({ name, from: found.full });
    return name;
  };

  let unlinked = 0;
  // Edits are made in passes: a picture inside a link is rewritten in the first, and the link around it (when it
  // becomes its text) in the next, on the text the first pass left.
  const keeping = new Set(keep);
  let current = body;
  for (let pass = 0; pass < 4; pass++) {
    let out = '';
    let at = 0;
    let deferred = false;
    const put = (from: number, to: number, text: string): boolean => {
      if (from < at) {
        deferred = true;
        return false;
      }
      out += current.slice(at, from) + text;
      at = to;
      return true;
    };
    for (const place of findPlaces(current)) {
      if (place.url === '') {
        htmlLeft = true;
        continue;
      }
      if (keeping.has(safeDecode(place.url.split(/[?#]/, 1)[0]))) continue;
      if (place.from < at) {
        deferred = true;
        continue;
      }
      const name = await attach(place.url, place.as);
      if (name === undefined) {
        // What cannot come along must not stay as an address of a file beside the piece, which the archive refuses
        // (and which would be a broken picture): a picture becomes its description, a link to another page of the
        // old site becomes its text. Addresses from the site root (/2009/01/27/post.html) stay links.
        const relative = !place.url.trim().startsWith('/');
        if (place.as === 'image') put(place.from, place.to, place.alt ? `*${place.alt.replace(/[\\`*_[\]<>]/g, '\\$&')}*` : '');
        else if (!relative) continue;
        else if (place.as === 'link' && put(place.from, place.to, place.text ? current.slice(place.text.from, place.text.to) : '')) unlinked++;
        else if (place.as === 'definition' && put(place.start, place.end, '#')) unlinked++;
        continue;
      }
      keeping.add(name);
      const fragment = place.as !== 'image' && place.as !== 'html-image' && place.url.includes('#') ? place.url.slice(place.url.indexOf('#')) : '';
      if (place.as === 'html-image') put(place.from, place.to, `![${place.alt.replace(/[[\]\\]/g, '\\$&')}](${encodeURI(name)})`);
      else put(place.start, place.end, `${encodeURI(name)}${fragment}`);
    }
    current = out + current.slice(at);
    if (!deferred) break;
  }
  let coverName: string | undefined;
  if (cover !== undefined && isLocalUrl(cover)) coverName = await attach(cover, 'image');
  for (const m of missing) ctx.warnings.push(`${rel}: ${m}; it was not brought along.`);
  if (unlinked > 0) ctx.warnings.push(`${rel}: ${unlinked} link${unlinked === 1 ? '' : 's'} to other pages of the old site became plain text.`);
  if (htmlLeft) ctx.warnings.push(`${rel}: a picture inside HTML was left as written and will not show; add it again in the editor.`);
  return { body: current, files, cover: coverName };
}

/**
 * Brings the files a Markdown body refers to along from beside `rel` inside `root` (never outside it, never through a
 * link), and turns references to what cannot come along into text, as for a site's posts. Addresses in `keep` are
 * files the caller stages itself (pictures taken out of a document) and are left as they are.
 */
export async function bringAlongFiles(
  root: string,
  rel: string,
  body: string,
  warnings: string[],
  keep?: ReadonlySet<string>,
): Promise<{ body: string; files: StagedFile[] }> {
  const ctx: SiteContext = { root, flavor: 'markdown', warnings, copiedBytes: 0 };
  const { body: out, files } = await bringFiles(ctx, rel, body, undefined, keep);
  return { body: out, files };
}

function coverOf(data: Record<string, unknown>): string | undefined {
  const c = data.cover;
  if (typeof c === 'string') return c;
  if (c && typeof c === 'object' && typeof (c as { image?: unknown }).image === 'string') return (c as { image: string }).image;
  for (const key of ['image', 'featured_image', 'featuredImage', 'thumbnail']) if (typeof data[key] === 'string') return data[key] as string;
  if (Array.isArray(data.images) && typeof data.images[0] === 'string') return data.images[0];
  return undefined;
}

/** Converts a folder of Markdown (Jekyll, Hugo, Eleventy) into a potluck-archive/1 folder; see the file comment. */
export const convertMarkdownFolder: Converter = async (input: ConvertInput): Promise<ConvertReport> => {
  const stat = await fs.lstat(input.source).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} is not a folder; pass the folder of the site (the one holding _posts or content), or a zip of it.`);
  }
  const root = await fs.realpath(await siteRoot(await fs.realpath(input.source)));
  const flavor = await detectSiteFlavor(root);
  const warnings: string[] = [];
  const drafts: string[] = [];
  const { list } = await candidatesOf(root, flavor, warnings, input.signal);
  if (list.length > MAX_SITE_PIECES) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} holds ${list.length.toLocaleString('en')} Markdown files, more than the ${MAX_SITE_PIECES.toLocaleString('en')} one import takes; import it in parts.`);
  }
  const ctx: SiteContext = { root, flavor, warnings, copiedBytes: 0 };
  const staged = new StagedArchive(input.out, { handle: input.handle });
  let done = 0;
  for (const candidate of list) {
    input.signal?.throwIfAborted();
    input.onProgress?.({ step: 'convert', done: done++, total: list.length, item: candidate.rel });
    const { rel } = candidate;
    const full = path.join(root, rel);
    const fileStat = await fs.lstat(full);
    if (fileStat.size > MAX_MARKDOWN_BYTES) {
      warnings.push(`${rel}: larger than ${MAX_MARKDOWN_BYTES / 1024 / 1024} MB, more text than one piece holds; left out.`);
      continue;
    }
    const source = await fs.readFile(full, 'utf8');
    const read = readFrontMatter(source, rel);
    if (!read.ok) {
      warnings.push(`${rel}: ${read.problem}; left out (fix the front matter and import again).`);
      continue;
    }
    warnings.push(...read.warnings);
    const { data } = read;
    const base = path.posix.basename(rel, path.posix.extname(rel));
    const named = JEKYLL_POST_NAME.exec(base);
    if (candidate.post && !named) {
      warnings.push(`${rel}: not named YYYY-MM-DD-title, so Jekyll never published it as a post; left out.`);
      continue;
    }
    // Outside the posts, a Jekyll file is a page only when it has front matter (otherwise Jekyll copies it as it is).
    if (flavor === 'jekyll' && !candidate.post && !candidate.draftFolder && read.format === 'none') continue;
    let body = read.body;
    if (body.trim() === '') {
      if (!candidate.post && !candidate.draftFolder) continue;
      warnings.push(`${rel}: has no text; left out.`);
      continue;
    }
    const bundle = flavor === 'hugo' && base === 'index' ? path.posix.basename(path.posix.dirname(rel)) : undefined;
    // A section's or the home page's index is named by its folder; the home page (at the top) by its title.
    const folder = path.posix.dirname(rel);
    const top = folder === '.' || (flavor === 'hugo' && folder === 'content');
    const nameSlug = named?.[4] ?? (base === 'index' || base === '_index' ? (top ? undefined : (bundle ?? path.posix.basename(folder))) : base);
    const heading = /^#\s+(.+?)\s*#*\s*$/m.exec(body)?.[1];
    const title = text(data.title) ?? (heading && !LIQUID.test(heading) ? heading : undefined) ?? (named ? titleFromName(named[4]) : '');
    const fileDate = named ? parseSiteDate(`${named[1]}-${named[2].padStart(2, '0')}-${named[3].padStart(2, '0')}`) : undefined;
    const frontDate = data.date ?? data.publishDate ?? data.pubDate;
    let date = parseSiteDate(frontDate) ?? fileDate;
    if (frontDate !== undefined && frontDate !== null && !parseSiteDate(frontDate)) {
      warnings.push(`${rel}: the date "${String(frontDate)}" could not be read; ${fileDate ? 'the date in the file name' : "the file's date"} was used.`);
    }
    date ??= fileStat.mtime;
    const updated = parseSiteDate(data.lastmod ?? data.updated ?? data.last_modified_at ?? data.modified);
    const tagResult = importableTags([...readTagList(data.tags), ...readTagList(data.categories), ...readTagList(data.category)]);
    warnings.push(...tagWarnings(rel, tagResult));
    const uniqueTags = tagResult.tags;
    const summary = text(data.description) ?? text(data.excerpt) ?? text(data.summary);
    const canonicalRaw = text(data.canonical_url) ?? text(data.canonicalURL) ?? text(data.canonical);
    const canonical = canonicalRaw && /^https?:\/\/[^\s]+$/i.test(canonicalRaw) ? canonicalRaw : undefined;
    const slug = slugFrom(data.slug) ?? slugFrom(data.permalink) ?? slugFrom(data.url) ?? slugFrom(nameSlug);

    if (SHORTCODE.test(body)) warnings.push(`${rel}: has Hugo shortcodes ({{< … >}} or {{% … %}}), kept as plain text; edit them by hand.`);
    if (LIQUID.test(body.replace(SHORTCODE, ''))) warnings.push(`${rel}: has Liquid template tags ({% … %} or {{ … }}), kept as plain text; edit them by hand.`);
    const brought = await bringFiles(ctx, rel, body, coverOf(data));
    body = brought.body;

    const id = foreignId('markdown', input.handle, rel);
    const added = await staged.add({ id, slug, title, date, updated, summary, tags: uniqueTags, body, canonical, files: brought.files, cover: brought.cover });
    if (!added) continue;
    if (candidate.draftFolder || truthy(data.draft) || falsy(data.published)) drafts.push(id);
  }
  input.onProgress?.({ step: 'convert', done, total: list.length });
  if (staged.size === 0) {
    throw new PotluckError(
      'BAD_ARCHIVE',
      `${input.label} has no Markdown posts to bring in; pass the folder of the site (with _posts for Jekyll, content/ for Hugo, or .md files with front matter).`,
    );
  }
  await staged.finish(new Date());
  return { kind: 'markdown', platform: platformNames[flavor], warnings, drafts };
};
