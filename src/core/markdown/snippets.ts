// The Markdown the editor writes into a student's text for a picture or file they add there. A picture added in the
// editor is described once, on the picture (its description in Media), and written as `![](media:ID)`, so a later
// change of the description reaches every piece that shows it; words the student types into the brackets are theirs
// and win (see responsiveImages.ts). Pure, so the browser's editor and the server's no-JavaScript upload write the same.

/** What a snippet needs to know about an uploaded item. */
export interface SnippetItem {
  id: string;
  kind: 'image' | 'attachment';
  filename: string;
}

// Text inside [...] must not close the brackets or start an escape; a line break would end the paragraph.
function bracketText(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/([\\[\]])/g, '\\$1');
}

/**
 * `![](media:ID)` for a picture (or `![words](media:ID)` when the student wrote words for this piece only), and
 * `[name](media:ID)` for a file.
 */
export function editorSnippet(item: SnippetItem, words = ''): string {
  if (item.kind === 'image') return `![${bracketText(words)}](media:${item.id})`;
  return `[${bracketText(words) || bracketText(item.filename) || 'Download'}](media:${item.id})`;
}

/** The body with a snippet added at its end, as a paragraph of its own. */
export function appendSnippet(body: string, snippet: string): string {
  const text = body.replace(/\s+$/, '');
  return text ? `${text}\n\n${snippet}\n` : `${snippet}\n`;
}
