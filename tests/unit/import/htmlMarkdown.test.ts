/** HTML from other platforms and documents becomes Markdown with nothing unsafe left: checked on DOMPurify's own attack payloads. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import { potluckSanitizeSchema, sanitizeHtml } from '../../../src/core/markdown/sanitize.ts';
import { htmlHeading, htmlTitle, htmlToMarkdown, markdownTargets, picturesToLinks, pointMarkdownAt } from '../../../src/server/import/htmlMarkdown.ts';

const payloads = (JSON.parse(fs.readFileSync(path.resolve('../shared/corpora/dompurify/expect.json'), 'utf8')) as { payload: string }[]).map((c) => c.payload);

const allowedTags = potluckSanitizeSchema.tagNames ?? [];

describe('htmlToMarkdown', () => {
  it('turns headings, emphasis, links, lists, tables, code and quotes into Markdown', () => {
    const html =
      '<h2>Part</h2><h1>Essay <em>one</em></h1><p>A <strong>bold</strong> *claim* and <a href="https://example.org/a b">a link</a>.</p><ol><li>first</li><li>second</li></ol><table><tr><th>k</th><th>v</th></tr><tr><td>a|b</td><td>2</td></tr></table><pre>x  = 1</pre><blockquote><p>quoted</p></blockquote>';
    const markdown = htmlToMarkdown(html);
    expect(htmlHeading(html)).toBe('Essay one');
    expect(markdown).toBe(
      '## Part\n\n# Essay *one*\n\nA **bold** \\*claim\\* and [a link](<https://example.org/a b>).\n\n1. first\n2. second\n\n| k | v |\n| --- | --- |\n| a\\|b | 2 |\n\n```\nx  = 1\n```\n\n> quoted\n',
    );
    expect(htmlTitle('<html><head><title> My page </title></head><body>x</body></html>')).toBe('My page');
    // The head is not text: its title does not turn up in the body.
    expect(htmlToMarkdown('<html><head><title>My page</title></head><body><p>x</p></body></html>')).toBe('x\n');
  });

  it('keeps tables Markdown cannot say (one row, merged or block cells) as sanitized HTML', () => {
    expect(htmlToMarkdown('<table><tr><td colspan="2">wide</td></tr><tr><td>a</td><td>b</td></tr></table>')).toContain('<td colspan="2">wide</td>');
    expect(htmlToMarkdown('<table><tr><td><p>one</p><p>two</p></td></tr><tr><td>c</td></tr></table>')).toContain('<p>one</p>');
    expect(htmlToMarkdown('<table><tr><td><p>a</p></td><td>b</td></tr><tr><td>c</td><td></td></tr></table>')).toBe('| a | b |\n| --- | --- |\n| c |  |\n');
    expect(htmlToMarkdown('<table><tr><td>only</td></tr></table>')).toBe('<table><tbody><tr><td>only</td></tr></tbody></table>\n');
  });

  it('writes text that looks like Markdown or an entity so that it reads as written', () => {
    expect(htmlToMarkdown('<p>file_name and _under_ &amp;lt;b&amp;gt; &lt;i&gt;</p>')).toBe('file_name and \\_under\\_ \\&lt;b\\&gt; \\<i\\>\n');
    expect(htmlToMarkdown('<p>1. not a list</p><p># not a heading</p>')).toBe('1\\. not a list\n\n\\# not a heading\n');
    expect(htmlToMarkdown('<p>## two<br>- dash<br>+ plus<br>2) two<br>===</p>')).toBe('\\## two\\\n\\- dash\\\n\\+ plus\\\n2\\) two\\\n\\===\n');
    expect(htmlToMarkdown('<p>H<sub>2</sub>O and x<sup>2</sup></p>')).toBe('H<sub>2</sub>O and x<sup>2</sup>\n');
  });

  it('keeps raster data: pictures only when asked to (for a converter that takes them out into files)', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const html = `<p><img src="${png}" alt="dot"><img src="data:image/svg+xml;base64,PHN2Zz4=" alt="svg"></p>`;
    expect(htmlToMarkdown(html, { keepDataPictures: true })).toBe(`![dot](${png})\n`);
    expect(htmlToMarkdown(html)).toBe('');
  });

  it("leaves nothing unsafe from DOMPurify's payloads, before or after Potluck's renderer", () => {
    expect(payloads.length).toBeGreaterThan(200);
    for (const payload of payloads) {
      const markdown = htmlToMarkdown(payload, { keepDataPictures: true });
      // Raw HTML is left only where Markdown cannot say it, only of allowed elements, and already sanitized.
      for (const tag of markdown.matchAll(/(?<!\\|\]\()<\/?([a-z][a-z0-9]*)/gi)) expect(allowedTags, payload).toContain(tag[1].toLowerCase());
      for (const block of markdown.split('\n\n').filter((b) => /^<(?!su[pb]>)[a-z]/i.test(b))) expect(sanitizeHtml(block), payload).toBe(block);
      expect(markdown, payload).not.toMatch(/(?<!\\)<[a-z][^>]*(?:\son[a-z]+\s*=|(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript|data):)/i);
      expect(markdown, payload).not.toMatch(/\]\(\s*<?\s*(?:javascript|vbscript|data:(?!image\/(?:png|jpeg|gif|webp|avif);base64,))/i);
      const rendered = renderArtifactBody({ source: markdown, format: 'markdown' });
      if (!rendered.ok) continue;
      // Only real tags count: the text of a payload ("&#x3C;img onerror=…") may say anything.
      expect(rendered.html, payload).not.toMatch(/<script|<[a-z][^>]*\son[a-z]+\s*=|<[a-z][^>]*(?:href|src)\s*=\s*["']?\s*javascript:/i);
    }
  });

  it('reads back the pictures and links it wrote, and points them at files or turns pictures into links', () => {
    const body = htmlToMarkdown('<p><img src="https://b.example/a b.jpg?w=604" alt="A [dog]"> <a href="https://b.example/a%20b.jpg">big</a> <a href="/x">x</a></p>');
    expect(markdownTargets(body)).toEqual([
      { url: 'https://b.example/a b.jpg?w=604', image: true },
      { url: 'https://b.example/a%20b.jpg', image: false },
      { url: '/x', image: false },
    ]);
    expect(pointMarkdownAt(body, 'https://b.example/a b.jpg', 'uploads/a b.jpg')).toBe('![A \\[dog\\]](<uploads/a b.jpg>) [big](https://b.example/a%20b.jpg) [x](/x)\n');
    expect(picturesToLinks(body, 'https://b.example/a b.jpg?w=604')).toBe('[A \\[dog\\]](<https://b.example/a b.jpg?w=604>) [big](https://b.example/a%20b.jpg) [x](/x)\n');
  });
});
