/** The plain-text excerpt a river shows for a feed item. Pure. */
import { excerptLength } from '../feeds/excerpt.ts';

/**
 * Plain text cut near the excerpt length the renderer uses for Potluck's own work (whitespace collapsed, cut at a
 * word, by code points so an emoji is never split), so feed items and portfolio work read alike in a river.
 */
export function plainExcerpt(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  if (collapsed.length <= excerptLength) return collapsed;
  // The first excerptLength code points, counted without splitting the whole text (a post can be long).
  let end = 0;
  for (let points = 0; points < excerptLength && end < collapsed.length; points++) end += collapsed.codePointAt(end)! > 0xffff ? 2 : 1;
  const cut = collapsed.slice(0, end);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > excerptLength / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.!?–—-]+$/u, '')}…`;
}
