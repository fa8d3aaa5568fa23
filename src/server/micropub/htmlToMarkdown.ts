/**
 * Micropub `content: {html: …}` becomes Markdown, because an artifact's body is Markdown and goes through the one
 * renderer and sanitizer on save. The HTML is first cleaned with the same allowlist as everything foreign
 * (sanitizeHtml), then written as Markdown: paragraphs, headings, emphasis, links, lists, quotes and code survive;
 * anything else keeps its text. Remote pictures become links (no page loads a picture from another site).
 */
import { parseHtmlTree } from '../../core/html/parse.ts';
import type { ElementContent, Root, RootContent } from 'hast';
import { sanitizeHtml } from '../../core/markdown/sanitize.ts';

function escapeText(text: string): string {
  return text.replace(/([\\`*_[\]#<>!|])/g, '\\$1').replace(/^(\s*)(\d+)\.(\s)/gm, '$1$2\\.$3').replace(/^(\s*)([-+])(\s)/gm, '$1\\$2$3');
}

function inline(nodes: (RootContent | ElementContent)[]): string {
  return nodes.map(inlineOne).join('');
}

function inlineOne(node: RootContent | ElementContent): string {
  if (node.type === 'text') return escapeText(node.value.replace(/\s+/g, ' '));
  if (node.type !== 'element') return '';
  const inner = () => inline(node.children);
  switch (node.tagName) {
    case 'strong':
    case 'b':
      return `**${inner().trim()}**`;
    case 'em':
    case 'i':
      return `*${inner().trim()}*`;
    case 'del':
    case 's':
      return `~~${inner().trim()}~~`;
    case 'code':
      return '`' + textOf(node).replace(/`/g, '\u02cb') + '`';
    case 'br':
      return '  \n';
    case 'a': {
      const href = String(node.properties?.href ?? '');
      return href ? `[${inner().trim() || href}](<${href.replace(/[<>]/g, encodeURIComponent)}>)` : inner();
    }
    case 'img': {
      const src = String(node.properties?.src ?? '');
      const alt = String(node.properties?.alt ?? '') || 'picture';
      return src ? `[${escapeText(alt)}](<${src.replace(/[<>]/g, encodeURIComponent)}>)` : '';
    }
    default:
      return inner();
  }
}

function textOf(node: RootContent | ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

function blocks(nodes: (RootContent | ElementContent)[], prefix = ''): string[] {
  const out: string[] = [];
  let run: (RootContent | ElementContent)[] = [];
  const flush = () => {
    const text = inline(run).trim();
    if (text) out.push(text);
    run = [];
  };
  for (const node of nodes) {
    if (node.type !== 'element' || !BLOCK.has(node.tagName)) {
      run.push(node);
      continue;
    }
    flush();
    const tag = node.tagName;
    if (/^h[1-6]$/.test(tag)) out.push(`${'#'.repeat(Number(tag[1]))} ${inline(node.children).trim()}`);
    else if (tag === 'p') {
      const text = inline(node.children).trim();
      if (text) out.push(text);
    } else if (tag === 'blockquote') out.push(blocks(node.children).map((b) => b.replace(/^/gm, '> ')).join('\n>\n'));
    else if (tag === 'pre') out.push('```\n' + textOf(node).replace(/\n$/, '').replace(/^```/gm, '\u02cb\u02cb\u02cb') + '\n```');
    else if (tag === 'hr') out.push('---');
    else if (tag === 'ul' || tag === 'ol') {
      let n = 0;
      const items = node.children.filter((c) => c.type === 'element' && c.tagName === 'li');
      out.push(
        items
          .map((li) => {
            n += 1;
            const marker = tag === 'ol' ? `${n}.` : '-';
            const body = blocks((li as { children: ElementContent[] }).children).join('\n\n');
            return `${marker} ${body.replace(/\n/g, '\n' + ' '.repeat(marker.length + 1))}`;
          })
          .join('\n'),
      );
    } else out.push(...blocks(node.children, prefix));
  }
  flush();
  return out;
}

const BLOCK = new Set(['p', 'div', 'section', 'article', 'blockquote', 'pre', 'ul', 'ol', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'figure', 'table', 'details']);

export function htmlToMarkdown(html: string): string {
  const tree: Root = parseHtmlTree(sanitizeHtml(html), { fragment: true });
  return blocks(tree.children).join('\n\n').trim();
}
