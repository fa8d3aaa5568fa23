/**
 * Which items belong to a hub. An item belongs when one of its categories/tags, or a `#hashtag` in its title or
 * text, matches one of the hub's tags. Matching ignores case, accents and a leading `#`, so `#Café`, `cafe` and
 * `CAFÉ` are one tag: students type tags on phones, in three keyboard layouts, and a missing accent must not make
 * their work vanish from the course. Pure.
 */
import { extractHashtags } from '../markdown/hashtags.ts';

/**
 * The comparison form of a tag: without `#`, decomposed, combining marks dropped, lowercased. Only for comparing;
 * what people typed is what they see.
 */
export function foldTag(tag: string): string {
  let value = tag.trim();
  if (value.startsWith('#')) value = value.slice(1);
  return value.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().normalize('NFC');
}

/** The folded set of a hub's tags (empty strings dropped). */
export function foldedSet(tags: readonly string[]): Set<string> {
  const set = new Set<string>();
  for (const tag of tags) {
    const folded = foldTag(tag);
    if (folded) set.add(folded);
  }
  return set;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/**
 * Readable text of sanitized HTML, cheaply, for finding hashtags: tags become spaces, a few entities are decoded.
 * (Sanitized HTML has no comments, scripts or styles left, so a full parse would find the same words, slower.)
 */
export function textForHashtags(html: string): string {
  if (!html) return '';
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_, name: string) => ENTITIES[name] ?? ' ');
}

/** What an item says about its subject: feed categories, its title and its text. */
export interface TaggedText {
  categories?: readonly string[];
  title?: string;
  /** Plain text (or sanitized HTML passed through textForHashtags). */
  text?: string;
}

/**
 * Every tag of an item, folded and without repeats: each category (also with its spaces made hyphens, so a
 * WordPress category "Week 3" meets the tag `week-3`) and every `#hashtag` in the title and text.
 */
export function itemTags(item: TaggedText): string[] {
  const out = new Set<string>();
  for (const category of item.categories ?? []) {
    const folded = foldTag(category);
    if (!folded) continue;
    out.add(folded);
    const hyphenated = folded.replace(/\s+/g, '-');
    if (hyphenated !== folded) out.add(hyphenated);
  }
  const prose = `${item.title ?? ''}\n${item.text ?? ''}`;
  if (prose.includes('#')) for (const tag of extractHashtags(prose)) out.add(foldTag(tag));
  return [...out];
}

/** Whether any of an item's folded tags is one of the hub's folded tags. */
export function matchesAny(tags: readonly string[], hubTags: ReadonlySet<string>): boolean {
  for (const tag of tags) if (hubTags.has(tag)) return true;
  return false;
}
