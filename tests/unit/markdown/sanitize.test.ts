import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import { potluckSanitizeSchema, sanitizeHtml } from '../../../src/core/markdown/sanitize.ts';
import { parseFragment, textOf, unsafeFindings, visibleText } from './html-safety.ts';
import type { Nodes } from 'hast';

// DOMPurify's own test vectors (../shared/corpora/dompurify, see its README): `expected` is DOMPurify's output,
// which another sanitizer need not match exactly, so we assert safety and that benign text survives.
type Vector = { title?: string; payload: string; expected: string | string[] };
const vectors: Vector[] = JSON.parse(
  readFileSync(new URL('../../../../shared/corpora/dompurify/expect.json', import.meta.url), 'utf8'),
);
const cases = vectors.map((vector, index) => ({
  ...vector,
  name: `#${index} ${vector.title ?? vector.payload.replace(/\s+/g, ' ').slice(0, 70)}`,
}));

// Text we drop on purpose, together with its element: code, styles and embedded documents.
const strippedElements = new Set(potluckSanitizeSchema.strip ?? []);

function withoutWhitespace(text: string): string {
  return text.replace(/\s+/g, '');
}

/** Text DOMPurify kept, minus what our schema strips with its element; whitespace ignored (unwrapping moves it). */
function benignText(expected: string): string {
  return withoutWhitespace(textOf(parseFragment(expected), strippedElements));
}

// These two vectors expect a legacy parser that expanded `<isindex>` into a form with a generated prompt
// ("This is a searchable index…"); that text is not in the payload, and HTML parsers today (parse5, current
// browsers) treat `<isindex>` as an unknown element.
function expectsGeneratedIsindexText(vector: Vector): boolean {
  return vector.payload.includes('<isindex');
}

describe('the safety check used below', () => {
  it('has the DOMPurify corpus', () => {
    expect(cases.length).toBeGreaterThan(200);
  });

  it('catches unsafe HTML, so a passing test means something', () => {
    expect(unsafeFindings('<script>x</script>')).toEqual(['<script> element']);
    expect(unsafeFindings('<img src=x onerror=alert(1)>')).toEqual(['onError event handler on <img>']);
    expect(unsafeFindings('<p style="x">a</p>')).toEqual(['style attribute on <p>']);
    expect(unsafeFindings('<a href=" JaVa&#x09;ScRiPt:alert(1)">a</a>')).toHaveLength(1);
    expect(unsafeFindings('<iframe srcdoc="x"></iframe>')).toEqual([
      '<iframe> element',
      'srcDoc attribute on <iframe>',
    ]);
    expect(unsafeFindings('<input type="text">')).toEqual(['<input> that is not a disabled checkbox']);
    expect(unsafeFindings('<template><form></form></template>')).toEqual(['<template> element', '<form> element']);
    // Most raw payloads are unsafe; the sanitizer is what makes them pass.
    expect(cases.filter((vector) => unsafeFindings(vector.payload).length > 0).length).toBeGreaterThan(100);
  });
});

describe('sanitizeHtml against the DOMPurify vectors', () => {
  it.for(cases)('is safe: $name', (vector) => {
    expect(unsafeFindings(sanitizeHtml(vector.payload))).toEqual([]);
  });

  it.for(cases.filter((vector) => !expectsGeneratedIsindexText(vector)))('keeps the benign text: $name', (vector) => {
    const ours = withoutWhitespace(visibleText(sanitizeHtml(vector.payload)));
    const expected = Array.isArray(vector.expected) ? vector.expected : [vector.expected];
    expect(expected.map(benignText).some((text) => ours.includes(text))).toBe(true);
  });
});

describe('Markdown bodies made of the DOMPurify vectors', () => {
  it.for(cases)('renders safely and keeps the text before it: $name', (vector) => {
    const result = renderArtifactBody({ source: `Before the payload.\n\n${vector.payload}`, format: 'markdown' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(unsafeFindings(result.html)).toEqual([]);
    expect(result.html.startsWith('<p>Before the payload.</p>')).toBe(true);
  });

  it.for(cases)('renders safely inside a list item and a link text: $name', (vector) => {
    const inline = vector.payload.replace(/\n/g, ' ');
    const result = renderArtifactBody({
      source: `- item ${inline}\n\n[${inline}](https://example.org)`,
      format: 'markdown',
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(unsafeFindings(result.html)).toEqual([]);
  });
});

describe('the schema', () => {
  it('spells out every field, so nothing falls back to the library default schema', () => {
    expect(Object.keys(potluckSanitizeSchema).sort()).toEqual(
      [
        'allowComments',
        'allowDoctypes',
        'ancestors',
        'attributes',
        'clobber',
        'clobberPrefix',
        'protocols',
        'required',
        'strip',
        'tagNames',
      ].sort(),
    );
  });
});

describe('sanitizeHtml for feed items', () => {
  it('keeps ordinary formatting as it is', () => {
    const html = '<p>Hello <strong>world</strong>, see <em>this</em>.</p><ul><li>one</li></ul>';
    expect(sanitizeHtml(html)).toBe(html);
  });

  it('drops foreign classes, styles and ids, but prefixes ids so they cannot clobber page globals', () => {
    expect(sanitizeHtml('<p class="verified-badge" style="color:red" id="config">x</p>')).toBe('<p>x</p>');
    expect(sanitizeHtml('<h2 id="config">Part</h2><a href="#config">up</a>')).toBe(
      '<h2 id="user-content-config">Part</h2><a href="#user-content-config">up</a>',
    );
  });

  it('adds rel to external links and lazy loading to images', () => {
    expect(
      sanitizeHtml(
        '<a href="https://example.org" rel="opener" target="_blank">x</a><img src="https://example.org/a.png">',
      ),
    ).toBe(
      '<a href="https://example.org" rel="noopener noreferrer nofollow ugc">x</a><img src="https://example.org/a.png" alt="" loading="lazy" decoding="async">',
    );
  });

  it('turns any surviving input into an inert checkbox', () => {
    expect(sanitizeHtml('<ul><li><input type="text" value="x" name="q"> task</li></ul>')).toBe(
      '<ul><li><input type="checkbox" disabled> task</li></ul>',
    );
  });

  it('does not pile up id prefixes when stored Potluck HTML is sanitized again', () => {
    const rendered = renderArtifactBody({
      source: '## Method\n\nA claim.[^1] See [method](#method).\n\n[^1]: Source.',
      format: 'markdown',
    });
    if (!rendered.ok) throw new Error('expected the body to render');
    const again = sanitizeHtml(rendered.html);
    const idsAndLinks = (html: string): string[] => {
      const found: string[] = [];
      const walk = (node: Nodes): void => {
        if (node.type === 'element') {
          for (const key of ['id', 'href', 'ariaDescribedBy']) {
            if (node.properties[key] !== undefined) found.push(`${key}=${String(node.properties[key])}`);
          }
        }
        if ('children' in node) for (const child of node.children) walk(child);
      };
      walk(parseFragment(html));
      return found;
    };
    expect(idsAndLinks(again)).toEqual(idsAndLinks(rendered.html));
    expect(idsAndLinks(again)).toContain('href=#user-content-method');
    expect(again).not.toContain('user-content-user-content');
    expect(visibleText(again)).toBe(visibleText(rendered.html));
  });
});
