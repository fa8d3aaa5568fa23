/**
 * A plain-text opening of stored artifact HTML, for RSS `<description>` and hub rivers when the student wrote no
 * summary (the full HTML goes in `<content:encoded>`; repeating it in the description would double every feed). Made
 * from the sanitized HTML, so it holds only text the page shows: the opening top-level paragraphs (any paragraph when
 * there is none at the top level), cut at a word boundary near 280 characters. Made once on save and stored
 * (`artifacts.excerpt`). Pure.
 */
import { rehypeParseHtml } from '../html/parse.ts';
import { unified } from 'unified';
import type { Element, Root } from 'hast';

/** Longest excerpt, in characters, before it is cut at a word boundary. */
export const excerptLength = 280;

const parser = unified().use(rehypeParseHtml, { fragment: true }).freeze();

function text(node: Element): string {
  let out = '';
  for (const child of node.children) {
    if (child.type === 'text') out += child.value;
    else if (child.type === 'element') out += text(child);
  }
  return out;
}

function paragraphs(parent: Root | Element, nested: boolean, into: Element[]): Element[] {
  for (const node of parent.children) {
    if (node.type !== 'element') continue;
    if (node.tagName === 'p') into.push(node);
    // Footnotes and code read badly out of context, as in the renderer's excerpt.
    else if (nested && node.tagName !== 'section' && node.tagName !== 'pre') paragraphs(node, true, into);
  }
  return into;
}

function take(nodes: Element[]): string[] {
  const parts: string[] = [];
  let length = 0;
  for (const node of nodes) {
    if (length >= excerptLength / 2) break;
    const value = text(node).replace(/\s+/g, ' ').trim();
    if (value === '') continue;
    parts.push(value);
    length += value.length + 1;
  }
  return parts;
}

/** The excerpt of a parsed fragment (see htmlExcerpt). */
function treeExcerpt(tree: Root): string {
  let parts = take(paragraphs(tree, false, []));
  if (parts.length === 0) parts = take(paragraphs(tree, true, []));
  const joined = parts.join(' ');
  if (joined.length <= excerptLength) return joined;
  // Cut by code points, so an emoji or a rare CJK character is never split in half.
  const cut = Array.from(joined).slice(0, excerptLength).join('');
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > excerptLength / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.!?–—-]+$/u, '')}…`;
}

/** The opening paragraphs of `html` as plain text, at most about 280 characters; '' when it has none. */
export function htmlExcerpt(html: string): string {
  return treeExcerpt(parser.parse(html) as Root);
}

/** An artifact's excerpt: the one made at its last save, or made now for a row saved before excerpts were stored. */
export function storedExcerpt(artifact: { html: string; excerpt: string | null }): string {
  return artifact.excerpt ?? htmlExcerpt(artifact.html);
}
