// Test helper: inspects HTML the way a browser would see it (parsed into a tree, not matched with regexes) and
// lists everything that would make it unsafe to serve as user content.
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';
import type { Element, Nodes, Root } from 'hast';

const parser = unified().use(rehypeParse, { fragment: true });

/** Parses HTML as a fragment, the way a browser parses `innerHTML`. */
export function parseFragment(html: string): Root {
  return parser.parse(html);
}

// prettier-ignore
const forbiddenElements = new Set([
  'script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form', 'textarea', 'select',
  'button', 'base', 'link', 'meta', 'template', 'noscript', 'svg', 'math',
]);

// hast property names of attributes that hold URLs, from HTML and SVG.
// prettier-ignore
const urlProperties = new Set([
  'href', 'src', 'cite', 'action', 'formAction', 'poster', 'background', 'longDesc', 'xLinkHref', 'srcSet',
  'ping', 'manifest', 'codeBase', 'data', 'icon', 'lowsrc', 'dynsrc', 'useMap', 'itemId',
]);
const forbiddenProperties = new Set(['style', 'srcDoc', 'formAction', 'srcdoc', 'formaction']);

/** Lists every unsafe element, attribute or URL in the HTML (empty when it is safe to serve). */
export function unsafeFindings(html: string): string[] {
  const findings: string[] = [];
  const walk = (node: Nodes): void => {
    if (node.type === 'element') checkElement(node, findings);
    if ('children' in node) for (const child of node.children) walk(child);
    // `<template>` keeps its children in a separate fragment; look there too.
    if (node.type === 'element' && node.content) walk(node.content);
  };
  walk(parseFragment(html));
  return findings;
}

function checkElement(node: Element, findings: string[]): void {
  const name = node.tagName.toLowerCase();
  if (forbiddenElements.has(name)) findings.push(`<${name}> element`);
  if (name === 'input' && !(node.properties.type === 'checkbox' && node.properties.disabled === true)) {
    findings.push('<input> that is not a disabled checkbox');
  }
  for (const [key, value] of Object.entries(node.properties)) {
    if (key.toLowerCase().startsWith('on')) findings.push(`${key} event handler on <${name}>`);
    if (forbiddenProperties.has(key)) findings.push(`${key} attribute on <${name}>`);
    if (!urlProperties.has(key)) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      // Browsers ignore ASCII whitespace and control characters inside a scheme and compare it case-insensitively.
      const url = String(item)
        .replace(/[\u0000-\u0020\u007f]+/g, '')
        .toLowerCase();
      if (/^(?:javascript|vbscript|data):/.test(url))
        findings.push(`${key}="${String(item).slice(0, 40)}" on <${name}>`);
    }
  }
}

/** The text a reader would see, whitespace collapsed. */
export function visibleText(html: string): string {
  return textOf(parseFragment(html)).replace(/\s+/g, ' ').trim();
}

/** Text of a tree, skipping elements whose content is never shown as prose (scripts, styles, templates). */
export function textOf(node: Nodes, skip: ReadonlySet<string> = new Set()): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element' && skip.has(node.tagName.toLowerCase())) return ' ';
  if (!('children' in node)) return '';
  const separator = node.type === 'element' ? ' ' : '';
  return node.children.map((child) => textOf(child, skip)).join(separator);
}
