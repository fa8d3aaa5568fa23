/** The Markdown the editor writes for a picture or file added there, and where the no-JavaScript upload puts it. */
import { describe, expect, it } from 'vitest';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import { appendSnippet, editorSnippet } from '../../../src/core/markdown/snippets.ts';

const picture = { id: 'pic-1', kind: 'image' as const, filename: 'harbour.jpg' };

describe('editor snippets', () => {
  it('writes a picture without words, so that it says its description from Media', () => {
    expect(editorSnippet(picture)).toBe('![](media:pic-1)');
  });

  it('keeps words written for this piece inside the brackets, however they are spelled', () => {
    const snippet = editorSnippet(picture, ' Chart [week 3]\nof growth \\ ');
    expect(snippet).toBe('![Chart \\[week 3\\] of growth \\\\](media:pic-1)');
    const rendered = renderArtifactBody({ source: snippet, format: 'markdown' });
    expect(rendered.ok && rendered.html).toContain('alt="Chart [week 3] of growth \\"');
    expect(rendered.ok && rendered.mediaRefs).toEqual(['pic-1']);
  });

  it('links a file by its name', () => {
    expect(editorSnippet({ id: 'f-1', kind: 'attachment', filename: 'lab [final].pdf' })).toBe('[lab \\[final\\].pdf](media:f-1)');
  });

  it('adds a snippet at the end of the text as a paragraph of its own', () => {
    expect(appendSnippet('Day one.\r\n\r\n', '![](media:pic-1)')).toBe('Day one.\n\n![](media:pic-1)\n');
    expect(appendSnippet('', '![](media:pic-1)')).toBe('![](media:pic-1)\n');
  });
});
