/**
 * HTML from other platforms as a Potluck Markdown body: WordPress posts, feed items, Leap2A entries, and documents
 * (Word through mammoth, OpenDocument through odf-kit, saved web pages), so an imported piece is text the student
 * can edit like any other.
 *
 * The HTML is sanitized first with the one Potluck allowlist, then the common elements become Markdown:
 * paragraphs, headings, emphasis, links, pictures, lists, quotes, code, rules and simple tables. Pictures and links
 * must be Markdown, not HTML, because only Markdown references are how an archive points at the files beside a
 * piece. What Markdown cannot say (tables with merged or block cells, embedded players, definition lists) stays as
 * its sanitized HTML, one block each, which the renderer sanitizes again.
 */
import { randomUUID } from 'node:crypto';
import type { Element, ElementContent, Root, RootContent } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { rehypeParseHtml } from '../../core/html/parse.ts';
import { unified } from 'unified';
import { sanitizeHtml } from '../../core/markdown/sanitize.ts';
import { fileNameOf } from './fileKinds.ts';

const parser = unified().use(rehypeParseHtml, { fragment: true });
const documentParser = unified().use(rehypeParseHtml);

/** Pictures written into the HTML itself that a converter can take out into files (see `keepDataPictures`). */
const DATA_PICTURE = /^data:image\/(?:png|jpeg|gif|webp|avif);base64,/i;

const BLOCK_CONTAINERS = new Set(['div', 'section', 'article', 'header', 'footer', 'main', 'aside', 'nav', 'figure', 'address', 'center', 'body', 'html']);
const KEPT_AS_HTML = new Set(['table', 'dl', 'details', 'video', 'audio', 'iframe', 'object', 'math', 'svg']);
const BLOCKS = new Set([
  ...BLOCK_CONTAINERS,
  ...KEPT_AS_HTML,
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'pre', 'hr', 'figcaption',
]);

/** Escapes text so Markdown reads it literally. */
export function escapeMarkdownText(text: string): string {
  // An underscore inside a word never starts emphasis, so `file_name` stays as written; `&` is escaped only where
  // Markdown would read an entity, so text that says "&lt;" is not shown as "<".
  return text
    .replace(/([\\`*[\]<>|~])/g, '\\$1')
    .replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_')
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&');
}

/** A link or picture address as Markdown writes it (angle brackets when it has spaces or parentheses). */
export function markdownUrl(url: string): string {
  const clean = url.replace(/[\n\r]/g, '');
  return /[\s()<>]/.test(clean) ? `<${clean.replace(/[<>]/g, encodeURIComponent)}>` : clean;
}

function isElement(node: RootContent | ElementContent): node is Element {
  return node.type === 'element';
}

function prop(node: Element, name: string): string | undefined {
  const value = node.properties?.[name];
  if (value === undefined || value === null || value === false) return undefined;
  return Array.isArray(value) ? value.join(' ') : String(value);
}

function textContent(node: RootContent | ElementContent): string {
  if (node.type === 'text') return node.value;
  if (isElement(node)) return node.children.map(textContent).join('');
  return '';
}

function wrap(mark: string, inner: string): string {
  const trimmed = inner.trim();
  if (!trimmed) return inner;
  const lead = inner.match(/^\s*/)?.[0] ? ' ' : '';
  const tail = inner.match(/\s*$/)?.[0] ? ' ' : '';
  return `${lead}${mark}${trimmed}${mark}${tail}`;
}

function inline(nodes: Array<RootContent | ElementContent>): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') {
      out += escapeMarkdownText(node.value.replace(/\s+/g, ' '));
      continue;
    }
    if (!isElement(node)) continue;
    const tag = node.tagName;
    if (tag === 'br') out += '\\\n';
    else if (tag === 'strong' || tag === 'b') out += wrap('**', inline(node.children));
    else if (tag === 'em' || tag === 'i' || tag === 'cite') out += wrap('*', inline(node.children));
    else if (tag === 'del' || tag === 's' || tag === 'strike') out += wrap('~~', inline(node.children));
    else if (tag === 'sup' || tag === 'sub') {
      // Markdown has no syntax for them, and a footnote mark or a formula's index means something.
      const inner = inline(node.children);
      if (inner.trim()) out += `<${tag}>${inner}</${tag}>`;
    }
    else if (tag === 'code' || tag === 'kbd' || tag === 'samp') {
      const code = textContent(node).replace(/\s+/g, ' ');
      const fence = code.includes('`') ? '``' : '`';
      if (code) out += `${fence}${code.startsWith('`') ? ' ' : ''}${code}${code.endsWith('`') ? ' ' : ''}${fence}`;
    } else if (tag === 'img') {
      const src = prop(node, 'src');
      if (!src) continue;
      const alt = escapeMarkdownText((prop(node, 'alt') ?? '').replace(/\s+/g, ' ').trim());
      out += `![${alt}](${markdownUrl(src)})`;
    } else if (tag === 'a') {
      const href = prop(node, 'href');
      const text = inline(node.children).trim();
      if (!href) out += text;
      else out += `[${text || escapeMarkdownText(href)}](${markdownUrl(href)})`;
    } else out += inline(node.children);
  }
  return out;
}

function cleanInline(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .join('\n')
    .replace(/^(\\\n)+|(\\\n)+$/g, '')
    .trim();
}

/** Keeps a paragraph from being read as a heading, list or quote because of how its first line starts. */
function guardLineStarts(text: string): string {
  return text
    .replace(/^(\s*)(#{1,6}|[+-]|=+|-+)(?=\s|$)/gm, '$1\\$2')
    .replace(/^(\s*)(\d{1,9})([.)])(?=\s|$)/gm, '$1$2\\$3');
}

/** Plain text as Markdown that reads as written: escaped, and no line taken for a heading, list or quote. */
export function markdownText(text: string): string {
  return guardLineStarts(escapeMarkdownText(text));
}

function indent(text: string, prefix: string, first: string): string {
  return text
    .split('\n')
    .map((line, index) => (index === 0 ? first + line : line ? prefix + line : line))
    .join('\n');
}

function blocks(nodes: Array<RootContent | ElementContent>): string[] {
  const out: string[] = [];
  let run: Array<RootContent | ElementContent> = [];
  const flush = (): void => {
    const text = cleanInline(inline(run));
    if (text) out.push(guardLineStarts(text));
    run = [];
  };
  for (const node of nodes) {
    if (!isElement(node) || !BLOCKS.has(node.tagName)) {
      run.push(node);
      continue;
    }
    flush();
    const tag = node.tagName;
    if (tag === 'p' || tag === 'figcaption') {
      const text = cleanInline(inline(node.children));
      if (text) out.push(tag === 'figcaption' ? `*${text.replace(/\*/g, '\\*')}*` : guardLineStarts(text));
    } else if (/^h[1-6]$/.test(tag)) {
      const text = cleanInline(inline(node.children)).replace(/\\\n/g, ' ');
      if (text) out.push(`${'#'.repeat(Number(tag[1]))} ${text}`);
    } else if (tag === 'ul' || tag === 'ol') {
      const items = node.children.filter((c): c is Element => isElement(c) && c.tagName === 'li');
      const start = Number(prop(node, 'start') ?? 1) || 1;
      const lines = items.map((li, index) => {
        const marker = tag === 'ol' ? `${start + index}. ` : '- ';
        const inner = blocks(li.children).join('\n\n') || ' ';
        return indent(inner, ' '.repeat(marker.length), marker);
      });
      if (lines.length) out.push(lines.join('\n'));
    } else if (tag === 'li') {
      out.push(...blocks(node.children));
    } else if (tag === 'blockquote') {
      const inner = blocks(node.children).join('\n\n');
      if (inner) out.push(inner.split('\n').map((line) => (line ? `> ${line}` : '>')).join('\n'));
    } else if (tag === 'pre') {
      const code = textContent(node).replace(/\n$/, '');
      const fence = code.includes('```') ? '~~~~' : '```';
      out.push(`${fence}\n${code}\n${fence}`);
    } else if (tag === 'hr') {
      out.push('* * *');
    } else if (tag === 'table' && markdownTable(node) !== undefined) {
      out.push(markdownTable(node) as string);
    } else if (KEPT_AS_HTML.has(tag)) {
      const html = toHtml(node).replace(/\n\s*\n/g, '\n').trim();
      if (html) out.push(html);
    } else {
      out.push(...blocks(node.children));
    }
  }
  flush();
  return out;
}

/**
 * A table as GFM Markdown, when Markdown can say it: at least two rows (the first becomes the header; a single row
 * would be a header over nothing), every cell plain inline text or one paragraph of it, no merged cells. Otherwise undefined, and the
 * table stays as its sanitized HTML.
 */
function markdownTable(node: Element): string | undefined {
  const rows: Element[] = [];
  const collect = (el: Element): boolean => {
    for (const c of el.children) {
      if (!isElement(c)) continue;
      if (c.tagName === 'tr') rows.push(c);
      else if (c.tagName === 'thead' || c.tagName === 'tbody' || c.tagName === 'tfoot') collect(c);
      else return false;
    }
    return true;
  };
  if (!collect(node) || rows.length < 2) return undefined;
  const cells: string[][] = [];
  for (const row of rows) {
    const line: string[] = [];
    for (const cell of row.children) {
      if (!isElement(cell)) continue;
      if ((cell.tagName !== 'td' && cell.tagName !== 'th') || prop(cell, 'colSpan') || prop(cell, 'rowSpan')) return undefined;
      // A cell of one paragraph (as Word writes every cell) is that paragraph's text.
      const content = cell.children.filter((c) => isElement(c) || (c.type === 'text' && c.value.trim() !== ''));
      const only = content.length === 1 && isElement(content[0]) && content[0].tagName === 'p' ? content[0].children : cell.children;
      if (only.some((c) => isElement(c) && (BLOCKS.has(c.tagName) || c.tagName === 'br'))) return undefined;
      line.push(cleanInline(inline(only)).replace(/\n/g, ' '));
    }
    cells.push(line);
  }
  const width = Math.max(...cells.map((r) => r.length));
  if (width === 0) return undefined;
  const row = (line: string[]): string => `| ${Array.from({ length: width }, (_, i) => line[i] ?? '').join(' | ')} |`;
  return [row(cells[0]), `|${' --- |'.repeat(width)}`, ...cells.slice(1).map(row)].join('\n');
}

/** The `<body>` of `html` (all of it for a fragment): a document's `<head>`, with its `<title>`, is not text. */
function bodyOf(html: string): Root {
  const tree = documentParser.parse(html) as Root;
  const htmlElement = tree.children.find((c): c is Element => isElement(c) && c.tagName === 'html');
  const body = htmlElement?.children.find((c): c is Element => isElement(c) && c.tagName === 'body');
  return { type: 'root', children: (body?.children ?? []) as RootContent[] };
}

/**
 * HTML as a Markdown body, sanitized (ends with one newline; empty for empty HTML).
 *
 * `keepDataPictures`: pictures written into the HTML as `data:` PNG, JPEG, GIF, WebP or AVIF (OpenDocument, saved
 * web pages) are kept as Markdown pictures of those addresses, for the caller to take out into files; the
 * sanitizer refuses every `data:` address, so they pass it under a name nothing else can have.
 */
export function htmlToMarkdown(html: string, options: { keepDataPictures?: boolean } = {}): string {
  if (!html.trim()) return '';
  const tree = bodyOf(html);
  const pictures = new Map<string, string>();
  if (options.keepDataPictures) {
    const nonce = randomUUID();
    const walk = (nodes: Array<RootContent | ElementContent>): void => {
      for (const node of nodes) {
        if (!isElement(node)) continue;
        const src = prop(node, 'src')?.trim();
        if (node.tagName === 'img' && src && DATA_PICTURE.test(src)) {
          const name = `picture-${nonce}-${pictures.size}.png`;
          pictures.set(name, src.replace(/\s+/g, ''));
          node.properties = { ...node.properties, src: name };
        }
        walk(node.children);
      }
    };
    walk(tree.children);
  }
  const safe = parser.parse(sanitizeHtml(toHtml(tree))) as Root;
  let body = blocks(safe.children).join('\n\n').trim();
  for (const [name, src] of pictures) body = body.split(`](${name})`).join(`](${src})`);
  return body ? `${body}\n` : '';
}

/** The document's `<title>`, as plain text. */
export function htmlTitle(html: string): string | undefined {
  const tree = documentParser.parse(html) as Root;
  let found: string | undefined;
  const walk = (nodes: Array<RootContent | ElementContent>): void => {
    for (const node of nodes) {
      if (found !== undefined || !isElement(node)) continue;
      if (node.tagName === 'title') found = textContent(node).replace(/\s+/g, ' ').trim() || undefined;
      else walk(node.children);
    }
  };
  walk(tree.children);
  return found;
}

/** The text of the first `<h1>` of the HTML's body, else of its first highest heading (a document's title). */
export function htmlHeading(html: string): string | undefined {
  const safe = parser.parse(sanitizeHtml(toHtml(bodyOf(html)))) as Root;
  let best: { rank: number; text: string } | undefined;
  const walk = (nodes: Array<RootContent | ElementContent>): void => {
    for (const node of nodes) {
      if (!isElement(node)) continue;
      const m = /^h([1-6])$/.exec(node.tagName);
      if (!m) {
        walk(node.children);
        continue;
      }
      const text = textContent(node).replace(/\s+/g, ' ').trim();
      if (text && (!best || Number(m[1]) < best.rank)) best = { rank: Number(m[1]), text };
    }
  };
  walk(safe.children);
  return best?.text;
}

/** The plain text of an HTML fragment, whitespace collapsed (for summaries and titles). */
export function htmlToPlainText(html: string): string {
  const tree = parser.parse(html) as Root;
  const text = (node: RootContent | ElementContent): string => {
    if (node.type === 'text') return node.value;
    if (!isElement(node)) return '';
    const inner = node.children.map(text).join('');
    return BLOCKS.has(node.tagName) || node.tagName === 'br' ? ` ${inner} ` : inner;
  };
  return tree.children.map(text).join('').replace(/\s+/g, ' ').trim();
}

// The Markdown this module writes, and only that, is read back by these: a picture or link is `[text](address)`
// or `[text](<address>)` on one line. (Markdown a student wrote is read with core/archive/references.ts.)
const MARKDOWN_TARGET = /(!?)(\[(?:[^\]\\]|\\.)*\]\()(<[^>\n]*>|[^\s)]+)\)/g;

/** Every Markdown picture or link address in a body, in order, with whether it is a picture. */
export function markdownTargets(body: string): Array<{ url: string; image: boolean }> {
  const out: Array<{ url: string; image: boolean }> = [];
  for (const match of body.matchAll(MARKDOWN_TARGET)) {
    const raw = match[3];
    out.push({ url: raw.startsWith('<') ? raw.slice(1, -1) : raw, image: match[1] === '!' });
  }
  return out;
}

/** Points every Markdown picture or link whose address is `url` (with any query, as `?w=604`) at `name`. */
export function pointMarkdownAt(body: string, url: string, name: string): string {
  const base = url.split(/[?#]/, 1)[0];
  const target = markdownUrl(name);
  return body.replace(MARKDOWN_TARGET, (whole, bang: string, head: string, raw: string) => {
    const address = raw.startsWith('<') ? raw.slice(1, -1) : raw;
    return address.split(/[?#]/, 1)[0] === base ? `${bang}${head}${target})` : whole;
  });
}

/** Turns Markdown pictures of `url` into links to it (a picture that could not be brought along stays reachable). */
export function picturesToLinks(body: string, url: string): string {
  // A picture that was the whole text of a link becomes the link's text (links do not nest).
  const unwrapped = body.replace(/\[!\[((?:[^\]\\]|\\.)*)\]\((<[^>\n]*>|[^\s)]+)\)\]\((<[^>\n]*>|[^\s)]+)\)/g, (whole, alt: string, raw: string, href: string) => {
    const target = raw.startsWith('<') ? raw.slice(1, -1) : raw;
    return target === url ? `[${alt || escapeMarkdownText(fileNameOf(target))}](${href})` : whole;
  });
  return unwrapped.replace(/!\[((?:[^\]\\]|\\.)*)\]\((<[^>\n]*>|[^\s)]+)\)/g, (whole, alt: string, raw: string) => {
    const target = raw.startsWith('<') ? raw.slice(1, -1) : raw;
    if (target !== url) return whole;
    const name = alt || escapeMarkdownText(fileNameOf(target));
    return `[${name}](${raw})`;
  });
}

