// Hashtags are how students tag work and how hubs find it, so the same grammar applies to `#tags` typed in a
// body and to the tags field: a letter first, then letters, digits, `-` or `_` (any script, so `#café`,
// `#日本語` and `#Ελληνικά` are tags). A tag is stored normalised: lowercased, NFC, without the `#`.

/** Longest tag we accept, in characters (code points), so tags fit in URLs and UI chips. */
export const maxTagLength = 64;

// `\p{M}` keeps combining marks (decomposed accents, Devanagari vowel signs) inside a tag.
const tagBody = String.raw`\p{L}[\p{L}\p{M}\p{N}_-]*`;
const tagPattern = new RegExp(`^${tagBody}$`, 'u');

// A `#` starts a tag only at the start of the text, after whitespace, or after punctuation that does not
// belong to URLs or words: `see #week-3`, `(#draft)`, `“#poetry”` count; `page#anchor`, `/#frag`, `?a=#b`,
// `&#35;` and `C##` do not.
const hashtagPattern = new RegExp(String.raw`(?<=^|[\s\p{Zs}([{<"'“‘«‹,;!¡?¿–—…*~|])#(${tagBody})`, 'gu');

/** Outcome of checking one tag: the normalised tag, or a message the student can act on. */
export type TagResult = { ok: true; tag: string } | { ok: false; message: string };

/** Normalises a tag from the tags field or the body (trim, strip one leading '#', NFC, lowercase) and checks it. */
export function normalizeTag(tag: string): TagResult {
  let value = tag.trim();
  if (value.startsWith('#')) value = value.slice(1);
  // NFC after lowercasing too: lowercasing can decompose (İ -> i + U+0307) and we compare tags byte for byte.
  value = value.normalize('NFC').toLowerCase().normalize('NFC');
  if (value === '')
    return { ok: false, message: 'A tag cannot be empty. Write a word after the #, for example #week-3.' };
  const length = [...value].length;
  if (length > maxTagLength) {
    return {
      ok: false,
      message: `The tag "${value.slice(0, 20)}…" is ${length} characters long; tags can be at most ${maxTagLength}.`,
    };
  }
  if (!tagPattern.test(value)) {
    return {
      ok: false,
      message: `The tag "${value}" is not valid: a tag starts with a letter and uses only letters, digits, - and _ (for example week-3).`,
    };
  }
  return { ok: true, tag: value };
}

/** Finds the `#hashtags` in plain text and returns them normalised, deduplicated, in order of first use. */
export function extractHashtags(text: string): string[] {
  const seen = new Set<string>();
  for (const match of text.matchAll(hashtagPattern)) {
    // A sentence like "see #week-3-" or "#tag_" ends with a separator that is not part of the tag.
    const raw = (match[1] ?? '').replace(/[-_]+$/u, '');
    const result = normalizeTag(raw);
    if (result.ok) seen.add(result.tag);
  }
  return [...seen];
}
