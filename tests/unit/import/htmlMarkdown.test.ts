/** HTML from documents becomes Markdown with nothing unsafe left: checked on DOMPurify's own attack payloads. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import { htmlTitle, htmlToMarkdown } from '../../../src/server/import/htmlMarkdown.ts';

const payloads = (JSON.parse(fs.readFileSync(path.resolve('../shared/corpora/dompurify/expect.json'), 'utf8')) as { payload: string }[]).map((c) => c.payload);

describe('htmlToMarkdown', () => {
  it('turns headings, emphasis, links, lists, tables, code and quotes into Markdown', () => {
    const { markdown, heading } = htmlToMarkdown(
      '<h2>Part</h2><h1>Essay <em>one</em></h1><p>A <strong>bold</strong> *claim* and <a href="https://example.org/a b">a link</a>.</p><ol><li>first</li><li>second</li></ol><table><tr><th>k</th><th>v</th></tr><tr><td>a|b</td><td>2</td></tr></table><pre>x  = 1</pre><blockquote><p>quoted</p></blockquote>',
    );
    expect(heading).toBe('Essay one');
    expect(markdown).toBe(
      '## Part\n\n# Essay *one*\n\nA **bold** \\*claim\\* and [a link](<https://example.org/a b>).\n\n1. first\n2. second\n\n| k | v |\n| --- | --- |\n| a\\|b | 2 |\n\n```\nx  = 1\n```\n\n> quoted\n',
    );
    expect(htmlTitle('<html><head><title> My page </title></head><body>x</body></html>')).toBe('My page');
  });

  it("leaves nothing unsafe from DOMPurify's payloads, before or after Potluck's renderer", () => {
    expect(payloads.length).toBeGreaterThan(200);
    for (const payload of payloads) {
      const { markdown } = htmlToMarkdown(payload);
      expect(markdown, payload).not.toMatch(/(?<!\\|\]\()<(?!\/?(?:sup|sub)>)[a-z!/?]/i);
      expect(markdown, payload).not.toMatch(/\]\(\s*<?\s*(?:javascript|vbscript|data:(?!image\/(?:png|jpeg|gif|webp|avif);base64,))/i);
      const rendered = renderArtifactBody({ source: markdown, format: 'markdown' });
      if (!rendered.ok) continue;
      // Only real tags count: the text of a payload ("&#x3C;img onerror=…") may say anything.
      expect(rendered.html, payload).not.toMatch(/<script|<[a-z][^>]*\son[a-z]+\s*=|<[a-z][^>]*(?:href|src)\s*=\s*["']?\s*javascript:/i);
    }
  });
});
