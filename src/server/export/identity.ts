/**
 * One identity per page in the static copy. A link between exported pages names the file (`poem/index.html`), so the
 * folder works from disk; but when that link is also a microformats URL property (an h-entry's `u-url` in a list,
 * the author's h-card), a microformats reader would take the file name for the page's address, and the same post
 * would have two identities: `…/poem/index.html` in the list, `…/poem/` on its own page and in the feeds.
 *
 * So such a link keeps its navigation href, and its identity moves into a `<data>` element inside it that carries
 * the clean address under the export's base:
 *
 *   <a class="u-url" href="poem/index.html">Poem</a>
 *   -> <a  href="poem/index.html"><data class="u-url" value="https://maya.example.org/poem/"></data>Poem</a>
 *
 * An `<a>` that is itself a microformats root (`<a class="p-author h-card" href>`) gets its implied URL the same way.
 * Pure: string edits from source offsets, like the link rewriting.
 */
import type { Edit, UrlAttribute } from '../../core/html/urlAttributes.ts';

/** One attribute of a start tag, with where it sits. */
interface TagAttribute {
  /** Lower-case name. */
  name: string;
  start: number;
  end: number;
  value: string;
}

interface StartTag {
  name: string;
  /** Offset just after the tag's `>`. */
  end: number;
  attributes: TagAttribute[];
}

const SPACE = /[\t\n\f\r ]/;

/** Reads the start tag at `lt` (a `<`), or null when there is none there. */
function readStartTag(html: string, lt: number): StartTag | null {
  if (html[lt] !== '<' || !/[A-Za-z]/.test(html[lt + 1] ?? '')) return null;
  let i = lt + 1;
  while (i < html.length && !SPACE.test(html[i]) && html[i] !== '/' && html[i] !== '>') i++;
  const name = html.slice(lt + 1, i).toLowerCase();
  const attributes: TagAttribute[] = [];
  for (;;) {
    while (i < html.length && (SPACE.test(html[i]) || html[i] === '/')) i++;
    if (i >= html.length) return null;
    if (html[i] === '>') return { name, end: i + 1, attributes };
    const start = i;
    i++;
    while (i < html.length && !SPACE.test(html[i]) && !'/>='.includes(html[i])) i++;
    const attrName = html.slice(start, i).toLowerCase();
    let j = i;
    while (j < html.length && SPACE.test(html[j])) j++;
    let value = '';
    if (html[j] === '=') {
      j++;
      while (j < html.length && SPACE.test(html[j])) j++;
      const quote = html[j];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, j + 1);
        if (close < 0) return null;
        value = html.slice(j + 1, close);
        i = close + 1;
      } else {
        const from = j;
        while (j < html.length && !SPACE.test(html[j]) && html[j] !== '>') j++;
        value = html.slice(from, j);
        i = j;
      }
    }
    attributes.push({ name: attrName, start, end: i, value });
  }
}

/** The start tag that holds the attribute starting at `offset` (looking back over at most a few `<`). */
function startTagAround(html: string, offset: number): StartTag | null {
  let lt = html.lastIndexOf('<', offset);
  for (let tries = 0; lt >= 0 && tries < 8; tries++) {
    const tag = readStartTag(html, lt);
    if (tag?.attributes.some((a) => a.start === offset)) return tag;
    lt = html.lastIndexOf('<', lt - 1);
  }
  return null;
}

const IDENTITY = new Set(['u-url', 'u-uid']);

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/**
 * Edits that give every microformats link among `attributes` its clean address: `cleanUrlOf(attribute)` answers the
 * address for an href that names a page of the export, or null for any other link (left as it is).
 */
export function identityEdits(html: string, attributes: UrlAttribute[], cleanUrlOf: (attribute: UrlAttribute) => string | null): Edit[] {
  const edits: Edit[] = [];
  for (const attribute of attributes) {
    if (attribute.name.toLowerCase() !== 'href') continue;
    // The tokenizer that found the attribute knows its tag; without that, the tag is read again from the source.
    const tag = attribute.tag ?? startTagAround(html, attribute.start);
    if (!tag || tag.name !== 'a') continue;
    const classAttribute = 'classAttribute' in tag ? tag.classAttribute : tag.attributes.find((a) => a.name === 'class');
    // Only `u-url`, `u-uid` and `h-*` classes matter: most links have none of them.
    if (!classAttribute || !/u-u|h-/.test(classAttribute.value)) continue;
    const classes = classAttribute.value.split(/[\t\n\f\r ]+/).filter(Boolean);
    const moved = classes.filter((c) => IDENTITY.has(c));
    // A root's URL is implied from its href when it has no u-url of its own.
    const isRoot = classes.some((c) => /^h-[a-z0-9]+(?:-[a-z0-9]+)*$/.test(c));
    if (moved.length === 0 && !isRoot) continue;
    const clean = cleanUrlOf(attribute);
    if (clean === null) continue;
    if (moved.length > 0) {
      const kept = classes.filter((c) => !IDENTITY.has(c));
      edits.push({ start: classAttribute.start, end: classAttribute.end, text: kept.length ? `class="${escapeAttribute(kept.join(' '))}"` : '' });
    }
    const properties = moved.length > 0 ? moved.join(' ') : 'u-url';
    edits.push({ start: tag.end, end: tag.end, text: `<data class="${properties}" value="${escapeAttribute(clean)}"></data>` });
  }
  return edits;
}
