/** What a hub item is called where a title belongs. Pure. */

/** Words shown for a post that has no title. */
const WORDS = 10;

/**
 * A hub item's title for people: its own title, or, for a post without one (Mastodon's posts have none), its text:
 * the first words, then "…". A post without text either (a picture alone) is called what it is. Never "(untitled)".
 * Feeds written by Potluck leave the title out instead (RSS and JSON Feed both allow it); this is for pages.
 */
export function itemDisplayTitle(title: string | null | undefined, text: string | null | undefined): string {
  const own = (title ?? '').replace(/\s+/g, ' ').trim();
  if (own) return own;
  const words = (text ?? '').replace(/\s+/g, ' ').trim().replace(/…$/u, '').split(' ').filter(Boolean);
  if (words.length === 0) return 'A post without text';
  if (words.length <= WORDS && !(text ?? '').trim().endsWith('…')) return words.join(' ');
  return `${words.slice(0, WORDS).join(' ').replace(/[\s,;:.!?–—-]+$/u, '')}…`;
}
