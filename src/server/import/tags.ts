/**
 * Tags from other platforms as Potluck takes them. Blogs allow any text as a tag or category ("Post Formats",
 * "content περιεχόμενο", "6.1"); a Potluck tag is a letter followed by letters, digits, `-` and `_`. Spaces and
 * punctuation inside a tag become `-` (case is left to the importer, which lowercases); a tag that does not start
 * with a letter cannot be made into one and is left out, and the report says so.
 */
import { normalizeTag } from '../../core/markdown/hashtags.ts';

/** Most tags an archive's piece may carry. */
export const MAX_PIECE_TAGS = 50;

/** The tags of one piece as an archive may carry them, and those that had to be left out. */
export function importableTags(raw: readonly string[]): { tags: string[]; dropped: string[]; overLimit: string[] } {
  const overLimit: string[] = [];
  const tags: string[] = [];
  const seen = new Set<string>();
  const dropped: string[] = [];
  for (const original of raw) {
    const text = original.trim().replace(/^#/, '');
    if (!text) continue;
    const joined = text.replace(/[^\p{L}\p{M}\p{N}_-]+/gu, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
    const result = normalizeTag(joined);
    if (!result.ok) {
      dropped.push(original.trim());
      continue;
    }
    if (seen.has(result.tag)) continue;
    seen.add(result.tag);
    if (tags.length >= MAX_PIECE_TAGS) overLimit.push(original.trim());
    else tags.push(joined);
  }
  return { tags, dropped, overLimit };
}

/** The report's sentences for tags left out of one piece (none when nothing was left out). */
export function tagWarnings(piece: string, result: { dropped: readonly string[]; overLimit: readonly string[] }): string[] {
  const out: string[] = [];
  if (result.dropped.length) out.push(droppedTagsWarning(piece, result.dropped));
  if (result.overLimit.length) {
    out.push(`"${piece}": ${result.overLimit.length} of its tags were left out, because a piece carries at most ${MAX_PIECE_TAGS} (the first ${MAX_PIECE_TAGS} were kept).`);
  }
  return out;
}

function droppedTagsWarning(piece: string, dropped: readonly string[]): string {
  const list = dropped.map((t) => `"${t}"`).join(', ');
  return `"${piece}": the ${dropped.length === 1 ? 'tag' : 'tags'} ${list} ${dropped.length === 1 ? 'was' : 'were'} left out, because a tag must start with a letter.`;
}
