/**
 * Front matter of files written for other site generators (Jekyll, Hugo, Eleventy): YAML between `---` lines, TOML
 * between `+++` lines, or a JSON object at the top of the file. These files come from anywhere, so they are read as
 * plain data and nothing in them runs: YAML with the core schema (no language tags, no merge keys) and a small cap on
 * alias expansion, TOML with the small strict reader below (the subset front matter uses), JSON with JSON.parse.
 *
 * A block that is merely wrong (a typo in the YAML) is a problem of that one file and comes back as `ok: false`, so
 * a converter can leave that file out and say so. A block built to hurt (aliases that multiply, a block larger than
 * any real front matter) throws BAD_ARCHIVE: the whole source is refused.
 */
import { parseDocument } from 'yaml';
import { PotluckError } from '../../core/errors.ts';

export type FrontMatterFormat = 'yaml' | 'toml' | 'json' | 'none';

export type FrontMatterResult =
  | { ok: true; format: FrontMatterFormat; data: Record<string, unknown>; body: string; warnings: string[] }
  | { ok: false; format: FrontMatterFormat; problem: string };

/** Longest front matter read: real ones are a few hundred bytes; a long description still fits many times over. */
export const MAX_FRONT_MATTER_CHARS = 64 * 1024;
/** How many alias expansions a YAML block may make: enough for hand-written YAML, nothing like a "billion laughs". */
const MAX_ALIAS_EXPANSION = 50;

function hostile(file: string, message: string): PotluckError {
  return new PotluckError('BAD_ARCHIVE', `${file}: ${message}`, { issues: [{ field: file, message }] });
}

/** Whether the file starts with a front matter block of any of the three kinds. */
export function hasFrontMatter(text: string): boolean {
  const source = text.replace(/^\uFEFF/, '');
  return /^(?:---|\+\+\+)[ \t]*\r?\n/.test(source) || /^\{\s*\r?\n?\s*"/.test(source);
}

/**
 * Splits a foreign Markdown file into its front matter data and its body. `file` names the file in messages.
 * Throws BAD_ARCHIVE for front matter that is too large or expands YAML aliases beyond the cap.
 */
export function readFrontMatter(text: string, file: string): FrontMatterResult {
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const fence = /^(---|\+\+\+)[ \t]*\n/.exec(source);
  if (fence) {
    const mark = fence[1];
    const closing = mark === '---' ? /^(?:---|\.\.\.)[ \t]*$/m : /^\+\+\+[ \t]*$/m;
    const rest = source.slice(fence[0].length);
    const match = closing.exec(rest);
    if (!match) {
      if (rest.length > MAX_FRONT_MATTER_CHARS) {
        throw hostile(file, `the front matter is not closed within ${MAX_FRONT_MATTER_CHARS / 1024} KB; close it with a "${mark}" line.`);
      }
      return { ok: false, format: mark === '---' ? 'yaml' : 'toml', problem: `the front matter is not closed; add a line with only "${mark}" after the last field` };
    }
    if (match.index > MAX_FRONT_MATTER_CHARS) {
      throw hostile(file, `the front matter is larger than ${MAX_FRONT_MATTER_CHARS / 1024} KB, far beyond any real one; shorten it.`);
    }
    const block = rest.slice(0, match.index);
    const body = rest.slice(match.index + match[0].length).replace(/^\n/, '').replace(/^\n/, '');
    if (mark === '---') return readYaml(block, body, file);
    try {
      const toml = parseToml(block);
      const warnings = toml.skippedTables.map((t) => `${file}: the front matter table [${t}] was left out.`);
      return { ok: true, format: 'toml', data: toml.data, body, warnings };
    } catch (error) {
      if (!(error instanceof TomlError)) throw error;
      return { ok: false, format: 'toml', problem: `TOML front matter ${error.message}` };
    }
  }
  if (/^\{\s*"/.test(source)) return readJson(source, file);
  return { ok: true, format: 'none', data: {}, body: source, warnings: [] };
}

function readYaml(block: string, body: string, file: string): FrontMatterResult {
  const doc = parseDocument(block, { schema: 'core', version: '1.2', merge: false, uniqueKeys: false, customTags: [], prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    const reason = problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return { ok: false, format: 'yaml', problem: `YAML front matter${line ? ` line ${line + 1}` : ''}: ${reason}` };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    throw hostile(file, `the front matter uses YAML aliases (*name) that expand to too much data (more than ${MAX_ALIAS_EXPANSION} copies); write the values out instead.`);
  }
  if (data === null || data === undefined) return { ok: true, format: 'yaml', data: {}, body, warnings: [] };
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, format: 'yaml', problem: 'the front matter is not a list of "key: value" lines' };
  }
  return { ok: true, format: 'yaml', data: data as Record<string, unknown>, body, warnings: [] };
}

/** A JSON object at the top of the file (Hugo): its end is found by scanning, so a body holding braces is fine. */
function readJson(source: string, file: string): FrontMatterResult {
  let depth = 0;
  let inString = false;
  let end = -1;
  const limit = Math.min(source.length, MAX_FRONT_MATTER_CHARS + 1);
  for (let i = 0; i < limit; i++) {
    const c = source[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) {
        end = i + 1;
        break;
      }
    }
  }
  if (end === -1) {
    if (source.length > MAX_FRONT_MATTER_CHARS) throw hostile(file, `the JSON front matter is not closed within ${MAX_FRONT_MATTER_CHARS / 1024} KB.`);
    return { ok: false, format: 'json', problem: 'the JSON front matter is not closed (a "}" is missing)' };
  }
  let data: unknown;
  try {
    data = JSON.parse(source.slice(0, end));
  } catch (error) {
    return { ok: false, format: 'json', problem: `JSON front matter: ${(error as Error).message}` };
  }
  const body = source.slice(end).replace(/^[ \t]*\n/, '').replace(/^\n/, '');
  return { ok: true, format: 'json', data: data as Record<string, unknown>, body, warnings: [] };
}

/** A TOML syntax error, with the line it is on. */
export class TomlError extends Error {}

/**
 * Reads the TOML that front matter uses: `key = value` with bare, quoted and dotted keys; basic, literal and
 * multi-line strings; integers, floats, booleans; dates and times (kept as their text, which the converters read as
 * dates); arrays (also over several lines); inline tables. `[table]` and `[[array of tables]]` sections (menus,
 * params, resources) are checked for syntax and left out, named in `skippedTables`. Anything else is an error.
 */
export function parseToml(text: string): { data: Record<string, unknown>; skippedTables: string[] } {
  const p = new TomlReader(text);
  return p.document();
}

const BARE_KEY = /[A-Za-z0-9_-]/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?)?|^\d{2}:\d{2}:\d{2}(?:\.\d+)?/;
const NUMBER = /^[+-]?(?:0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|inf|nan|(?:\d[\d_]*)(?:\.\d[\d_]*)?(?:[eE][+-]?\d[\d_]*)?)/;
const MAX_NESTING = 32;

class TomlReader {
  readonly #s: string;
  #i = 0;

  constructor(text: string) {
    this.#s = text;
  }

  document(): { data: Record<string, unknown>; skippedTables: string[] } {
    const data: Record<string, unknown> = {};
    const skippedTables: string[] = [];
    let target: Record<string, unknown> = data;
    for (;;) {
      this.#skipBlank();
      if (this.#i >= this.#s.length) break;
      if (this.#s[this.#i] === '[') {
        const array = this.#s.startsWith('[[', this.#i);
        this.#i += array ? 2 : 1;
        this.#spaces();
        const name = this.#key().join('.');
        this.#spaces();
        if (!this.#s.startsWith(array ? ']]' : ']', this.#i)) throw this.#error(`expected "${array ? ']]' : ']'}" after the table name`);
        this.#i += array ? 2 : 1;
        this.#endOfLine();
        if (!skippedTables.includes(name)) skippedTables.push(name);
        target = {};
        continue;
      }
      const key = this.#key();
      this.#spaces();
      if (this.#s[this.#i] !== '=') throw this.#error(`expected "=" after ${key.join('.')}`);
      this.#i++;
      this.#spaces();
      const value = this.#value(0);
      this.#assign(target, key, value);
      this.#endOfLine();
    }
    return { data, skippedTables };
  }

  /** Sets `key` as an own property all the way down: a key named __proto__ is data, never the prototype. */
  #assign(target: Record<string, unknown>, key: string[], value: unknown): void {
    const define = (on: Record<string, unknown>, name: string, v: unknown) =>
      Object.defineProperty(on, name, { value: v, enumerable: true, writable: true, configurable: true });
    let here = target;
    for (const part of key.slice(0, -1)) {
      const next = Object.hasOwn(here, part) ? here[part] : undefined;
      if (next === undefined) {
        const table: Record<string, unknown> = {};
        define(here, part, table);
        here = table;
      } else if (next && typeof next === 'object' && !Array.isArray(next)) here = next as Record<string, unknown>;
      else throw this.#error(`${key.join('.')} is defined twice`);
    }
    const last = key[key.length - 1];
    if (Object.hasOwn(here, last)) throw this.#error(`${key.join('.')} is defined twice`);
    define(here, last, value);
  }

  #error(message: string): TomlError {
    const line = this.#s.slice(0, this.#i).split('\n').length;
    return new TomlError(`line ${line}: ${message}`);
  }

  #spaces(): void {
    while (this.#s[this.#i] === ' ' || this.#s[this.#i] === '\t') this.#i++;
  }

  /** Spaces, comments and newlines. */
  #skipBlank(): void {
    for (;;) {
      this.#spaces();
      const c = this.#s[this.#i];
      if (c === '#') while (this.#i < this.#s.length && this.#s[this.#i] !== '\n') this.#i++;
      else if (c === '\n' || c === '\r') this.#i++;
      else return;
    }
  }

  #endOfLine(): void {
    this.#spaces();
    if (this.#s[this.#i] === '#') while (this.#i < this.#s.length && this.#s[this.#i] !== '\n') this.#i++;
    if (this.#i < this.#s.length && this.#s[this.#i] !== '\n' && this.#s[this.#i] !== '\r') throw this.#error('unexpected text after the value');
  }

  #key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.#spaces();
      const c = this.#s[this.#i];
      if (c === '"') parts.push(this.#basicString());
      else if (c === "'") parts.push(this.#literalString());
      else {
        const start = this.#i;
        while (this.#i < this.#s.length && BARE_KEY.test(this.#s[this.#i])) this.#i++;
        if (start === this.#i) throw this.#error('expected a key');
        parts.push(this.#s.slice(start, this.#i));
      }
      this.#spaces();
      if (this.#s[this.#i] !== '.') return parts;
      this.#i++;
    }
  }

  #value(depth: number): unknown {
    if (depth > MAX_NESTING) throw this.#error('arrays and tables are nested too deeply');
    const s = this.#s;
    const c = s[this.#i];
    if (s.startsWith('"""', this.#i)) return this.#multiline('"""');
    if (s.startsWith("'''", this.#i)) return this.#multiline("'''");
    if (c === '"') return this.#basicString();
    if (c === "'") return this.#literalString();
    if (c === '[') return this.#array(depth);
    if (c === '{') return this.#inlineTable(depth);
    const rest = s.slice(this.#i, this.#i + 64);
    if (/^true(?![\w-])/.test(rest)) {
      this.#i += 4;
      return true;
    }
    if (/^false(?![\w-])/.test(rest)) {
      this.#i += 5;
      return false;
    }
    const date = DATE_TIME.exec(rest);
    if (date) {
      this.#i += date[0].length;
      return date[0];
    }
    const number = NUMBER.exec(rest);
    if (number && number[0] !== '' && !/^[+-]$/.test(number[0])) {
      this.#i += number[0].length;
      const digits = number[0].replace(/_/g, '');
      if (/inf$/.test(digits)) return digits.startsWith('-') ? -Infinity : Infinity;
      if (/nan$/.test(digits)) return Number.NaN;
      if (/^[+-]?0[xob]/.test(digits)) return Number(digits.replace(/^\+/, ''));
      return Number(digits);
    }
    throw this.#error('expected a value (a "string", a number, true/false, a date, [a, list] or { a = table })');
  }

  #basicString(): string {
    this.#i++;
    let out = '';
    for (;;) {
      const c = this.#s[this.#i];
      if (c === undefined || c === '\n') throw this.#error('a string is not closed with "');
      this.#i++;
      if (c === '"') return out;
      if (c === '\\') out += this.#escape();
      else out += c;
    }
  }

  #escape(): string {
    const c = this.#s[this.#i++];
    const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\', e: '\x1b' };
    if (c in simple) return simple[c];
    if (c === 'u' || c === 'U') {
      const length = c === 'u' ? 4 : 8;
      const hex = this.#s.slice(this.#i, this.#i + length);
      if (!new RegExp(`^[0-9A-Fa-f]{${length}}$`).test(hex)) throw this.#error(`\\${c} needs ${length} hexadecimal digits`);
      this.#i += length;
      const code = Number.parseInt(hex, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw this.#error(`\\${c}${hex} is not a character`);
      return String.fromCodePoint(code);
    }
    throw this.#error(`"\\${c ?? ''}" is not an escape TOML knows`);
  }

  #literalString(): string {
    const end = this.#s.indexOf("'", this.#i + 1);
    const newline = this.#s.indexOf('\n', this.#i + 1);
    if (end === -1 || (newline !== -1 && newline < end)) throw this.#error("a string is not closed with '");
    const value = this.#s.slice(this.#i + 1, end);
    this.#i = end + 1;
    return value;
  }

  #multiline(quote: '"""' | "'''"): string {
    this.#i += 3;
    if (this.#s[this.#i] === '\n') this.#i++;
    else if (this.#s.startsWith('\r\n', this.#i)) this.#i += 2;
    let out = '';
    for (;;) {
      if (this.#i >= this.#s.length) throw this.#error(`a multi-line string is not closed with ${quote}`);
      if (this.#s.startsWith(quote, this.#i)) {
        this.#i += 3;
        // Up to two quotes right before the closing three belong to the string.
        for (let extra = 0; extra < 2 && this.#s[this.#i] === quote[0]; extra++) {
          out += quote[0];
          this.#i++;
        }
        return out;
      }
      const c = this.#s[this.#i++];
      if (quote === '"""' && c === '\\') {
        if (/^[ \t]*\r?\n/.test(this.#s.slice(this.#i))) {
          // A backslash at the end of a line joins the lines, eating the whitespace that follows.
          while (/\s/.test(this.#s[this.#i] ?? '')) this.#i++;
        } else out += this.#escape();
      } else out += c;
    }
  }

  #array(depth: number): unknown[] {
    this.#i++;
    const items: unknown[] = [];
    for (;;) {
      this.#skipBlank();
      if (this.#s[this.#i] === ']') {
        this.#i++;
        return items;
      }
      items.push(this.#value(depth + 1));
      this.#skipBlank();
      const c = this.#s[this.#i];
      if (c === ',') this.#i++;
      else if (c === ']') {
        this.#i++;
        return items;
      } else throw this.#error('expected "," or "]" in a list');
    }
  }

  #inlineTable(depth: number): Record<string, unknown> {
    this.#i++;
    const table: Record<string, unknown> = {};
    this.#spaces();
    if (this.#s[this.#i] === '}') {
      this.#i++;
      return table;
    }
    for (;;) {
      const key = this.#key();
      this.#spaces();
      if (this.#s[this.#i] !== '=') throw this.#error(`expected "=" after ${key.join('.')}`);
      this.#i++;
      this.#spaces();
      this.#assign(table, key, this.#value(depth + 1));
      this.#spaces();
      const c = this.#s[this.#i];
      if (c === ',') this.#i++;
      else if (c === '}') {
        this.#i++;
        return table;
      } else throw this.#error('expected "," or "}" in an inline table');
    }
  }
}
