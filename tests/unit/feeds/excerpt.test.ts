// The RSS description and river text of work without a summary: the opening text of the stored, sanitized HTML.
import { describe, expect, it } from 'vitest';
import { htmlExcerpt } from '../../../src/core/feeds/excerpt.ts';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';

function render(markdown: string) {
  const result = renderArtifactBody({ source: markdown, format: 'markdown' });
  if (!result.ok) throw new Error('did not render');
  return result;
}

describe('htmlExcerpt', () => {
  it('takes the opening paragraphs as plain text, cut at a word boundary', () => {
    const long = 'Beans grew faster under blue light than under red light in every trial we ran. '.repeat(6);
    const excerpt = htmlExcerpt(render(`# Title\n\n**Short** intro with [a link](https://example.org).\n\n${long}\n\n- a list item`).html);
    expect(excerpt.startsWith('Short intro with a link. Beans grew')).toBe(true);
    expect(excerpt.endsWith('…')).toBe(true);
    expect(excerpt.length).toBeLessThanOrEqual(281);
    expect(excerpt).not.toContain('<');
    expect(htmlExcerpt(render('One short paragraph with *emphasis*, `code` and a [link](https://example.org).').html)).toBe(
      'One short paragraph with emphasis, code and a link.',
    );
    expect(htmlExcerpt(render('- a list\n- comes first\n\nThe paragraph after it.').html)).toBe('The paragraph after it.');
  });

  it('holds only what the page shows: no comments or raw HTML from the Markdown; a line break reads as a space', () => {
    const excerpt = htmlExcerpt(render('My essay. <!-- phone 555-0100 --> Press <kbd>Ctrl</kbd>.\n\nRoses are red,  \nViolets are blue').html);
    expect(excerpt).not.toMatch(/555|kbd|<|red,Violets/);
    expect(excerpt).toMatch(/^My essay\. +Press Ctrl\. Roses are red,\s+Violets are blue$/);
  });

  it('leaves out heading anchors, footnotes and code, and is empty for work with no prose', () => {
    const excerpt = htmlExcerpt(render('# Title\n\nA claim.[^1]\n\n```\ncode here\n```\n\n[^1]: The source.').html);
    expect(excerpt).toMatch(/^A claim\./);
    expect(excerpt).not.toMatch(/Section titled|The source|code here/);
    expect(htmlExcerpt(render('![only a picture](https://example.org/x.png)').html)).toBe('only a picture');
    expect(htmlExcerpt('<figure><img src="/media/x/" alt=""></figure>')).toBe('');
  });
});
