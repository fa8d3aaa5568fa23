/**
 * What a search box means. Turns the text someone typed into an SQLite FTS5 query that can never be a syntax error
 * (every term is a quoted string built only from letters, digits and marks, so `"`, `AND (`, `col:x`, `*` or
 * `NEAR(` are just words or nothing), plus the `#tag` filters the workspace has always had. Also turns an FTS5
 * snippet into safe HTML. Pure.
 */

/** Longest query read; the rest is ignored (a search box, not a document). */
export const MAX_QUERY_LENGTH = 200;
/** Most words and phrases used from one query: each is a posting list to intersect. */
export const MAX_QUERY_TERMS = 12;

/** Marks FTS5 puts around a matched word in a snippet (control characters, which no one types in a search). */
export const SNIPPET_OPEN = '\u0002';
export const SNIPPET_CLOSE = '\u0003';
/** What stands for the text cut from either side of a snippet. */
export const SNIPPET_ELLIPSIS = '…';

/** A query as the index and the tag filter understand it. */
export interface SearchQuery {
  /** The FTS5 MATCH expression (all terms must match), or null when the text holds no word to look for. */
  match: string | null;
  /** `#tag` terms, normalised as stored tags are (lowercase, NFC, no '#'): each must be a tag of the piece. */
  tags: string[];
  /** The words (prefix-matched) and quoted phrases (exact) that were understood, as the index sees them. */
  terms: string[];
}

// Letters, digits and combining marks: what FTS5's unicode61 tokenizer keeps in a token. Everything else separates
// tokens there, so it separates them here too (`e-mail` is the phrase "e mail", as it was indexed).
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;
// A quoted phrase (to the closing quote, or to the end when the quote is never closed), or a run without spaces or quotes.
const PIECE = /"([^"]*)"?|([^\s"]+)/gu;

function tokensOf(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

function quoted(tokens: string[]): string {
  // Tokens hold no '"', but doubling is FTS5's escape and keeps this safe if TOKEN ever changes.
  return `"${tokens.join(' ').replace(/"/g, '""')}"`;
}

/** Reads a search box: words become prefix terms, "quoted phrases" stay phrases, `#tag` filters by tag. */
export function parseSearchQuery(input: string): SearchQuery {
  const text = input.slice(0, MAX_QUERY_LENGTH).normalize('NFC');
  const tags: string[] = [];
  const terms: string[] = [];
  const expressions: string[] = [];
  for (const [, phrase, word] of text.matchAll(PIECE)) {
    if (word?.startsWith('#')) {
      const tag = word.replace(/^#+/, '').toLowerCase().normalize('NFC');
      if (tag && !tags.includes(tag)) tags.push(tag);
      continue;
    }
    const tokens = tokensOf(phrase ?? word ?? '');
    if (tokens.length === 0 || expressions.length >= MAX_QUERY_TERMS) continue;
    // A word is matched as a prefix ("photo" finds "photosynthesis"), except a single letter, which would match
    // almost every piece. A phrase the person quoted is matched exactly.
    const prefix = phrase === undefined && tokens.at(-1)!.length > 1;
    const expression = quoted(tokens) + (prefix ? '*' : '');
    if (expressions.includes(expression)) continue;
    expressions.push(expression);
    terms.push(tokens.join(' ') + (prefix ? '…' : ''));
  }
  return { match: expressions.length ? expressions.join(' ') : null, tags, terms };
}

/** Whether a query asks anything of the index or the tags (an empty box, or only `"` or `*`, does not). */
export function isSearching(query: SearchQuery): boolean {
  return query.match !== null || query.tags.length > 0;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Markdown punctuation taken out of a snippet of the source, so it reads like the page: `[text](url)` keeps the
 * text, images their alt, and emphasis, code ticks, heading, quote, list and table marks go.
 */
function withoutMarkdown(snippet: string): string {
  return snippet
    .replace(/!?\[([^\]\n]*)\]\([^)\s]*\)/g, '$1')
    .replace(/(\*\*|__|~~|`+)/g, '')
    .replace(/^[ \t]*(#{1,6}|>|[-*+]|\d+[.)])[ \t]+/gm, '')
    .replace(/\s*\|\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * An FTS5 snippet as HTML: the indexed text is escaped (it is whatever a student typed, never trusted as HTML),
 * then the match marks become `<mark>`. Marks are balanced whatever the text holds: a stray mark is dropped.
 */
export function snippetToHtml(snippet: string): string {
  return markedToHtml(withoutMarkdown(snippet));
}

/** A title with its matched words marked by FTS5 `highlight()` -> safe HTML with `<mark>` (no Markdown to clean). */
export function highlightToHtml(marked: string): string {
  return markedToHtml(marked);
}

function markedToHtml(marked: string): string {
  let open = false;
  let html = '';
  for (const part of marked.split(/([\u0002\u0003])/)) {
    if (part === SNIPPET_OPEN) {
      if (!open) html += '<mark>';
      open = true;
    } else if (part === SNIPPET_CLOSE) {
      if (open) html += '</mark>';
      open = false;
    } else {
      html += escapeText(part);
    }
  }
  return open ? `${html}</mark>` : html;
}

/** Whether a snippet has any match marked in it (a snippet of a column without a match has none). */
export function snippetHasMatch(snippet: string): boolean {
  return snippet.includes(SNIPPET_OPEN);
}
