/**
 * HTML from documents (Word through mammoth, OpenDocument through odf-kit, saved web pages) turned into Markdown, so
 * an imported piece is text the student can edit like any other, and its pictures are file references the archive
 * importer brings in. The HTML is sanitized first (rehype-sanitize's default allowlist: no scripts, styles, event
 * handlers or `javascript:` addresses); elements Markdown has no syntax for keep their text.
 */
import type { Element, ElementContent, Root, RootContent } from 'hast';
import rehypeParse from 'rehype-parse';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';
import { unified } from 'unified';

const parser = unified().use(rehypeParse);
const sanitizer = unified().use(rehypeSanitize, {
  ...defaultSchema,
  strip: ['script', 'style', 'noscript', 'template', 'title', 'head', 'svg', 'math', 'object', 'iframe'],
  // Picture addresses are file names beside the piece (or data: URLs a converter replaces), so keep data: here.
  protocols: { ...defaultSchema.protocols, src: ['http', 'https', 'data'] },
  clobberPrefix: '',
});

/** The document's `<title>`, read before sanitizing (which drops `<head>`). */
export function htmlTitle(html: string): string | undefined {
  const tree = parser.parse(html) as Root;
  let found: string | undefined;
  const walk = (nodes: RootContent[]) => {
    for (const node of nodes) {
      if (found !== undefined) return;
      if (node.type === 'element') {
        if (node.tagName === 'title') found = textOf(node).trim() || undefined;
        else walk(node.children);
      }
    }
  };
  walk(tree.children);
  return found;
}

function textOf(node: Element | ElementContent | Root): string {
  if (node.type === 'text') return node.value;
  if ('children' in node) return node.children.map((c) => textOf(c as ElementContent)).join('');
  return '';
}

/** Backslash-escapes what Markdown would read as syntax in running text. */
function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<>|~]/g, '\\$&').replace(/&(?=[#A-Za-z0-9]+;)/g, '\\&');
}

function escapeUrl(url: string): string {
  return /[\s()<>]/.test(url) ? `<${url.replace(/[<>]/g, encodeURIComponent)}>` : url;
}

const BLOCKS = new Set(['p', 'div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'nav', 'figure', 'figcaption', 'address', 'details', 'summary', 'dl', 'dt', 'dd', 'center']);

interface Out {
  blocks: string[];
}

function inline(nodes: ElementContent[]): string {
  let out = '';
  for (const node of nodes) {
    if (node.type === 'text') out += escapeText(node.value.replace(/\s+/g, ' '));
    else if (node.type === 'element') out += inlineElement(node);
  }
  return out;
}

function wrap(mark: string, inner: string): string {
  const trimmed = inner.trim();
  if (trimmed === '') return inner;
  const lead = inner.startsWith(' ') ? ' ' : '';
  const tail = inner.endsWith(' ') ? ' ' : '';
  return `${lead}${mark}${trimmed}${mark}${tail}`;
}

function inlineElement(node: Element): string {
  const p = node.properties ?? {};
  switch (node.tagName) {
    case 'strong':
    case 'b':
      return wrap('**', inline(node.children));
    case 'em':
    case 'i':
      return wrap('*', inline(node.children));
    case 's':
    case 'del':
    case 'strike':
      return wrap('~~', inline(node.children));
    case 'code':
      return `\`${textOf(node).replace(/`/g, "'")}\``;
    case 'br':
      return '\\\n';
    case 'sup':
    case 'sub':
      return `<${node.tagName}>${inline(node.children)}</${node.tagName}>`;
    case 'img': {
      const src = typeof p.src === 'string' ? p.src.trim() : '';
      // Pictures inside the HTML are kept only as raster images a converter can take out into files.
      if (src === '' || (/^data:/i.test(src) && !/^data:image\/(?:png|jpeg|gif|webp|avif);base64,/i.test(src))) return '';
      const alt = typeof p.alt === 'string' ? p.alt : '';
      return `![${escapeText(alt)}](${escapeUrl(src)})`;
    }
    case 'a': {
      const href = typeof p.href === 'string' ? p.href : '';
      const text = inline(node.children);
      if (href === '' || text.trim() === '') return text;
      return `[${text.trim()}](${escapeUrl(href)})`;
    }
    default:
      return inline(node.children);
  }
}

function isBlock(node: ElementContent): boolean {
  return node.type === 'element' && (BLOCKS.has(node.tagName) || /^(?:h[1-6]|ul|ol|li|blockquote|pre|table|hr)$/.test(node.tagName));
}

function blocks(nodes: ElementContent[], out: Out): void {
  let run: ElementContent[] = [];
  const flush = () => {
    const text = inline(run).trim();
    if (text !== '') out.blocks.push(text);
    run = [];
  };
  for (const node of nodes) {
    if (!isBlock(node)) {
      run.push(node);
      continue;
    }
    flush();
    block(node as Element, out);
  }
  flush();
}

function indent(text: string, by: string): string {
  return text.split('\n').map((line, i) => (i === 0 || line === '' ? line : by + line)).join('\n');
}

function list(node: Element, ordered: boolean): string {
  const items: string[] = [];
  let n = 1;
  for (const child of node.children) {
    if (child.type !== 'element' || child.tagName !== 'li') continue;
    const inner: Out = { blocks: [] };
    blocks(child.children, inner);
    const marker = ordered ? `${n++}. ` : '- ';
    items.push(marker + indent(inner.blocks.join('\n\n') || '', ' '.repeat(marker.length)));
  }
  return items.join('\n');
}

function table(node: Element): string {
  const rows: string[][] = [];
  const collect = (el: Element) => {
    for (const child of el.children) {
      if (child.type !== 'element') continue;
      if (child.tagName === 'tr') {
        rows.push(child.children.filter((c): c is Element => c.type === 'element' && (c.tagName === 'td' || c.tagName === 'th')).map((c) => {
          const inner: Out = { blocks: [] };
          blocks(c.children, inner);
          return inner.blocks.join(' ').replace(/\n/g, ' ');
        }));
      } else collect(child);
    }
  };
  collect(node);
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((r) => r.length), 1);
  const line = (cells: string[]) => `| ${Array.from({ length: width }, (_, i) => cells[i] ?? '').join(' | ')} |`;
  return [line(rows[0]), `|${' --- |'.repeat(width)}`, ...rows.slice(1).map(line)].join('\n');
}

function block(node: Element, out: Out): void {
  const heading = /^h([1-6])$/.exec(node.tagName);
  if (heading) {
    const text = inline(node.children).trim();
    if (text !== '') out.blocks.push(`${'#'.repeat(Number(heading[1]))} ${text}`);
    return;
  }
  switch (node.tagName) {
    case 'ul':
    case 'ol': {
      const text = list(node, node.tagName === 'ol');
      if (text !== '') out.blocks.push(text);
      return;
    }
    case 'li':
      out.blocks.push(`- ${inline(node.children).trim()}`);
      return;
    case 'blockquote': {
      const inner: Out = { blocks: [] };
      blocks(node.children, inner);
      if (inner.blocks.length) out.blocks.push(inner.blocks.join('\n\n').split('\n').map((l) => (l === '' ? '>' : `> ${l}`)).join('\n'));
      return;
    }
    case 'pre': {
      const code = textOf(node).replace(/\n$/, '');
      const fence = code.includes('```') ? '~~~~' : '```';
      out.blocks.push(`${fence}\n${code}\n${fence}`);
      return;
    }
    case 'hr':
      out.blocks.push('---');
      return;
    case 'table': {
      const text = table(node);
      if (text !== '') out.blocks.push(text);
      return;
    }
    default:
      blocks(node.children, out);
  }
}

/** The first `<h1>` (else the first heading) of sanitized HTML, as plain text. */
function firstHeading(root: Root): string | undefined {
  let best: { rank: number; text: string } | undefined;
  const walk = (nodes: RootContent[]) => {
    for (const node of nodes) {
      if (node.type !== 'element') continue;
      const m = /^h([1-6])$/.exec(node.tagName);
      if (m) {
        const text = textOf(node).replace(/\s+/g, ' ').trim();
        if (text && (!best || Number(m[1]) < best.rank)) best = { rank: Number(m[1]), text };
      } else walk(node.children);
    }
  };
  walk(root.children);
  return best?.text;
}

/** Sanitizes `html` and turns it into Markdown; returns the first heading too (a document's title). */
export function htmlToMarkdown(html: string): { markdown: string; heading?: string } {
  const parsed = parser.parse(html) as Root;
  const tree = sanitizer.runSync(parsed) as Root;
  const out: Out = { blocks: [] };
  blocks(tree.children as ElementContent[], out);
  const markdown = out.blocks.join('\n\n').replace(/\n{3,}/g, '\n\n').trim();
  return { markdown: markdown === '' ? '' : `${markdown}\n`, heading: firstHeading(tree) };
}
