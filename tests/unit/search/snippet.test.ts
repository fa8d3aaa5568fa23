/** Snippets become safe HTML: the indexed text is escaped, the match marks become <mark>, Markdown punctuation goes. */
import { describe, expect, it } from 'vitest';
import { SNIPPET_CLOSE as C, SNIPPET_OPEN as O, snippetHasMatch, snippetToHtml } from '../../../src/core/search.ts';

describe('snippetToHtml', () => {
  it('marks the matched words', () => {
    expect(snippetToHtml(`…the ${O}river${C} was ${O}high${C}…`)).toBe('…the <mark>river</mark> was <mark>high</mark>…');
  });

  it('escapes whatever the student wrote, so markup in the text is shown, never run', () => {
    const html = snippetToHtml(`<script>alert("x")</script> & <img src=x onerror=alert(1)> ${O}river${C}`);
    expect(html).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt; <mark>river</mark>');
    expect(snippetToHtml(`${O}<b>${C}`)).toBe('<mark>&lt;b&gt;</mark>');
  });

  it('keeps the marks balanced when the text itself holds mark characters', () => {
    expect(snippetToHtml(`a ${C} b ${O}c${O} d`)).toBe('a  b <mark>c d</mark>');
    expect(snippetToHtml(`${O}${O}x${C}${C}`)).toBe('<mark>x</mark>');
  });

  it('reads like the page: links keep their text, pictures their alt, emphasis and block marks go', () => {
    expect(snippetToHtml(`## Intro\n\nSee [the ${O}river${C} map](https://example.org/map) and **bold** \`code\`.`)).toBe(
      'Intro See the <mark>river</mark> map and bold code.',
    );
    expect(snippetToHtml('![Fog over the harbor](media:1e7337cb-c2a6-4fcf-a33d-be6dba8b14ef)\n> a quote\n- item\n1. first')).toBe(
      'Fog over the harbor a quote item first',
    );
    expect(snippetToHtml('| term | meaning |')).toBe('term meaning');
  });

  it('says whether a snippet has a match at all', () => {
    expect(snippetHasMatch(`x ${O}y${C}`)).toBe(true);
    expect(snippetHasMatch('x y')).toBe(false);
  });
});
