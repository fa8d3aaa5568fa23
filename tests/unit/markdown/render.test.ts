import { describe, expect, it } from 'vitest';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import type { RenderedBody } from '../../../src/core/markdown/render.ts';
import { parseFragment, unsafeFindings } from './html-safety.ts';
import type { Element, Nodes } from 'hast';

/** Renders Markdown and fails the test with the errors if it did not render. */
function render(source: string): RenderedBody {
  const result = renderArtifactBody({ source, format: 'markdown' });
  if (!result.ok) throw new Error(`expected the body to render, got ${JSON.stringify(result.errors)}`);
  return result;
}

/** All elements of the rendered HTML with this tag name, in document order. */
function elements(html: string, tagName: string): Element[] {
  const found: Element[] = [];
  const walk = (node: Nodes): void => {
    if (node.type === 'element' && node.tagName === tagName) found.push(node);
    if ('children' in node) for (const child of node.children) walk(child);
  };
  walk(parseFragment(html));
  return found;
}

describe('GFM', () => {
  it('renders tables with column alignment as attributes, not inline styles', () => {
    const { html } = render('| Day | Height |\n|:----|-------:|\n| 1 | 0.4 cm |');
    expect(elements(html, 'table')).toHaveLength(1);
    expect(elements(html, 'th').map((th) => th.properties.align)).toEqual(['left', 'right']);
    expect(html).not.toContain('style=');
  });

  it('renders task lists as disabled checkboxes', () => {
    const { html } = render('- [x] Measure plants\n- [ ] Write conclusion');
    const boxes = elements(html, 'input');
    expect(boxes).toHaveLength(2);
    for (const box of boxes) expect(box.properties).toMatchObject({ type: 'checkbox', disabled: true });
    expect(boxes.map((box) => box.properties.checked === true)).toEqual([true, false]);
    expect(unsafeFindings(html)).toEqual([]);
  });

  it('renders strikethrough, autolinks and footnotes', () => {
    const { html } = render(
      '~~wrong~~ see www.example.org and https://example.org/page.\n\nA claim.[^source]\n\n[^source]: My source.',
    );
    expect(elements(html, 'del')).toHaveLength(1);
    expect(elements(html, 'a').map((a) => a.properties.href)).toEqual(
      expect.arrayContaining(['http://www.example.org', 'https://example.org/page']),
    );
    const [section] = elements(html, 'section');
    expect(section?.properties).toHaveProperty('dataFootnotes');
    expect(html).toContain('My source.');
  });

  it('makes footnote links point at ids that exist', () => {
    const { html } = render('A claim.[^1]\n\n[^1]: My source.');
    const ids = new Set(
      elements(html, 'li')
        .concat(elements(html, 'a'))
        .map((el) => el.properties.id),
    );
    const fragments = elements(html, 'a')
      .map((a) => String(a.properties.href))
      .filter((href) => href.startsWith('#'));
    expect(fragments.length).toBeGreaterThanOrEqual(2);
    for (const fragment of fragments) expect(ids).toContain(fragment.slice(1));
  });

  it('drops raw HTML written in Markdown but keeps the text around it', () => {
    const { html } = render(
      'Before <b onclick="x()">bold</b> after.\n\n<div style="color:red">block</div>\n\n<script>alert(1)</script>\n\nEnd.',
    );
    expect(elements(html, 'b')).toHaveLength(0);
    expect(elements(html, 'div')).toHaveLength(0);
    expect(html).toContain('Before bold after.');
    expect(html).toContain('End.');
    expect(unsafeFindings(html)).toEqual([]);
  });
});

describe('headings', () => {
  it('gives every heading an id and an accessible anchor link after it', () => {
    const result = render('# Growing beans\n\n## Method\n\n### What I *measured*');
    expect(result.headings).toEqual([
      { depth: 1, id: 'user-content-growing-beans', text: 'Growing beans' },
      { depth: 2, id: 'user-content-method', text: 'Method' },
      { depth: 3, id: 'user-content-what-i-measured', text: 'What I measured' },
    ]);
    const anchors = elements(result.html, 'a');
    expect(anchors.map((a) => a.properties.href)).toEqual([
      '#user-content-growing-beans',
      '#user-content-method',
      '#user-content-what-i-measured',
    ]);
    // The link is named for screen readers; the visible glyph is hidden from them.
    expect(result.html).toContain('<span class="pl-sr-only">Section titled “Method”</span>');
    expect(result.html).toContain('<span aria-hidden="true" class="pl-heading-anchor-icon">#</span>');
    // The anchor sits after the heading, so the heading's own name is just its text.
    expect(elements(result.html, 'h2')[0]?.children).toEqual([
      expect.objectContaining({ type: 'text', value: 'Method' }),
    ]);
  });

  it('gives repeated headings distinct ids', () => {
    const { headings } = render('## Notes\n\n## Notes');
    expect(headings.map((h) => h.id)).toEqual(['user-content-notes', 'user-content-notes-1']);
  });

  it('links headings written in other scripts to their ids', () => {
    const { html, headings } = render('## Méthode et résultats\n\n## 実験');
    expect(headings.map((h) => h.id)).toEqual(['user-content-méthode-et-résultats', 'user-content-実験']);
    expect(elements(html, 'a').map((a) => a.properties.href)).toEqual(headings.map((h) => `#${h.id}`));
  });

  it('does not list the hidden footnotes label as a heading', () => {
    const { headings } = render('## Intro\n\nText.[^1]\n\n[^1]: Note.');
    expect(headings.map((h) => h.text)).toEqual(['Intro']);
  });
});

describe('code', () => {
  it('highlights fenced code with classes only', () => {
    const { html } = render('```python\ndef grow(days):\n    return days * 2  # cm\n```');
    const [code] = elements(html, 'code');
    expect(code?.properties.className).toEqual(['hljs', 'language-python']);
    const classes = elements(html, 'span').flatMap((span) => span.properties.className as string[]);
    expect(classes).toEqual(expect.arrayContaining(['hljs-keyword', 'hljs-comment']));
    expect(html).not.toContain('style=');
  });

  it('keeps code in an unknown language as plain, escaped text', () => {
    const { html } = render('```brainfork\n<script>alert(1)</script>\n```');
    expect(html).toContain('&#x3C;script>alert(1)&#x3C;/script>');
    expect(unsafeFindings(html)).toEqual([]);
  });
});

describe('hashtags', () => {
  it('collects hashtags from the text, normalised and deduplicated', () => {
    const { hashtags, html } = render('Notes for #Biology and #week-3, again #biology.\n\n- #lab_report in a list');
    expect(hashtags).toEqual(['biology', 'week-3', 'lab_report']);
    // The text itself is left as written.
    expect(html).toContain('#Biology');
  });

  it('ignores hashtags in code spans and code blocks', () => {
    const { hashtags } = render('Use `#include` here.\n\n```c\n#include <stdio.h>\n#define tag\n```');
    expect(hashtags).toEqual([]);
  });

  it('ignores fragments in link URLs and bare URLs', () => {
    const { hashtags } = render(
      'See [the notes](https://example.org/notes#week-1), https://example.org/#top and example.org/#frag.',
    );
    expect(hashtags).toEqual([]);
  });

  it('counts hashtags in link text', () => {
    expect(render('Read [my #reflection](https://example.org)').hashtags).toEqual(['reflection']);
  });

  it('does not take the heading marker for a tag', () => {
    expect(render('# Heading\n\n## Another').hashtags).toEqual([]);
  });

  it('collects hashtags written in other scripts and decomposed accents', () => {
    const { hashtags } = render('#Café and #cafe\u0301 and #日本語 and #Ελληνικά and #हिन्दी');
    expect(hashtags).toEqual(['café', '日本語', 'ελληνικά', 'हिन्दी']);
  });

  it('ignores # inside words and before digits', () => {
    expect(render('C# is issue#12 and #2024 and &#35;').hashtags).toEqual([]);
  });
});

describe('media and images', () => {
  it('rewrites media:ID to the media URL and reports the ids', () => {
    const result = render(
      '![Bean plants on day 7](media:abc123)\n\n[Lab sheet](media:sheet_9) and ![old](/media/xyz/photo.jpg)',
    );
    expect(result.mediaRefs).toEqual(['abc123', 'sheet_9', 'xyz']);
    expect(elements(result.html, 'img').map((img) => img.properties.src)).toEqual([
      '/media/abc123/',
      '/media/xyz/photo.jpg',
    ]);
    expect(elements(result.html, 'a').map((a) => a.properties.href)).toEqual(['/media/sheet_9/']);
  });

  it('rewrites media references written as reference-style definitions', () => {
    const result = render('![Chart][chart]\n\n[chart]: media:chart01');
    expect(result.mediaRefs).toEqual(['chart01']);
    expect(elements(result.html, 'img')[0]?.properties.src).toBe('/media/chart01/');
  });

  it('keeps alt text, gives images without alt an empty one, and loads lazily', () => {
    const { html } = render('![A bean sprout](media:a1) ![](media:a2)');
    const images = elements(html, 'img');
    expect(images.map((img) => img.properties.alt)).toEqual(['A bean sprout', '']);
    for (const img of images) expect(img.properties).toMatchObject({ loading: 'lazy', decoding: 'async' });
  });

  it('shows images from other sites as links instead of embedding them', () => {
    const { html } = render(
      '![A diagram](https://cdn.example.com/d.png) and [![badge](https://img.example/b.svg)](https://example.org)',
    );
    expect(elements(html, 'img')).toHaveLength(0);
    const links = elements(html, 'a');
    expect(links.map((a) => a.properties.href)).toEqual(['https://cdn.example.com/d.png', 'https://example.org']);
    expect(html).toContain('A diagram');
    expect(html).toContain('badge');
  });
});

describe('links', () => {
  it('marks external links as user-generated and opens them without a referrer', () => {
    const { html } = render('[site](https://example.org) [proto](//example.org/x) www.example.net');
    for (const a of elements(html, 'a'))
      expect(a.properties.rel).toEqual(['noopener', 'noreferrer', 'nofollow', 'ugc']);
  });

  it('leaves internal links without rel', () => {
    const { html } = render('[my other post](/@ana/beans/) [section](#method) [mail](mailto:ana@example.org)');
    for (const a of elements(html, 'a')) expect(a.properties.rel).toBeUndefined();
  });

  it('drops javascript:, vbscript: and data: URLs', () => {
    const { html } = render(
      '[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](vbscript:msgbox) [d](data:text/html,x) ![e](data:image/png;base64,AAAA)',
    );
    expect(unsafeFindings(html)).toEqual([]);
    expect(elements(html, 'a').every((a) => a.properties.href === undefined)).toBe(true);
    expect(elements(html, 'img').every((img) => img.properties.src === undefined)).toBe(true);
  });
});

describe('word count', () => {
  it('counts words in prose and inline code but not in code blocks', () => {
    const { wordCount } = render('# Title here\n\nOne two `three`.\n\n```\nnot counted at all\n```');
    expect(wordCount).toBe(5);
  });

  it('counts words in languages written without spaces', () => {
    expect(render('我喜欢学习。').wordCount).toBeGreaterThan(1);
  });
});

describe('hostile input', () => {
  it('refuses absurdly deep nesting with a located error instead of overflowing the stack', () => {
    for (const format of ['markdown', 'mdx'] as const) {
      const result = renderArtifactBody({ source: `Intro\n\n${'>'.repeat(5000)} deep`, format });
      expect(result).toEqual({
        ok: false,
        errors: [{ line: 3, column: expect.any(Number), message: expect.stringMatching(/nested too deeply/) }],
      });
    }
  });

  it('still renders ordinary nesting', () => {
    expect(render(`${'>'.repeat(20)} quoted\n\n- a\n  - b\n    - c`).html).toContain('quoted');
  });
});

describe('speed', () => {
  it('renders a long post quickly once warmed up', () => {
    const paragraph =
      'The beans on the window sill grew #biology faster than the ones in the cupboard, see [notes](https://example.org). ';
    const source = Array.from({ length: 20 }, (_, i) => `## Part ${i}\n\n${paragraph.repeat(4)}\n\n- one\n- two`).join(
      '\n\n',
    );
    for (let i = 0; i < 5; i++) render(source);
    const start = performance.now();
    for (let i = 0; i < 10; i++) render(source);
    // Generous bound so a busy CI machine does not fail it; the benchmark script measures precisely.
    expect((performance.now() - start) / 10).toBeLessThan(100);
  });
});
