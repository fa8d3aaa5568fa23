// Potluck's HTML parser (src/core/html/parse.ts) against rehype-parse, the reference it replaces: the same tree,
// node for node, once rehype-parse's source positions are taken away. On independent inputs: DOMPurify's sanitizer
// fixtures (hostile and malformed HTML, as fragments and as documents), the microformats test suite's pages and the
// Webmention discovery pages.
import fs from 'node:fs';
import path from 'node:path';
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { parseHtmlTree, rehypeParseHtml } from '../../../src/core/html/parse.ts';

const corpora = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'corpora');
const reference = { fragment: unified().use(rehypeParse, { fragment: true }), document: unified().use(rehypeParse) };

function withoutPositions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutPositions);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key]) => key !== 'position')
      .map(([key, value]) => [key, withoutPositions(value)]),
  );
}

function hasPosition(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasPosition);
  if (node === null || typeof node !== 'object') return false;
  return 'position' in node || Object.values(node).some(hasPosition);
}

const purify = (JSON.parse(fs.readFileSync(path.join(corpora, 'dompurify', 'expect.json'), 'utf8')) as { payload: string }[]).map((c) => c.payload);
const pages = fs
  .readdirSync(path.join(corpora, 'microformats-tests', 'tests'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.html'))
  .map((f) => fs.readFileSync(path.join(corpora, 'microformats-tests', 'tests', f), 'utf8'));
const discovery = (JSON.parse(fs.readFileSync(path.join(corpora, 'webmention-rocks', 'discovery.json'), 'utf8')) as { html: string }[]).map((c) => c.html);

describe('parseHtmlTree', () => {
  it('has inputs to compare on', () => {
    expect(purify.length).toBeGreaterThan(100);
    expect(pages.length).toBeGreaterThan(100);
    expect(discovery.length).toBeGreaterThan(20);
  });

  it('makes the tree rehype-parse makes of every DOMPurify fixture, as a fragment and as a document', () => {
    for (const html of purify) {
      expect(parseHtmlTree(html, { fragment: true }), html).toEqual(withoutPositions(reference.fragment.parse(html)));
      expect(parseHtmlTree(html), html).toEqual(withoutPositions(reference.document.parse(html)));
    }
  });

  it('makes the tree rehype-parse makes of every microformats and Webmention discovery page', () => {
    for (const html of [...pages, ...discovery]) expect(parseHtmlTree(html)).toEqual(withoutPositions(reference.document.parse(html)));
  });

  it('keeps no positions, and parses <noscript> content as markup as rehype-parse does (scripting off)', () => {
    const tree = parseHtmlTree('<p>a <b>b</b></p><noscript><img src="x.png"></noscript>', { fragment: true });
    expect(hasPosition(tree)).toBe(false);
    expect(JSON.stringify(tree)).toContain('"tagName":"img"');
    expect(hasPosition(reference.fragment.parse('<p>a</p>'))).toBe(true);
  });

  it('is a unified parser', () => {
    const processor = unified().use(rehypeParseHtml, { fragment: true });
    expect(processor.parse('<em>hi</em>')).toEqual(parseHtmlTree('<em>hi</em>', { fragment: true }));
  });
});
