// The RSS description of work without a summary: the same opening text the renderer picks on save, read back from
// the stored HTML.
import { describe, expect, it } from 'vitest';
import { htmlExcerpt } from '../../../src/core/feeds/excerpt.ts';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import { samplePost } from '../../../scripts/bench/lib.ts';

function render(markdown: string) {
  const result = renderArtifactBody({ source: markdown, format: 'markdown' });
  if (!result.ok) throw new Error('did not render');
  return result;
}

describe('htmlExcerpt', () => {
  it('matches the excerpt the renderer made from the Markdown', () => {
    const bodies = [
      'One short paragraph with *emphasis*, `code` and a [link](https://example.org).',
      samplePost(600),
      '## A heading first\n\nThen the text that matters.\n\n```js\nconst x = 1;\n```\n\nAnd more text after the code.',
      '- a list\n- comes first\n\nThe paragraph after it.',
    ];
    for (const body of bodies) {
      const rendered = render(body);
      expect(htmlExcerpt(rendered.html), body.slice(0, 40)).toBe(rendered.excerpt);
    }
  });

  it('leaves out heading anchors, footnotes and code, and is empty for work with no prose', () => {
    const excerpt = htmlExcerpt(render('# Title\n\nA claim.[^1]\n\n```\ncode here\n```\n\n[^1]: The source.').html);
    expect(excerpt).toMatch(/^A claim\./);
    expect(excerpt).not.toMatch(/Section titled|The source|code here/);
    expect(htmlExcerpt(render('![only a picture](https://example.org/x.png)').html)).toBe('only a picture');
    expect(htmlExcerpt('<figure><img src="/media/x/" alt=""></figure>')).toBe('');
  });
});
