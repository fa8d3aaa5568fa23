/** Word count and reading time of a piece's Markdown, as the editor shows them. Pure (runs in the browser too). */

/** Words per minute of an unhurried reader: the usual figure for reading-time estimates. */
const WORDS_PER_MINUTE = 220;

// Markup that is not words: picture snippets, link targets, heading and list markers, emphasis marks, code fences.
const PICTURE = /!\[([^\]]*)\]\([^)]*\)/g;
const LINK_TARGET = /\]\([^)]*\)/g;
const MARKS = /[#>*_`~|[\]()-]+/g;

/** Words in the text: runs of letters or digits (any script), markup left out. */
export function countWords(markdown: string): number {
  const text = markdown.replace(PICTURE, ' $1 ').replace(LINK_TARGET, ' ').replace(MARKS, ' ');
  const words = text.match(/[\p{L}\p{N}][\p{L}\p{N}'’.-]*/gu);
  return words ? words.length : 0;
}

/** "1 word · under a minute to read", "1,482 words · 7 min read". */
export function describeLength(words: number): string {
  const count = `${words.toLocaleString('en')} ${words === 1 ? 'word' : 'words'}`;
  if (words === 0) return count;
  const minutes = Math.round(words / WORDS_PER_MINUTE);
  return `${count} · ${minutes < 1 ? 'under a minute to read' : `${minutes} min read`}`;
}
