/**
 * Tags from other platforms as Potluck takes them. Blogs allow any text as a tag or category ("Post Formats",
 * "content περιεχόμενο", "6.1"); a Potluck tag is a letter followed by letters, digits, `-` and `_`. Spaces and
 * punctuation inside a tag become `-` (case is left to the importer, which lowercases); a tag that does not start
 * with a letter cannot be made into one and is left out, and the report says so. Every importer cleans tags here.
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

/** Tags or categories as a list, or a string of words separated by commas (or spaces when there is no comma). */
export function readTagList(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => (typeof v === 'string' || typeof v === 'number' ? [String(v).trim()] : [])).filter(Boolean);
  if (typeof value === 'number') return [String(value)];
  if (typeof value !== 'string') return [];
  const parts = value.includes(',') ? value.split(',') : value.split(/\s+/);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/**
 * The report's sentences for tags left out of one piece (none when nothing was left out); `where` names the piece as
 * the report does (its title in quotes, or its file).
 */
export function tagWarnings(where: string, result: { dropped: readonly string[]; overLimit: readonly string[] }): string[] {
  const out: string[] = [];
  if (result.dropped.length) out.push(droppedTagsWarning(where, result.dropped));
  if (result.overLimit.length) {
    out.push(`${where}: ${result.overLimit.length} of its tags were left out, because a piece carries at most ${MAX_PIECE_TAGS} (the first ${MAX_PIECE_TAGS} were kept).`);
  }
  return out;
}

function droppedTagsWarning(where: string, dropped: readonly string[]): string {
  const list = dropped.map((t) => `"${t}"`).join(', ');
  return `${where}: the ${dropped.length === 1 ? 'tag' : 'tags'} ${list} ${dropped.length === 1 ? 'was' : 'were'} left out, because a tag must start with a letter.`;
}
