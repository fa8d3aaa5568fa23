/**
 * YAML frontmatter for archive files (`artifacts/<slug>/index.md`, `collections/<slug>.md`).
 *
 * Archives come from anywhere, so the YAML is read as plain data: YAML 1.2 core schema (no timestamps, no
 * `yes`/`no` booleans), no custom or language tags, no merge keys, a cap on aliases, duplicate keys refused.
 * Other frontmatter engines (`---js`, `---coffee`, `---toml`) are refused rather than run. Writing is the mirror
 * image with a fixed key order, so that export -> import -> export gives the same bytes.
 */
import { parseDocument, stringify } from 'yaml';
import { PotluckError } from '../errors.ts';

/** A file split into its frontmatter (a YAML mapping) and its Markdown body. */
export interface Frontmatter {
  data: Record<string, unknown>;
  body: string;
  /** The 1-based line of the file where the body starts, to turn body positions into file positions. */
  bodyLine: number;
}

/** The order keys are written in (DESIGN.md "The archive format"); keys not listed follow, alphabetically. */
export const frontmatterKeyOrder: readonly string[] = [
  // revisions/<folder>/<n>.md: which save of the artifact this is, and when and why it was made.
  'number',
  'createdAt',
  'note',
  // feedback/<folder>.md: the piece the thread is on.
  'artifact',
  'id',
  // Only when the folder name differs from the address (a slug Windows cannot use as a folder name).
  'slug',
  'title',
  'date',
  'updated',
  'summary',
  'tags',
  'visibility',
  'kind',
  'cover',
  'canonical',
  'syndication',
  'link',
  'format',
  'items',
  // feedback/<folder>.md: the messages, in order.
  'messages',
];

const fence = /^---[ \t]*$/;

/** How many alias expansions a frontmatter block may make: plenty for hand-written YAML, nothing like a bomb. */
const MAX_ALIAS_EXPANSION = 50;
const closingFence = /^(?:---|\.\.\.)[ \t]*$/;

function bad(file: string | undefined, message: string): PotluckError {
  const where = file ? `${file}: ` : '';
  return new PotluckError('BAD_ARCHIVE', `${where}${message}`, {
    issues: [{ field: file ?? 'frontmatter', message }],
  });
}

/**
 * Splits `text` into YAML data and body. Throws BAD_ARCHIVE naming `file` (when given) for a missing or unclosed
 * frontmatter block, another engine (`---js`), YAML errors (with the line in the file) or a non-mapping.
 */
export function parseFrontmatter(text: string, file?: string): Frontmatter {
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const lines = source.split('\n');
  const first = lines[0] ?? '';
  if (!fence.test(first)) {
    const engine = /^---\s*([A-Za-z][\w-]*)\s*$/.exec(first)?.[1];
    if (engine && engine.toLowerCase() !== 'yaml' && engine.toLowerCase() !== 'yml') {
      throw bad(file, `frontmatter "---${engine}" is not supported; write the frontmatter in YAML between two "---" lines.`);
    }
    if (!engine) {
      throw bad(
        file,
        'has no frontmatter; start the file with a "---" line, then "title: ..." and the other fields, then another "---" line.',
      );
    }
  }
  const end = lines.findIndex((line, i) => i > 0 && closingFence.test(line));
  if (end === -1) throw bad(file, 'the frontmatter is not closed; add a line with only "---" after the last field.');
  const yamlText = lines.slice(1, end).join('\n');
  const doc = parseDocument(yamlText, {
    schema: 'core',
    version: '1.2',
    merge: false,
    uniqueKeys: true,
    prettyErrors: true,
    customTags: [],
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    const reason = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    const hint = problem.code === 'TAG_RESOLVE_FAILED' ? ' (YAML tags such as !!js or !foo are not allowed)' : '';
    throw bad(file, `frontmatter${line ? ` line ${line + 1}` : ''}: ${reason}${hint}.`);
  }
  // An alias that points at other aliases multiplies on expansion ("billion laughs"): the yaml package stops past
  // the cap with a ReferenceError, which is the archive's fault and must say which file, not fail the server.
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    throw bad(
      file,
      `the frontmatter uses YAML aliases (*name) that expand to too much data (more than ${MAX_ALIAS_EXPANSION} copies); write the values out instead of using &anchors and *aliases.`,
    );
  }
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
    throw bad(file, 'the frontmatter must be a list of "key: value" lines (a YAML mapping).');
  }
  // One blank line after the closing fence is layout, not content: `stringifyFrontmatter` writes it.
  const rest = lines.slice(end + 1).join('\n');
  const blank = rest.startsWith('\n');
  return {
    data: (data ?? {}) as Record<string, unknown>,
    body: blank ? rest.slice(1) : rest,
    bodyLine: end + 2 + (blank ? 1 : 0),
  };
}

function orderKeys(data: Record<string, unknown>): Record<string, unknown> {
  const rank = (key: string) => {
    const i = frontmatterKeyOrder.indexOf(key);
    return i === -1 ? frontmatterKeyOrder.length : i;
  };
  const keys = Object.keys(data)
    .filter((k) => data[k] !== undefined && data[k] !== null)
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const ordered: Record<string, unknown> = {};
  for (const key of keys) ordered[key] = toPlain(data[key]);
  return ordered;
}

/** Dates are written as `YYYY-MM-DD` when they fall on midnight UTC, else as full ISO 8601 (UTC). */
export function formatArchiveDate(date: Date): string {
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

function toPlain(value: unknown): unknown {
  if (value instanceof Date) return formatArchiveDate(value);
  if (Array.isArray(value)) return value.map(toPlain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = toPlain(v);
    return out;
  }
  return value;
}

/**
 * Writes frontmatter and body as one file: keys in `frontmatterKeyOrder`, undefined/null left out, Dates as
 * `formatArchiveDate`, no line folding, a blank line before a non-empty body. `parseFrontmatter` reads it back
 * to the same data (Dates as their strings) and the same body.
 */
export function stringifyFrontmatter(data: Record<string, unknown>, body: string): string {
  const yamlText = stringify(orderKeys(data), {
    version: '1.2',
    lineWidth: 0,
    indent: 2,
    indentSeq: true,
    defaultStringType: 'PLAIN',
    defaultKeyType: 'PLAIN',
    aliasDuplicateObjects: false,
  });
  const head = yamlText === '{}\n' ? '' : yamlText;
  const text = body.replace(/\r\n?/g, '\n');
  return `---\n${head}---\n${text === '' ? '' : `\n${text}`}`;
}
