/**
 * Finding and rewriting the URLs inside HTML and CSS: the static export makes its links relative with it, and feeds
 * make stored artifact HTML absolute. HTML is read by a tokenizer that follows the WHATWG tokenization rules for the
 * parts that matter here (tags, attributes and their quoting, comments, doctypes, raw text such as `<script>` and
 * `<style>`, character references in attribute values), and only the bytes of URL attributes are replaced: the rest
 * of each document stays exactly as it was. It builds no tree, so a 500-page portfolio is read in tens of
 * milliseconds with almost no garbage; tests/integration/export checks it against a full HTML parser (parse5
 * through rehype-parse) on every exported page. Pure.
 */
import { rehypeParseHtml } from './parse.ts';
import { unified } from 'unified';

/** One attribute holding URLs, with where it sits in the source. */
export interface UrlAttribute {
  /** Offsets of the whole attribute (`name="value"`) in the source string. */
  start: number;
  end: number;
  /** The attribute's name as written. */
  name: string;
  /** `url`: the value is one URL; `srcset`: a list of image candidates. */
  kind: 'url' | 'srcset';
  /** The value (character references decoded). */
  value: string;
  /** The start tag the attribute is on, as the tokenizer read it (shared by the attributes of one tag). */
  tag?: StartTagInfo;
}

/** What the tokenizer saw of a start tag that has URL attributes. */
export interface StartTagInfo {
  /** Lower-case tag name. */
  name: string;
  /** Offset just after the tag's `>`. */
  end: number;
  /** An `<a>` tag's (first) `class` attribute as written, with its offsets; null without one, and on other tags. */
  classAttribute: { start: number; end: number; value: string } | null;
}

/** Attributes whose value is one URL, on any element unless an element is named. */
const URL_ATTRIBUTES: Record<string, string[] | null> = {
  href: null,
  src: null,
  poster: null,
  cite: null,
  longdesc: null,
  'xlink:href': null,
  action: ['form'],
  formaction: ['button', 'input'],
  data: ['object'],
};

// Elements whose content the tree builder hands to the tokenizer as text (HTML namespace). Not `<noscript>`: with
// scripting off its content is markup, and its links must work for those readers too.
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'title', 'textarea']);
// SVG and MathML: inside them those names are ordinary elements, except in the integration points (where HTML rules
// apply again) and after an HTML element that breaks out of foreign content.
const FOREIGN = new Set(['svg', 'math']);
const INTEGRATION_POINTS = new Set(['foreignobject', 'desc', 'title', 'mi', 'mo', 'mn', 'ms', 'mtext', 'annotation-xml']);
const BREAKOUT = new Set(
  'b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var'.split(' '),
);

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
const isAlpha = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));

/** Every URL-bearing attribute of an HTML document, in source order. */
export function findUrlAttributes(html: string): UrlAttribute[] {
  const found: UrlAttribute[] = [];
  const n = html.length;
  // Open foreign elements and integration points: enough of the tree builder to know when HTML rules apply.
  const stack: { name: string; html: boolean }[] = [];
  const inForeign = () => stack.length > 0 && !stack[stack.length - 1].html;
  let i = 0;
  while (i < n) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    i = lt + 1;
    const c = html[i];
    if (c === '!') {
      i = skipMarkupDeclaration(html, i + 1, inForeign());
    } else if (c === '?') {
      i = endOfBogusComment(html, i);
    } else if (c === '/') {
      if (isAlpha(html[i + 1])) {
        const tag = readTag(html, i + 1, null);
        const open = stack.findLastIndex((e) => e.name === tag.name);
        if (open >= 0) stack.length = open;
        i = tag.end;
      } else if (html[i + 1] === '>') i += 2;
      else i = endOfBogusComment(html, i + 1);
    } else if (isAlpha(c)) {
      const tag = readTag(html, i, found);
      i = tag.end;
      if (inForeign()) {
        if (BREAKOUT.has(tag.name)) stack.length = 0;
        else {
          if (!tag.selfClosing && INTEGRATION_POINTS.has(tag.name)) stack.push({ name: tag.name, html: true });
          continue;
        }
      }
      if (FOREIGN.has(tag.name)) {
        if (!tag.selfClosing) stack.push({ name: tag.name, html: false });
      } else if (tag.name === 'plaintext') break;
      else if (tag.name === 'script') i = endOfScriptData(html, i);
      else if (RAW_TEXT.has(tag.name)) i = endOfRawText(html, i, tag.name);
    }
  }
  return found;
}

function endOfBogusComment(html: string, from: number): number {
  const gt = html.indexOf('>', from);
  return gt < 0 ? html.length : gt + 1;
}

/** After `<!`: a comment, a doctype, CDATA (in SVG and MathML) or a bogus comment. */
function skipMarkupDeclaration(html: string, at: number, foreign: boolean): number {
  if (html.startsWith('--', at)) {
    const body = at + 2;
    // `<!-->` and `<!--->` end at once.
    if (html[body] === '>') return body + 1;
    if (html.startsWith('->', body)) return body + 2;
    let end = html.length;
    const a = html.indexOf('-->', body);
    const b = html.indexOf('--!>', body);
    if (a >= 0) end = a + 3;
    if (b >= 0 && b + 4 < end) end = b + 4;
    return end;
  }
  if (foreign && html.startsWith('[CDATA[', at)) {
    const close = html.indexOf(']]>', at + 7);
    return close < 0 ? html.length : close + 3;
  }
  return endOfBogusComment(html, at);
}

/** The end of an element's raw text (`<style>`, `<title>`…): its end tag. */
function endOfRawText(html: string, from: number, name: string): number {
  const at = findEndTag(html, from, name);
  return at < 0 ? html.length : at;
}

function findEndTag(html: string, from: number, name: string): number {
  let at = from;
  for (;;) {
    at = html.indexOf('</', at);
    if (at < 0) return -1;
    if (html.slice(at + 2, at + 2 + name.length).toLowerCase() === name) {
      const after = html[at + 2 + name.length];
      if (after === undefined || isSpace(after) || after === '/' || after === '>') return at;
    }
    at += 2;
  }
}

/**
 * The end of script data, following the spec's escaped and double-escaped states: inside `<!--`, a `<script>`
 * means the next `</script>` does not end the element.
 */
function endOfScriptData(html: string, from: number): number {
  const n = html.length;
  let i = from;
  let escaped = false;
  let doubleEscaped = false;
  const tagAt = (at: number, name: string) => {
    if (html.slice(at, at + name.length).toLowerCase() !== name) return false;
    const after = html[at + name.length];
    return after === undefined || isSpace(after) || after === '/' || after === '>';
  };
  while (i < n) {
    if (!escaped && html.startsWith('<!--', i)) {
      escaped = true;
      i += 4;
      continue;
    }
    if (escaped && html.startsWith('-->', i)) {
      escaped = false;
      doubleEscaped = false;
      i += 3;
      continue;
    }
    if (html[i] === '<') {
      if (html[i + 1] === '/' && tagAt(i + 2, 'script')) {
        if (!doubleEscaped) return i;
        doubleEscaped = false;
        i += 8;
        continue;
      }
      if (escaped && !doubleEscaped && tagAt(i + 1, 'script')) {
        doubleEscaped = true;
        i += 7;
        continue;
      }
    }
    i++;
  }
  return n;
}

interface Tag {
  name: string;
  end: number;
  selfClosing: boolean;
}

/**
 * Reads a tag from its name to its `>`; collects the URL attributes of start tags into `found` (null: an end tag,
 * whose attributes mean nothing). Follows the tokenizer's attribute states, so quoting, missing values, stray
 * characters and duplicate attributes (the first one wins) come out as a browser sees them.
 */
function readTag(html: string, from: number, found: UrlAttribute[] | null): Tag {
  const n = html.length;
  let i = from;
  while (i < n && !isSpace(html[i]) && html[i] !== '/' && html[i] !== '>') i++;
  const name = html.slice(from, i).toLowerCase();
  const seen = new Set<string>();
  // Kept until the tag closes: a tag cut off by the end of the file is not a tag at all.
  const mine: UrlAttribute[] = [];
  let classAttribute: StartTagInfo['classAttribute'] = null;
  let selfClosing = false;
  while (i < n) {
    const c = html[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '>') {
      if (found && mine.length) {
        const tag: StartTagInfo = { name, end: i + 1, classAttribute };
        for (const attribute of mine) {
          attribute.tag = tag;
          found.push(attribute);
        }
      }
      return { name, end: i + 1, selfClosing };
    }
    if (c === '/') {
      selfClosing = html[i + 1] === '>';
      i++;
      continue;
    }
    selfClosing = false;
    // Attribute name: a leading '=' belongs to the name.
    const nameStart = i;
    i++;
    while (i < n && !isSpace(html[i]) && html[i] !== '/' && html[i] !== '>' && html[i] !== '=') i++;
    const attribute = html.slice(nameStart, i);
    let j = i;
    while (j < n && isSpace(html[j])) j++;
    let value: string | null = null;
    let end = i;
    if (html[j] === '=') {
      j++;
      while (j < n && isSpace(html[j])) j++;
      const q = html[j];
      if (q === '"' || q === "'") {
        const close = html.indexOf(q, j + 1);
        value = html.slice(j + 1, close < 0 ? n : close);
        end = close < 0 ? n : close + 1;
      } else if (q === '>') {
        value = '';
        end = j;
      } else {
        let k = j;
        while (k < n && !isSpace(html[k]) && html[k] !== '>') k++;
        value = html.slice(j, k);
        end = k;
      }
      i = end;
    }
    const key = attribute.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    if (key === 'class' && found && name === 'a') classAttribute = { start: nameStart, end, value: value ?? '' };
    // No value, or an empty one (this very document): nothing to rewrite.
    if (!found || !value) continue;
    const kind: UrlAttribute['kind'] | null =
      key === 'srcset' ? 'srcset' : key in URL_ATTRIBUTES && (URL_ATTRIBUTES[key] === null || URL_ATTRIBUTES[key]!.includes(name)) ? 'url' : null;
    if (kind) mine.push({ start: nameStart, end, name: attribute, kind, value: decodeAttribute(value) });
  }
  return { name, end: n, selfClosing };
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
// Code points a numeric reference may not produce, per the spec: replaced by U+FFFD.
const WINDOWS_1252: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021, 0x88: 0x02c6, 0x89: 0x2030,
  0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018, 0x92: 0x2019, 0x93: 0x201c, 0x94: 0x201d, 0x95: 0x2022,
  0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc, 0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a, 0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

const fragmentParser = unified().use(rehypeParseHtml, { fragment: true });

/**
 * Decodes character references in an attribute value. Numeric references and the common named ones are decoded
 * here; a value with any other named reference is handed to the full HTML parser, which knows all 2,231.
 */
export function decodeAttribute(value: string): string {
  if (!value.includes('&')) return value;
  let rare = false;
  const decoded = value.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*)(;?)/g, (match, body: string, semi: string, offset: number) => {
    if (body.startsWith('#')) {
      let code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (WINDOWS_1252[code]) code = WINDOWS_1252[code];
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || !Number.isFinite(code)) code = 0xfffd;
      return String.fromCodePoint(code);
    }
    const next = value[offset + match.length];
    if (semi && NAMED[body] !== undefined) return NAMED[body];
    // Without ';' only the legacy names decode, and in attributes not before '=' or an alphanumeric.
    if (!semi && ['amp', 'lt', 'gt', 'quot', 'nbsp'].includes(body) && next !== '=' && !/[A-Za-z0-9]/.test(next ?? '')) return NAMED[body];
    rare = true;
    return match;
  });
  if (!rare) return decoded;
  const tree = fragmentParser.parse(`<a title="${value.replace(/"/g, '&quot;')}"></a>`);
  const a = tree.children[0];
  return a && a.type === 'element' && typeof a.properties.title === 'string' ? a.properties.title : decoded;
}

/** One image candidate of a srcset: its URL and descriptor (`480w`, `2x`, or ''). */
export interface SrcsetCandidate {
  url: string;
  descriptor: string;
}

/** Parses a srcset value the way browsers do (URLs end at whitespace; a trailing comma ends a candidate). */
export function parseSrcset(value: string): SrcsetCandidate[] {
  const candidates: SrcsetCandidate[] = [];
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && (/\s/.test(value[i]) || value[i] === ',')) i++;
    if (i >= n) break;
    let url = '';
    while (i < n && !/\s/.test(value[i])) url += value[i++];
    let descriptor = '';
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      let depth = 0;
      while (i < n) {
        const c = value[i];
        if (c === '(') depth++;
        else if (c === ')') depth = Math.max(0, depth - 1);
        else if (c === ',' && depth === 0) break;
        descriptor += c;
        i++;
      }
      i++;
    }
    if (url) candidates.push({ url, descriptor: descriptor.trim() });
  }
  return candidates;
}

/** Writes a srcset back from candidates. */
export function formatSrcset(candidates: SrcsetCandidate[]): string {
  return candidates.map((c) => (c.descriptor ? `${c.url} ${c.descriptor}` : c.url)).join(', ');
}

/** The URLs an attribute refers to. */
export function urlsOf(attribute: UrlAttribute): string[] {
  return attribute.kind === 'srcset' ? parseSrcset(attribute.value).map((c) => c.url) : [attribute.value];
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}

/** A replacement of `source.slice(start, end)`. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping edits to a string. */
export function applyEdits(source: string, edits: Edit[]): string {
  if (edits.length === 0) return source;
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const edit of sorted) {
    if (edit.start < at) throw new Error('Overlapping edits in a rewritten document.');
    parts.push(source.slice(at, edit.start), edit.text);
    at = edit.end;
  }
  parts.push(source.slice(at));
  return parts.join('');
}

/**
 * Edits that rewrite the URLs of the given attributes with `map` (which answers the new URL, or null to keep one).
 * An attribute whose URLs all stay the same is left byte for byte.
 */
export function rewriteAttributes(attributes: UrlAttribute[], map: (url: string) => string | null): Edit[] {
  const edits: Edit[] = [];
  for (const attribute of attributes) {
    let value: string;
    if (attribute.kind === 'srcset') {
      let changed = false;
      const candidates = parseSrcset(attribute.value).map((c) => {
        const url = map(c.url);
        if (url === null || url === c.url) return c;
        changed = true;
        return { ...c, url };
      });
      if (!changed) continue;
      value = formatSrcset(candidates);
    } else {
      const url = map(attribute.value);
      if (url === null || url === attribute.value) continue;
      value = url;
    }
    edits.push({ start: attribute.start, end: attribute.end, text: `${attribute.name}="${escapeAttribute(value)}"` });
  }
  return edits;
}

/** One `url(...)` or `@import "..."` reference in a stylesheet. */
export interface CssUrl {
  /** Offsets of the URL text itself (inside quotes or parentheses). */
  start: number;
  end: number;
  value: string;
}

/**
 * The URLs of a stylesheet: `url(...)` tokens and `@import` strings, skipping comments and other strings (a small
 * tokenizer, so a `url(` inside a comment or a content string is not taken for a reference).
 */
export function findCssUrls(css: string): CssUrl[] {
  const found: CssUrl[] = [];
  let i = 0;
  const n = css.length;
  let afterImport = false;
  while (i < n) {
    const c = css[i];
    if (c === '/' && css[i + 1] === '*') {
      const close = css.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && css[j] !== c && css[j] !== '\n') j += css[j] === '\\' ? 2 : 1;
      if (afterImport) found.push({ start: i + 1, end: j, value: css.slice(i + 1, j) });
      afterImport = false;
      i = j + 1;
      continue;
    }
    if (c === '@' && css.slice(i, i + 7).toLowerCase() === '@import') {
      afterImport = true;
      i += 7;
      continue;
    }
    if ((c === 'u' || c === 'U') && css.slice(i, i + 4).toLowerCase() === 'url(' && !/[\w-]/.test(css[i - 1] ?? '')) {
      let j = i + 4;
      while (j < n && /\s/.test(css[j])) j++;
      const quote = css[j] === '"' || css[j] === "'" ? css[j] : '';
      if (quote) {
        let k = j + 1;
        while (k < n && css[k] !== quote && css[k] !== '\n') k += css[k] === '\\' ? 2 : 1;
        found.push({ start: j + 1, end: k, value: css.slice(j + 1, k) });
        i = css.indexOf(')', k) < 0 ? n : css.indexOf(')', k) + 1;
      } else {
        const close = css.indexOf(')', j);
        const end = close < 0 ? n : close;
        let valueEnd = end;
        while (valueEnd > j && /\s/.test(css[valueEnd - 1])) valueEnd--;
        found.push({ start: j, end: valueEnd, value: css.slice(j, valueEnd) });
        i = end + 1;
      }
      afterImport = false;
      continue;
    }
    if (c === ';' || c === '{') afterImport = false;
    i++;
  }
  return found;
}

/** Edits that rewrite the URLs of a stylesheet with `map` (null keeps a URL). */
export function rewriteCssUrls(urls: CssUrl[], map: (url: string) => string | null): Edit[] {
  const edits: Edit[] = [];
  for (const u of urls) {
    const next = map(u.value);
    if (next !== null && next !== u.value) edits.push({ start: u.start, end: u.end, text: next.replace(/["'()\\\s]/g, (ch) => encodeURIComponent(ch)) });
  }
  return edits;
}
