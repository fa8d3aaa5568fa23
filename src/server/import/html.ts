/**
 * HTML from other platforms (WordPress posts, feed items, Leap2A entries) as a Potluck Markdown body.
 *
 * The HTML is sanitized first with the one Potluck allowlist, then the common elements become Markdown:
 * paragraphs, headings, emphasis, links, pictures, lists, quotes, code, rules. Pictures and links must be
 * Markdown, not HTML, because only Markdown references are how an archive points at the files beside a piece.
 * What Markdown cannot say (tables, embedded players, definition lists) stays as its sanitized HTML, one block
 * each, which the renderer sanitizes again.
 */
import type { Element, ElementContent, Root, RootContent } from 'hast';
import { toHtml } from 'hast-util-to-html';
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';
import { sanitizeHtml } from '../../core/markdown/sanitize.ts';

const parser = unified().use(rehypeParse, { fragment: true });

const BLOCK_CONTAINERS = new Set(['div', 'section', 'article', 'header', 'footer', 'main', 'aside', 'nav', 'figure', 'address', 'center', 'body', 'html']);
const KEPT_AS_HTML = new Set(['table', 'dl', 'details', 'video', 'audio', 'iframe', 'object', 'math', 'svg']);
const BLOCKS = new Set([
  ...BLOCK_CONTAINERS,
  ...KEPT_AS_HTML,
  'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'blockquote', 'pre', 'hr', 'figcaption',
]);

/** Escapes text so Markdown reads it literally. */
export function escapeMarkdownText(text: string): string {
  // An underscore inside a word never starts emphasis, so `file_name` stays as written.
  return text.replace(/([\\`*[\]<>|~])/g, '\\$1').replace(/(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu, '\\_');
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
  return text.replace(/^(\s*)([#+-]|\d+[.)])(?=\s|$)/gm, (_, space: string, mark: string) => `${space}${mark.replace(/^([#+-]|\d+)/, '$1\\').replace(/^(\d+)\\([.)])/, '$1\\$2').replace(/^([#+-])\\$/, '\\$1')}`);
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

/** Sanitized HTML as a Markdown body (ends with one newline; empty for empty HTML). */
export function htmlToMarkdown(html: string): string {
  if (!html.trim()) return '';
  const tree = parser.parse(sanitizeHtml(html)) as Root;
  const body = blocks(tree.children).join('\n\n').trim();
  return body ? `${body}\n` : '';
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

/** Every Markdown picture or link address in a body, in order, with whether it is a picture. */
export function markdownTargets(body: string): Array<{ url: string; image: boolean }> {
  const out: Array<{ url: string; image: boolean }> = [];
  for (const match of body.matchAll(/(!?)\[(?:[^\]\\]|\\.)*\]\((<[^>\n]*>|[^\s)]+)\)/g)) {
    const raw = match[2];
    out.push({ url: raw.startsWith('<') ? raw.slice(1, -1) : raw, image: match[1] === '!' });
  }
  return out;
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

function fileNameOf(url: string): string {
  return decodeURIComponentSafe(url.split(/[?#]/)[0].split('/').pop() || url);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
