/** The plain-text excerpt a river shows for a feed item. Pure. */
import { excerptLength } from '../feeds/excerpt.ts';

/**
 * Plain text cut near the excerpt length the renderer uses for Potluck's own work (whitespace collapsed, cut at a
 * word, by code points so an emoji is never split), so feed items and portfolio work read alike in a river.
 */
export function plainExcerpt(text: string): string {
  // Only the start of a long text can reach the excerpt, and collapsing whitespace never lengthens it: the collapsed
  // start is the start of the collapsed whole, and once it is longer than the most the cut below can take (two
  // UTF-16 units a code point), the rest is never read.
  if (text.length > HEAD) {
    let head = text.slice(0, HEAD);
    // Text from HTML (htmlToText) comes collapsed already: then there is nothing to replace.
    if (UNCOLLAPSED.test(head)) head = head.replace(/\s+/g, ' ');
    head = head.trimStart();
    if (head.length > 2 * excerptLength + 1) return cutExcerpt(head);
  }
  return cutExcerpt(text.replace(/\s+/g, ' ').trim());
}

/** How much of a long text is collapsed first: the most the cut can take, and some to spare for collapsing. */
const HEAD = 2 * excerptLength + 64;
/** Whitespace that collapsing changes: a run of two or more, or any but a plain space. */
const UNCOLLAPSED = /\s\s|[^\S ]/;

function cutExcerpt(collapsed: string): string {
  if (collapsed.length <= excerptLength) return collapsed;
  // The first excerptLength code points, counted without splitting the whole text (a post can be long).
  let end = 0;
  for (let points = 0; points < excerptLength && end < collapsed.length; points++) end += collapsed.codePointAt(end)! > 0xffff ? 2 : 1;
  const cut = collapsed.slice(0, end);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > excerptLength / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.!?–—-]+$/u, '')}…`;
}
