/**
 * Files referenced from an artifact body: `![alt](photo.jpg)`, `[slides](slides.pdf)`, `[logo]: logo.png`, and
 * in MDX `<Figure src="photo.jpg" …/>`. In an archive these point at files beside index.md; in Potluck they
 * become `media:ID`. Only the URL text is replaced, found by its exact place in the source, so everything else
 * the student wrote stays byte for byte as it was.
 */
import remarkGfm from 'remark-gfm';
import remarkMdx from 'remark-mdx';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import type { Root } from 'mdast';

/** One reference to a file, with where its URL text sits in the body. */
export interface FileReference {
  /** The URL as written (after Markdown unescaping). */
  url: string;
  /** `#page=2` and the like, kept when the URL is rewritten. */
  fragment: string;
  /** Alt text when the file is shown as an image. */
  alt: string;
  as: 'image' | 'link' | 'figure';
  /** 1-based line and column of the reference in the body. */
  line: number;
  column: number;
  /** Offsets of the URL text in the body; undefined when it could not be located (escaped characters). */
  start?: number;
  end?: number;
}

/** What a reference is, from the point of view of the archive. */
export type ReferenceCheck = { ok: true; path: string } | { ok: false; message: string };

const markdownParser = unified().use(remarkParse).use(remarkGfm).freeze();
const mdxParser = unified().use(remarkParse).use(remarkGfm).use(remarkMdx).freeze();

/** Whether a URL is relative to the artifact's folder (not a web address, site path, anchor or `media:ID`). */
export function isRelativeFileUrl(url: string): boolean {
  const value = url.trim();
  if (value === '' || value.startsWith('#') || value.startsWith('?') || value.startsWith('/')) return false;
  return !/^[a-z][a-z0-9+.-]*:/i.test(value);
}

/** Turns a relative URL into a path inside the artifact folder, or says why it cannot be one. */
export function checkRelativePath(url: string): ReferenceCheck {
  const raw = url.trim().split(/[?#]/, 1)[0];
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { ok: false, message: `"${url}" is not a valid file name (a stray "%")` };
  }
  if (decoded.includes('\\') || decoded.includes('\0')) {
    return { ok: false, message: `"${url}" is not a valid file name; use "/" between folders` };
  }
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) {
    return {
      ok: false,
      message: `"${url}" points outside the artifact's folder; put the file beside index.md and write just its name`,
    };
  }
  if (parts.length === 0 || decoded.endsWith('/')) {
    return { ok: false, message: `"${url}" is a folder, not a file; link to a file beside index.md, or write a full https:// address` };
  }
  return { ok: true, path: parts.join('/') };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

type Positioned = { position?: { start: { offset?: number; line: number; column: number }; end: { offset?: number } } };

// The URL of a link, image or definition sits after `](` or `]:`, possibly in angle brackets. Searching from the
// end of the link text (or the start of an image) finds the destination before any title that repeats it.
function locateDestination(source: string, from: number, to: number, url: string, definition: boolean) {
  const slice = source.slice(from, to);
  const lead = definition ? String.raw`\]:[ \t]*(?:\r?\n[ \t]*)?` : String.raw`\]\([ \t]*(?:\r?\n[ \t]*)?`;
  const match = new RegExp(`${lead}<?(${escapeRegExp(url)})(?=>|[\\s)]|$)`).exec(slice);
  if (!match) return undefined;
  const start = from + match.index + match[0].length - match[1].length;
  return { start, end: start + url.length };
}

function locateAttribute(source: string, from: number, to: number, name: string, value: string) {
  const slice = source.slice(from, to);
  const match = new RegExp(`\\b${name}\\s*=\\s*(["'])(${escapeRegExp(value)})\\1`).exec(slice);
  if (!match) return undefined;
  const start = from + match.index + match[0].length - 1 - match[2].length;
  return { start, end: start + value.length };
}

/**
 * Finds every relative file reference in a body. MDX that does not parse yields no references (the renderer
 * reports the syntax error with its line).
 */
export function findFileReferences(body: string, format: 'markdown' | 'mdx'): FileReference[] {
  return findReferences(body, format, isRelativeFileUrl, RELATIVE_CANDIDATE);
}

const isMediaUrl = (url: string) => mediaReferenceId(url) !== undefined;

/**
 * The id of the Potluck media item a URL names: `media:ID` (with an optional `#fragment`) or a path on this
 * instance, `/media/ID/…` (the renderer treats both as the item). Undefined for any other URL.
 */
export function mediaReferenceId(url: string): string | undefined {
  const m = /^(?:media:|\/media\/)([A-Za-z0-9_-]{1,128})(?:$|#|(?<=\/media\/[A-Za-z0-9_-]{1,128})[/?#])/.exec(url.trim());
  return m?.[1];
}

/**
 * Finds every reference to a Potluck media item in a body (`media:ID`, `/media/ID/…`), located the same way as file
 * references: the exporter turns them into file names with `replaceFileReferences`, the importer turns those back
 * into `media:ID`.
 */
export function findMediaReferences(body: string, format: 'markdown' | 'mdx'): FileReference[] {
  return findReferences(body, format, isMediaUrl, MEDIA_CANDIDATE);
}

// Parsing is the slow part of an export or import of a large history (thousands of revisions), so a body is parsed
// only where a reference could be. A candidate pattern is a superset: every reference the parser would report
// matches it (a link destination, a definition or a src= that could hold the URL), so a body without a match has
// none. A body with matches is cut into chunks where Markdown starts afresh (a blank line, then a line at the left
// margin, outside fenced code) and only the chunks with a match are parsed. Whatever could carry state across such
// a cut — MDX, HTML blocks that span blank lines, link reference definitions (which change how other links parse)
// — makes the whole body parsed instead.
const MEDIA_CANDIDATE = /media:|\/media\//;
const RELATIVE_CANDIDATE = /\]\(\s*<?(?![A-Za-z][A-Za-z0-9+.-]*:|[#?/])|\]:|src\s*=/;
const SPANNING_HTML = /<(?:!--|script|pre|style|textarea|\?|!\[CDATA\[|![A-Za-z])/i;
const DEFINITION_LINE = /^ {0,3}\[[^\]]+\]:/m;
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Offsets where Markdown starts afresh: after a blank line, at a line with no indentation, outside fenced code. */
export function chunkStarts(body: string): number[] {
  const starts = [0];
  let fence: { char: string; length: number } | null = null;
  let previousBlank = false;
  let offset = 0;
  for (const line of body.split('\n')) {
    const here = offset;
    offset += line.length + 1;
    if (fence) {
      const close = FENCE.exec(line);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length && close[2].trim() === '') fence = null;
      previousBlank = false;
      continue;
    }
    const blank = line.trim() === '';
    if (previousBlank && !blank && !/^\s/.test(line) && here > 0) starts.push(here);
    const open = FENCE.exec(line);
    if (open && !(open[1][0] === '`' && open[2].includes('`'))) fence = { char: open[1][0], length: open[1].length };
    previousBlank = blank;
  }
  return starts;
}

function findReferences(body: string, format: 'markdown' | 'mdx', accept: (url: string) => boolean, candidate: RegExp): FileReference[] {
  if (!candidate.test(body)) return [];
  if (format === 'mdx' || SPANNING_HTML.test(body) || DEFINITION_LINE.test(body)) return parseReferences(body, format, accept);
  const starts = chunkStarts(body);
  const refs: FileReference[] = [];
  let line = 1;
  for (let i = 0; i < starts.length; i++) {
    const chunk = body.slice(starts[i], starts[i + 1] ?? body.length);
    if (candidate.test(chunk)) {
      for (const ref of chunkReferences(chunk, format, accept)) {
        refs.push({
          ...ref,
          line: ref.line + line - 1,
          start: ref.start === undefined ? undefined : ref.start + starts[i],
          end: ref.end === undefined ? undefined : ref.end + starts[i],
        });
      }
    }
    line += chunk.split('\n').length - 1;
  }
  return refs;
}

// The versions of a piece repeat most of its text, and an export or import looks at each body more than once (to
// name its files, then to rewrite them), so the chunks parsed last are remembered: a chunk seen again costs a map
// lookup, not a parser (about half a millisecond each, mostly building the parser). Only for the two fixed `accept`
// functions of this module, whose answers depend on the text alone; results are copied before they are returned.
const CHUNK_MEMO_ENTRIES = 512;
const CHUNK_MEMO_MAX_LENGTH = 16_384;
const chunkMemo = new Map<string, FileReference[]>();
const memoKind = new Map<(url: string) => boolean, string>([
  [isRelativeFileUrl, 'file:'],
  [isMediaUrl, 'media:'],
]);

/** The references of one chunk (offsets within it), parsed once per distinct text while it is remembered. */
function chunkReferences(chunk: string, format: 'markdown' | 'mdx', accept: (url: string) => boolean): FileReference[] {
  const kind = memoKind.get(accept);
  if (kind === undefined || chunk.length > CHUNK_MEMO_MAX_LENGTH) return parseReferences(chunk, format, accept);
  const key = `${kind}${format}\n${chunk}`;
  let refs = chunkMemo.get(key);
  if (refs) {
    // Most recently used last, so the oldest is the one dropped.
    chunkMemo.delete(key);
  } else {
    refs = parseReferences(chunk, format, accept);
    if (chunkMemo.size >= CHUNK_MEMO_ENTRIES) chunkMemo.delete(chunkMemo.keys().next().value!);
  }
  chunkMemo.set(key, refs);
  return refs;
}

/** Every accepted reference of one piece of Markdown, parsed whole. */
function parseReferences(body: string, format: 'markdown' | 'mdx', accept: (url: string) => boolean): FileReference[] {
  let tree: Root;
  try {
    tree = (format === 'mdx' ? mdxParser : markdownParser).parse(body);
  } catch {
    return [];
  }
  const imageAlts = new Map<string, string>();
  visit(tree, 'imageReference', (node) => {
    if (!imageAlts.has(node.identifier)) imageAlts.set(node.identifier, node.alt ?? '');
  });
  const refs: FileReference[] = [];
  const add = (url: string, node: Positioned, as: FileReference['as'], alt: string, place?: { start: number; end: number }) => {
    if (!accept(url)) return;
    const hashAt = url.indexOf('#');
    refs.push({
      url,
      fragment: hashAt === -1 ? '' : url.slice(hashAt),
      alt,
      as,
      line: node.position?.start.line ?? 1,
      column: node.position?.start.column ?? 1,
      start: place?.start,
      end: place?.end,
    });
  };
  visit(tree, (node) => {
    const n = node as typeof node & Positioned;
    const from = n.position?.start.offset;
    const to = n.position?.end.offset;
    if (from === undefined || to === undefined) return;
    if (node.type === 'image') {
      add(node.url, n, 'image', node.alt ?? '', locateDestination(body, from, to, node.url, false));
    } else if (node.type === 'link') {
      const last = node.children.at(-1) as Positioned | undefined;
      const after = last?.position?.end.offset ?? from;
      add(node.url, n, 'link', '', locateDestination(body, after, to, node.url, false));
    } else if (node.type === 'definition') {
      add(node.url, n, imageAlts.has(node.identifier) ? 'image' : 'link', imageAlts.get(node.identifier) ?? '',
        locateDestination(body, from, to, node.url, true));
    } else if ((node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') && node.name === 'Figure') {
      const attr = (name: string) => {
        const a = node.attributes.find((x) => x.type === 'mdxJsxAttribute' && x.name === name);
        return a && typeof a.value === 'string' ? a.value : undefined;
      };
      const src = attr('src');
      if (src === undefined) return;
      const firstChild = (node.children[0] as Positioned | undefined)?.position?.start.offset;
      add(src, n, 'figure', attr('alt') ?? '', locateAttribute(body, from, firstChild ?? to, 'src', src));
    }
  });
  return refs.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
}

/** Replaces located references with new URLs (`media:ID#fragment`); references without a place are left as they are. */
export function replaceFileReferences<R extends FileReference>(
  body: string,
  refs: R[],
  urlFor: (ref: R) => string | undefined,
): string {
  const located = refs
    .filter((r) => r.start !== undefined && r.end !== undefined)
    .sort((a, b) => (b.start ?? 0) - (a.start ?? 0));
  let out = body;
  for (const ref of located) {
    const url = urlFor(ref);
    if (url === undefined) continue;
    out = out.slice(0, ref.start) + url + out.slice(ref.end);
  }
  return out;
}
