/**
 * Safe XML for the importers (WordPress exports, Leap2A). An export is a file a person uploads, so it is hostile
 * until proven otherwise: a DOCTYPE that declares entities (billion laughs, `<!ENTITY x SYSTEM "file:///etc/passwd">`)
 * is refused outright, before any parsing, and the parser is told to expand nothing. Text is then decoded here by
 * hand: the five predefined entities and numeric character references, nothing else, so no entity can grow the
 * document or reach outside it.
 *
 * The tree is fast-xml-parser's plain object form (attributes under `@_name`, text under `#text`, CDATA under
 * `#cdata`), read through the small helpers below that match element names by their local part: exports spell
 * namespace prefixes differently (Mahara's `leap2:` is bound to more than one URI in the wild).
 */
import fs from 'node:fs/promises';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PotluckError } from '../../core/errors.ts';

/** Largest XML document read: a WordPress export of a ten-year blog is well under this. */
export const MAX_XML_BYTES = 200 * 1024 * 1024;

/** An element of the parsed tree. */
export type XmlNode = Record<string, unknown>;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the predefined entities and numeric references; any other `&name;` is left as written. */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z][\w.-]*);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    const valid = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0x10ffff);
    return valid && !(code >= 0xfffe && code <= 0xffff) ? String.fromCodePoint(code) : '\uFFFD';
  });
}

/**
 * Refuses a document whose DOCTYPE has an internal subset (where entities are declared) or that declares an
 * entity anywhere. Exports from WordPress, Mahara and feed generators never carry one.
 */
export function refuseEntityDeclarations(text: string, label: string): void {
  const doctype = /<!DOCTYPE[^[>]*(\[)?/i.exec(text.slice(0, 1024 * 1024));
  if (/<!ENTITY/i.test(text.slice(0, 4 * 1024 * 1024)) || (doctype && doctype[1])) {
    throw new PotluckError(
      'BAD_ARCHIVE',
      `${label} declares XML entities in its DOCTYPE, which an export never needs and which can be used to attack the server; it was not read. Export the file again from its site, or remove the DOCTYPE.`,
    );
  }
}

/** Reads a file of at most `MAX_XML_BYTES` as text (UTF-8, a byte order mark dropped). */
export async function readXmlFile(file: string, label: string, maxBytes = MAX_XML_BYTES): Promise<string> {
  const stat = await fs.stat(file);
  if (stat.size > maxBytes) {
    throw new PotluckError(
      'BAD_ARCHIVE',
      `${label} is ${Math.round(stat.size / 1024 / 1024)} MB; at most ${Math.round(maxBytes / 1024 / 1024)} MB of XML is read. Export a smaller part (for example one year of posts) and import each.`,
    );
  }
  return (await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, '');
}

/**
 * Parses XML text into the tree, after `refuseEntityDeclarations`. `stopNodes` (paths like `*.content`) keep an
 * element's inner markup as a raw string (Atom's xhtml content).
 */
export function parseSafeXml(text: string, label: string, options: { stopNodes?: string[] } = {}): XmlNode {
  refuseEntityDeclarations(text, label);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    cdataPropName: '#cdata',
    processEntities: false,
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    commentPropName: false,
    stopNodes: options.stopNodes ?? [],
    isArray: () => true,
  });
  // fast-xml-parser reads broken markup leniently, so well-formedness is checked first (its validator is marked for
  // a separate package that is not installed; this one still ships with the parser).
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new PotluckError(
      'BAD_ARCHIVE',
      `${label} is not well-formed XML (${valid.err.msg} on line ${valid.err.line}); it was not read. Export it again from its site.`,
    );
  }
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch (error) {
    throw new PotluckError('BAD_ARCHIVE', `${label} could not be read as XML (${(error as Error).message.split('\n')[0]}); export it again from its site.`);
  }
  if (!tree || typeof tree !== 'object') throw new PotluckError('BAD_ARCHIVE', `${label} holds no XML elements; it was not read.`);
  return tree as XmlNode;
}

/** The local part of an element or attribute name (`wp:post_id` -> `post_id`). */
export function localName(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/**
 * The child elements of `node` whose local name is `name`; a name with a prefix (`excerpt:encoded`) must match as
 * written (WordPress puts two `encoded` elements on each item, told apart only by their prefixes).
 */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (!node) return [];
  const qualified = name.includes(':');
  const out: XmlNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_') || key.startsWith('#') || (qualified ? key !== name : localName(key) !== name)) continue;
    for (const child of Array.isArray(value) ? value : [value]) {
      out.push(child && typeof child === 'object' ? (child as XmlNode) : { '#text': [String(child ?? '')] });
    }
  }
  return out;
}

/** The first child element named `name`. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

function flatten(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(flatten).join('');
  if (typeof value === 'object') {
    const node = value as XmlNode;
    return flatten(node['#text']) + flatten(node['#cdata']);
  }
  return String(value);
}

/** The text of an element: its text (decoded) and CDATA (as written). Raw for a stop node. */
export function textOf(node: XmlNode | undefined): string {
  if (!node) return '';
  let out = '';
  for (const [key, value] of Object.entries(node)) {
    if (key === '#text') out += decodeXmlText(flatten(value));
    else if (key === '#cdata') out += flatten(value);
  }
  return out;
}

/** The text of the first child named `name`, trimmed. */
export function childText(node: XmlNode | undefined, name: string): string {
  return textOf(child(node, name)).trim();
}

/** An attribute's value (decoded), matched by its local name; `undefined` when absent. */
export function attr(node: XmlNode | undefined, name: string): string | undefined {
  if (!node) return undefined;
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@_') && localName(key.slice(2)) === name) return decodeXmlText(flatten(value));
  }
  return undefined;
}

/** The inner markup of a stop node, exactly as written (entities not decoded: it is markup). */
export function rawOf(node: XmlNode | undefined): string {
  return node ? flatten(node['#text']) + flatten(node['#cdata']) : '';
}
