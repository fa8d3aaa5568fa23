/**
 * HTML helpers for the feed parser: make relative URLs in foreign content absolute (against xml:base or the feed's
 * own URL) before it is sanitized, and read plain text out of HTML for titles and summaries. A hub page shows
 * foreign content on Potluck's origin, so a relative `href="/admin"` left as it is would point into Potluck.
 */
import type { Element, Root, RootContent } from 'hast';
import { rehypeParseHtml } from '../html/parse.ts';
import { unified } from 'unified';
import { sanitizeHtml } from '../markdown/sanitize.ts';
import { absolutizeHtml, hasScheme } from './absoluteUrls.ts';

const fragmentParser = unified().use(rehypeParseHtml, { fragment: true });

/** Parses an HTML fragment into a hast tree (never throws: HTML parsing always recovers). */
function parseFragment(html: string): Root {
  return fragmentParser.parse(html);
}

/** Resolves `value` against `base`; only http(s) results survive (undefined otherwise). */
export function resolveHttpUrl(value: string | undefined, base?: string): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  try {
    const url = base ? new URL(trimmed, base) : new URL(trimmed);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A base URL is usable only when it is absolute http(s); anything else (javascript:, data:) is ignored. */
export function resolveBase(value: string | undefined, parent?: string): string | undefined {
  return resolveHttpUrl(value, parent) ?? parent;
}

/**
 * Makes foreign HTML safe to store: relative URLs resolved against `base` (by the same rewriter that makes
 * Potluck's own feed content absolute, absoluteUrls.ts), then the one Potluck allowlist (`sanitizeHtml`).
 * Everything a feed says about content passes through here before it leaves the parser.
 */
export function safeContentHtml(html: string, base?: string): string {
  if (!html.trim()) return '';
  // Absolute addresses (any scheme) are left to the sanitizer, which drops javascript:, data: and the like.
  const resolved = base
    ? absolutizeHtml(html, (url) => (hasScheme(url) ? url : (resolveHttpUrl(url, base) ?? url)))
    : html;
  return sanitizeHtml(resolved);
}

const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'td',
  'th',
  'tr',
  'ul',
]);
const SKIP = new Set(['script', 'style', 'template', 'noscript', 'iframe', 'object', 'embed', 'head']);

function collectText(nodes: RootContent[], out: string[]): void {
  for (const node of nodes) {
    if (node.type === 'text') out.push(node.value);
    else if (node.type === 'element') {
      if (SKIP.has(node.tagName)) continue;
      const block = BLOCK.has(node.tagName);
      if (block) out.push(' ');
      collectText(node.children, out);
      if (block) out.push(' ');
    }
  }
}

/** The readable text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed. */
export function htmlToText(html: string): string {
  if (!/[<&]/.test(html)) return html.replace(/\s+/g, ' ').trim();
  const out: string[] = [];
  collectText(parseFragment(html).children, out);
  return out.join('').replace(/\s+/g, ' ').trim();
}

/** Escapes text for use as HTML content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Plain text (JSON Feed `content_text`, Atom `type="text"`) as HTML paragraphs, line breaks kept. */
export function textToHtml(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
  return paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`).join('\n');
}

/** The first image in an HTML fragment, resolved against `base` (used when a feed names no item image). */
export function firstImageUrl(html: string, base?: string): string | undefined {
  if (!/<img\b/i.test(html)) return undefined;
  const find = (node: Root | Element): string | undefined => {
    for (const child of node.children) {
      if (child.type !== 'element') continue;
      if (child.tagName === 'img' && typeof child.properties.src === 'string') {
        const url = resolveHttpUrl(child.properties.src, base);
        if (url) return url;
      }
      const inner = find(child);
      if (inner) return inner;
    }
    return undefined;
  };
  return find(parseFragment(html));
}
